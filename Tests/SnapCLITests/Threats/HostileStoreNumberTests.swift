import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// Numbers in store files that no snap wrote (a damaged disk, a hand edit): every command
/// that does arithmetic on them reports the damage or shows them, and never traps on an
/// overflow (the fuzzers found the first of these in the audit log).
@Suite(.tally("store numbers")) struct HostileStoreNumberTests {
    static let dump = """
        {tables,[{t,[{record_name,t},{attributes,[k,v]}]},{u,[{record_name,u},{attributes,[k]}]}]}.
        {t,1,a}.
        {u,1}.

        """

    /// Rewrites the JSON file at `path` with `change`.
    static func edit(_ path: String, _ change: (inout [String: Any]) -> Void) throws {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(FileOps.readFile(path))) as? [String: Any])
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    @Test func aLastVersionWithNoSuccessorIsReported() throws {
        let fixture = try HostileCaptureTests.Fixture("number-version")
        try Self.edit(fixture.store + "/store.json") { $0["last_version"] = Int.max }
        let result = try fixture.create()
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("store.json is damaged: last_version or a snapshot's version is \(Int.max)"),
            "\(result.stderr)")
        HostileTally.refused("store numbers")
    }

    @Test func anAuditLogEndingInTheLargestSequenceNumberIsReported() throws {
        let fixture = try HostileCaptureTests.Fixture("number-audit")
        let log = fixture.store + "/audit.log"
        var lines = try String(decoding: FileOps.readFile(log), as: UTF8.self).split(separator: "\n").map(String.init)
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(
            of: "\"seq\":1,", with: "\"seq\":\(Int.max),")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: log))
        let verify = try fixture.snap(["audit", "verify"])
        #expect(verify.status == 4, "\(verify.stderr)")
        #expect(verify.stderr.contains("line 1"), "\(verify.stderr)")
        // Every writer appends to the log: they go on working.
        #expect(try fixture.create().status == 0)
        HostileTally.refused("store numbers")
    }

    @Test func absurdRowCountsAreShown() throws {
        let fixture = try HostileCaptureTests.Fixture("number-rows")
        let dump = fixture.directory("mnesia.dump")
        try Data(Self.dump.utf8).write(to: URL(fileURLWithPath: dump))
        try #require(try fixture.create(["--dump", dump]).status == 0)
        try Data("changed".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        try #require(try fixture.create(["--dump", dump]).status == 0)
        let ids = try FileOps.listDirectory(fixture.store + "/snapshots").filter { $0.hasSuffix(".json") }
        for (index, name) in ids.enumerated() {
            try RecordFile.edit(fixture.store + "/snapshots/" + name, store: fixture.store) { record in
                let rows = index == 0 ? [Int.min, Int.min] : [Int.max, Int.max]
                record["tables"] = (record["tables"] as? [[String: Any]])?.enumerated().map { position, table in
                    table.merging(["rows": rows[position]]) { $1 }
                }
            }
        }
        let show = try fixture.snap(["show", "latest"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("2 (\(Int.max) rows"), "\(show.stdout)")
        let diff = try fixture.snap(["diff", "latest~1", "latest"])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("rows (changed)"), "\(diff.stdout)")
        HostileTally.roundTripped("store numbers")
    }
}
