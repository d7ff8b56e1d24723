import Foundation
import SnapKit
import Testing

/// `Retention.keepingBases`: a kept delta keeps its whole chain, each base named by the
/// snapshots kept for their own sake that need it.
@Suite struct RetentionBasesTests {
    /// Two chains of a node: v1 whole, v2...v5 deltas of the one before; v6 whole, v7 its
    /// delta; and v8 whole on another node.
    static func records() -> [SnapshotRecord] {
        let start = RetentionTests.date("2026-12-01T00:00:00Z")
        var records = (1...7).map { RetentionTests.record(start.addingTimeInterval(Double($0) * 3600), version: $0) }
        for version in [2, 3, 4, 5, 7] {
            let base = records[version - 2]
            records[version - 1].deltaBase = SnapshotRecord.DeltaBase(
                snapshot: base.id, version: base.version, tarSha256: "tar-of-v\(base.version)")
        }
        records.append(RetentionTests.record(start, node: "manager_1", version: 8))
        return records.reversed()
    }

    @Test func aKeptDeltaKeepsItsWholeChainNamingWhoNeedsIt() {
        let records = Self.records()
        let decisions = Retention.decide(
            records, rules: RetentionRules(last: 2), timeZone: RetentionTests.utc, pinned: [],
            now: RetentionTests.date("2026-12-02T00:00:00Z"))
        // By the rules alone: v7 and v6 of manager_0 (last 2), v8 of manager_1.
        #expect(Set(decisions.filter(\.keep).map(\.version)) == [6, 7, 8])
        let kept = Retention.keepingBases(decisions, of: records)
        #expect(Set(kept.filter(\.keep).map(\.version)) == [6, 7, 8], "v6 is kept already; v1-v5 need no keeping")
        #expect(kept.first { $0.version == 6 }?.reasons.contains("base of v7") == false, "kept for its own sake")

        var pinned = decisions
        let at = pinned.firstIndex { $0.version == 4 }!
        pinned[at].keep = true
        pinned[at].reasons = ["pinned"]
        let withPin = Retention.keepingBases(pinned, of: records)
        #expect(Set(withPin.filter(\.keep).map(\.version)) == [1, 2, 3, 4, 6, 7, 8])
        for version in 1...3 {
            #expect(withPin.first { $0.version == version }?.reasons == ["base of v4"], "v\(version)")
        }
        #expect(withPin.first { $0.version == 5 }?.keep == false, "a delta of a kept one is not its base")
    }

    @Test func everyKeptDeltaNamesItselfOnTheBasesItShares() {
        let records = Self.records()
        var decisions = Retention.decide(
            records, rules: RetentionRules(last: 1), timeZone: RetentionTests.utc, pinned: [],
            now: RetentionTests.date("2026-12-02T00:00:00Z"))
        for version in [3, 5] {
            let at = decisions.firstIndex { $0.version == version }!
            decisions[at].keep = true
            decisions[at].reasons = ["pinned"]
        }
        let kept = Retention.keepingBases(decisions, of: records)
        #expect(kept.first { $0.version == 1 }?.reasons == ["base of v5", "base of v3"])
        #expect(kept.first { $0.version == 4 }?.reasons == ["base of v5"])
        #expect(kept.first { $0.version == 6 }?.reasons == ["base of v7"])
        #expect(kept.first { $0.version == 3 }?.reasons == ["pinned"], "kept for its own sake, named as such")
    }

    @Test func aChainThatCannotBeReadKeepsEverythingOlderOfItsNode() {
        let records = Self.records().filter { $0.version != 2 }
        var decisions = Retention.decide(
            records, rules: RetentionRules(last: 1), timeZone: RetentionTests.utc, pinned: [],
            now: RetentionTests.date("2026-12-02T00:00:00Z"))
        let at = decisions.firstIndex { $0.version == 5 }!
        decisions[at].keep = true
        let kept = Retention.keepingBases(decisions, of: records)
        // v5's chain cannot be read past the missing v2 (its record damaged, say): all that is
        // older of manager_0 stays, in case the record is mended.
        for version in [1, 3, 4] {
            #expect(kept.first { $0.version == version }?.reasons == ["older than v5, whose chain cannot be read"])
        }
        #expect(kept.first { $0.version == 8 }?.keep == true, "another node's newest, kept by the rules")
    }
}
