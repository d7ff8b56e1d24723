import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// Inputs the fuzzers found, minimized, kept so that what they broke stays fixed.
@Suite struct FuzzRegressionTests {
    /// `latest@~~0` (the `ref` target, seed 7): the node `~` was shown as `latest@~`, which
    /// reads as a malformed count instead of naming the same snapshot.
    @Test func aNodeNameWithATildeReadsBackAsTheSameReference() throws {
        let input: [UInt8] = [108, 97, 116, 101, 115, 116, 64, 126, 126, 48]
        let reference = try SnapshotRef(parsing: String(decoding: input, as: UTF8.self))
        #expect(reference == .latest(node: "~", back: 0))
        #expect(reference.description == "latest@~~0")
        #expect(try SnapshotRef(parsing: reference.description) == reference)
    }
}

extension FuzzRegressionTests {
    /// Two files declaring `Int64.max` bytes: summing the manifest's sizes trapped on overflow.
    @Test func absurdManifestSizesSaturateInsteadOfTrapping() throws {
        let text = """
            {"entries":[{"mode":"0644","path":"a","sha256":"00","size":9223372036854775807,"type":"file"},
            {"mode":"0644","path":"b","sha256":"00","size":9223372036854775807,"type":"file"}],
            "format":"snap-bundle","format_version":1,"tree_digest":"x"}
            """
        let manifest = try BundleManifest.decode(Array(text.utf8), source: "regression")
        #expect(manifest.unpackedSize == .max)
    }
}

extension FuzzRegressionTests {
    /// The `audit` target, seed 20261129: a last entry whose `seq` is the largest Int made
    /// every append (that is, every command) trap on `seq + 1`. Minimized to one line.
    @Test func anAuditEntryWithTheLargestSequenceNumberIsDamageNotACrash() throws {
        let directory = TemporaryDirectory("regression-audit")
        let log = AuditLog(path: directory("audit.log"), storeId: "fuzz-store")
        let line = """
            {"action":"create","argv":[],"duration_ms":0,"hash":"h","host":"h","nodes":[],"outcome":"ok","pid":1,\
            "prev_hash":"p","seq":9223372036854775807,"snapshots":[],"time":"2023-11-14T22:13:22Z","user":"u"}

            """
        try Data(line.utf8).write(to: URL(fileURLWithPath: log.path))
        let (entry, _) = try log.append(
            AuditDraft(argv: ["snap", "audit", "verify"], action: "audit-verify", outcome: "ok", durationMs: 1))
        #expect(entry.seq == 2)
        let verdict = try log.verify()
        #expect(!verdict.ok)
        #expect(verdict.problem?.contains("line 1") == true, "\(verdict.problem ?? "")")
    }
}
