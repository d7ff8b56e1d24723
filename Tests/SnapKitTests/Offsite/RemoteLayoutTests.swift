import Testing

@testable import SnapKit

@Suite struct RemoteLayoutTests {
    @Test func auditSegmentsAreNamedByTheirEntriesAndHead() throws {
        let name = RemoteLayout.auditSegment(from: 1, to: 57, hash: String(repeating: "ab", count: 32))
        #expect(name == "audit/0000000001-0000000057-abababababababab.jsonl")
        let segment = try #require(AuditSegment(path: name, size: 10))
        #expect(segment.from == 1 && segment.to == 57 && segment.headHash == "abababababababab")
        for other in ["audit/1-2.jsonl", "audit/0000000002-0000000001-abababababababab.jsonl", "bundles/x.tar.zst"] {
            #expect(AuditSegment(path: other, size: 1) == nil)
        }
    }

    @Test func theHeadIsKnownOnlyForSegmentsThatJoin() {
        func listing(_ ranges: [(Int, Int)]) -> RemoteListing {
            RemoteListing(
                objects: Dictionary(
                    uniqueKeysWithValues: ranges.map {
                        (RemoteLayout.auditSegment(from: $0.0, to: $0.1, hash: String(repeating: "0", count: 64)), 1)
                    }))
        }
        #expect(listing([]).auditHead?.seq == 0)
        #expect(listing([(1, 7), (8, 8), (9, 20)]).auditHead?.seq == 20)
        #expect(listing([(1, 7), (9, 20)]).auditHead == nil)  // entry 8 missing
        #expect(listing([(2, 7)]).auditHead == nil)  // the start missing
        #expect(listing([(1, 7), (5, 9)]).auditHead == nil)  // overlap
    }

    @Test func everyBundleIsReadWithinTheSlicesOfASample() {
        var generator = SystemRandomNumberGenerator()
        let bundles = (0..<500).map { _ in FileOps.randomHex(bytes: 32) }
        for percent in [1, 10, 25, 33, 50, 100] {
            var state = RemoteState(pathDigest: "p", storeConfirmed: true)
            var read: [String: Int] = [:]
            let slices = Int((100.0 / Double(percent)).rounded(.up))
            for _ in 0..<slices {
                let sample = RemoteSample(percent: percent, state: state)
                for bundle in bundles where sample.includes(bundle) { read[bundle, default: 0] += 1 }
                state = sample.advanced(state)
            }
            // N runs read every bundle exactly once: slices are disjoint and cover everything.
            #expect(read.count == bundles.count, "\(percent)%")
            #expect(read.values.allSatisfy { $0 == 1 }, "\(percent)%")
        }
        _ = generator.next()
    }

    /// A daily 10% and a weekly 25% each keep their own round.
    @Test func eachPercentageKeepsItsRound() {
        var state = RemoteState(pathDigest: "p", storeConfirmed: true)
        var slices: [String] = []
        for percent in [10, 10, 10, 25, 10, 10, 25] {
            let sample = RemoteSample(percent: percent, state: state)
            slices.append("\(percent):\(sample.slice)")
            #expect(state.sampleSalt == nil || sample.salt == state.sampleSalt)
            state = sample.advanced(state)
        }
        #expect(slices == ["10:0", "10:1", "10:2", "25:0", "10:3", "10:4", "25:1"])
    }
}
