import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// A table's digest sorts its rows by a radix sort on the eight bytes after the start all
/// rows share, then compares ties in full; it must equal `sha256sum` of the rows sorted
/// bytewise whatever the rows look like.
@Suite struct RowStoreTests {
    /// `sha256sum` of `rows` sorted bytewise, each followed by a newline.
    static func expectedDigest(of rows: [[UInt8]]) throws -> String {
        let directory = TemporaryDirectory("row-digest")
        let sorted = rows.sorted { $0.lexicographicallyPrecedes($1) }
        try Data(sorted.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: directory("rows")))
        let result = try ProcessRunner.run("/usr/bin/env", ["sha256sum", directory("rows")])
        try #require(result.status == 0, "\(result.stderr)")
        return String(result.stdout.prefix(64))
    }

    /// The digest snap computes for table `t` holding `rows`, written in the order given.
    static func digest(of rows: [[UInt8]]) throws -> String? {
        let text = Array("{tables,[{t,[{attributes,[k,v]}]}]}.\n".utf8) + rows.flatMap { $0 + Array(".\n".utf8) }
        return try MnesiaDump.parse(text, source: "rows.dump").summary(of: "t")?.digest
    }

    static func row(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(arguments: [
        ["{t,1}"],
        ["{t,12}", "{t,1}", "{t,123456789012345678}", "{t,1234567890123456789}"],
        // Equal in the eight bytes after their shared start, different further on.
        ["{t,<<\"abcdefgh-2\">>}", "{t,<<\"abcdefgh-1\">>}", "{t,<<\"abcdefgh-10\">>}", "{t,<<\"abcdefgh\">>}"],
        // The same row twice, and rows that differ only in their last byte.
        ["{t,\"same\"}", "{t,\"same\"}", "{t,\"samf\"}", "{t,\"same\"}"],
        // No shared start beyond the brace and the table.
        ["{t,a}", "{t,\"a\"}", "{t,'a'}", "{t,[a]}", "{t,<<>>}", "{t,$a}"],
    ])
    func digestIsOfTheRowsSortedBytewise(rows: [String]) throws {
        let bytes = rows.map(Self.row)
        #expect(try Self.digest(of: bytes) == (try Self.expectedDigest(of: bytes)))
    }

    @Test func bytesBelowAndAboveASCIISortAsUnsigned() throws {
        let rows =
            [0x00, 0x01, 0x7F, 0x80, 0xFF].map { Self.row("{t,\"a") + [$0] + Self.row("z\"}") } + [
                Self.row("{t,\"a\"}")
            ]
        #expect(try Self.digest(of: rows) == (try Self.expectedDigest(of: rows)))
    }

    @Test func thousandsOfRowsWithManyTiesInTheSortKey() throws {
        var random = SeededGenerator(seed: 11)
        // Few distinct keys after the shared `{t,<<"user_`, so most rows tie on them.
        let rows = (0..<5_000).map { _ in
            let key = ["00000000", "00000001", "0000000", "10000000"][Int.random(in: 0..<4, using: &random)]
            let tail = String(Int.random(in: 0...999, using: &random), radix: 7)
            return Self.row("{t,<<\"user_\(key)\(tail)\">>,\(Int.random(in: 0...3, using: &random))}")
        }
        #expect(try Self.digest(of: rows) == (try Self.expectedDigest(of: rows)))
        #expect(try Self.digest(of: rows.reversed()) == (try Self.expectedDigest(of: rows)))
    }
}
