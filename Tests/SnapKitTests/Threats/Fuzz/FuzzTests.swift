import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// Seeded mutation fuzzing of everything snap reads from files it does not control: each
/// target starts from a small valid corpus, runs for `SNAP_FUZZ_SECONDS` (default 8) from
/// `SNAP_FUZZ_SEED` (default 1), and must answer every mutant with success or an operator
/// error: never a crash, a hang, a slow (superlinear) parse, or a broken invariant.
///
/// Serialized: the crash guard that saves the input of a dying run is process-wide.
@Suite(.serialized) struct FuzzTests {
    /// Runs `target`, prints the count line, and records every failure with its minimal input.
    static func check(_ target: FuzzTarget) {
        let report = FuzzRunner.run(target)
        print(report.summary + (report.failures.isEmpty ? "" : ", \(report.failures.count) FAILURES"))
        for failure in report.failures {
            Issue.record(
                "fuzz \(target.name): \(failure.problem)\nminimal input (\(failure.input.count) bytes): \(failure.literal)"
            )
        }
        #expect(report.executions > target.corpus.count, "the corpus alone used up the time")
    }

    static func tokens(_ words: [String]) -> [[UInt8]] { words.map { Array($0.utf8) } }

    // MARK: Parsers

    @Test func mnesiaDumpParser() {
        let corpus = [
            MnesiaDumpTests.example, MnesiaDumpTests.tricky,
            "{tables,[{t,[{record_name,t},{attributes,[k,v]}]}]}.\n{t,1,#{a => [1,2|3]}}.\n{t,$},\"x\"}.\n",
        ]
        Self.check(
            FuzzTarget(
                name: "dump", corpus: corpus.map { Array($0.utf8) },
                dictionary: Self.tokens([
                    "{tables,[", "{attributes,[", "{record_name,", "<<\"", "\">>", "<<>>", "$\\x{", "$\\^", "$\\",
                    "'\\'", "#{", "=>", "|", ".\n", ". ", "% c\n", "1.5e-3", "-0.5", "}.", "]}.", "\"\\\"",
                ])
            ) { input in
                _ = try MnesiaDump.parse(input, source: "fuzz.dump")
            })
    }

    @Test func managerConfParser() {
        Self.check(
            FuzzTarget(
                name: "conf", corpus: [Array(LeoManagerConfTests.stock.utf8)],
                dictionary: Self.tokens(["=", " = ", "##", "#", "\t", "nodename", "mnesia.dir", "\u{00A0}"])
            ) { input in
                var conf = LeoManagerConf()
                try conf.read(String(decoding: input, as: UTF8.self), path: "fuzz.conf")
                for key in conf.values.keys where key.isEmpty || key.contains(where: \.isWhitespace) {
                    throw FuzzFinding("accepted the key \(key.debugDescription)")
                }
            })
    }

    @Test func policyParser() throws {
        let shipped = try ["default", "conservative"].map { name in
            try FileOps.readFile(PackagePaths.root + "/policies/\(name).yaml")
        }
        let hooks =
            "keep:\n  last: 3\nhooks:\n  before_create: \"echo [x]\"\n  timeout: 30s\nfreshness: {warn: 1h, crit: 2h}\n"
        Self.check(
            FuzzTarget(
                name: "policy", corpus: shipped + [Array(hooks.utf8)],
                dictionary: Self.tokens([
                    ": ", "\n  ", "- ", "[", "{", "&a ", "*a", "!!str ", "!!binary ", "<<: ", "|\n", ">\n", "? ",
                    "---\n", "...\n", "'", "\"", "#", "36h", "14d", "-5s", "Europe/Berlin", "17 * * * *",
                ])
            ) { input in
                _ = try Policy.parse(String(decoding: input, as: UTF8.self), path: "fuzz.yaml")
            })
    }

    @Test func snapshotRefs() {
        let corpus = ["latest", "latest~1", "latest@manager_0~2", "v3", "aaaaaa2", "BBBBBB3333333333", "latest@a~b"]
        Self.check(
            FuzzTarget(
                name: "ref", corpus: corpus.map { Array($0.utf8) }, dictionary: Self.tokens(["latest", "@", "~", "v"]),
                maxLength: 4096
            ) { input in
                let text = String(decoding: input, as: UTF8.self)
                let reference = try SnapshotRef(parsing: text)
                // What a reference says of itself must name the same snapshots.
                guard (try? SnapshotRef(parsing: reference.description)) == reference else {
                    throw FuzzFinding("\(text.debugDescription) reads back as another reference")
                }
                _ = try reference.resolve(in: SnapshotRefTests.records)
            })
    }
}
