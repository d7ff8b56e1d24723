import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// The scanner takes runs of ordinary bytes in bulk within a chunk; what it answers must
/// not depend on where the chunks end, so generated dumps (and damaged ones) are read in
/// one piece, a byte at a time, and in pieces of random sizes, and must read the same.
@Suite struct TermScannerTests {
    /// Parses `bytes` fed to the parser in pieces of `sizes` (cycled).
    static func parse(_ bytes: [UInt8], in sizes: [Int], limits: DumpLimits = .standard) -> Result<
        MnesiaDump, DumpError
    > {
        var parser = DumpParser(source: "chunks.dump", limits: limits)
        do {
            try bytes.withUnsafeBufferPointer { all in
                var start = 0
                var piece = 0
                while start < all.count {
                    let end = min(start + sizes[piece % sizes.count], all.count)
                    try parser.feed(UnsafeBufferPointer(rebasing: all[start..<end]))
                    start = end
                    piece += 1
                }
            }
            return .success(try parser.finish())
        } catch let error as DumpError {
            return .failure(error)
        } catch {
            Issue.record("not a DumpError: \(error)")
            return .failure(DumpError(source: "", line: 0, kind: .syntax("\(error)")))
        }
    }

    /// Reads `bytes` whole, byte by byte and in random pieces; all three must agree.
    static func expectSameInEveryChunking(
        _ bytes: [UInt8], limits: DumpLimits = .standard, using random: inout SeededGenerator
    ) -> Result<MnesiaDump, DumpError> {
        let whole = parse(bytes, in: [max(1, bytes.count)], limits: limits)
        let pieces = (0..<5).map { _ in Int.random(in: 1...70, using: &random) }
        #expect(
            parse(bytes, in: [1], limits: limits) == whole, "\(String(decoding: bytes, as: UTF8.self).debugDescription)"
        )
        #expect(parse(bytes, in: pieces, limits: limits) == whole, "pieces \(pieces)")
        return whole
    }

    @Test(arguments: 1...8)
    func generatedDumpsReadTheSameInAnyChunking(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var dump = GeneratedDump(random: random)
        let bytes = dump.text(rows: 300)
        let result = Self.expectSameInEveryChunking(bytes, using: &random)
        let parsed = try result.get()
        #expect(parsed.summaries.reduce(0) { $0 + $1.rows } == 300)
        #expect(parsed.tables.map(\.name) == ["t", "leo_s3_users", "weird table"])
    }

    @Test(arguments: 1...4)
    func damagedDumpsFailTheSameInAnyChunking(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var dump = GeneratedDump(random: random)
        let intact = dump.text(rows: 20)
        var refused = 0
        for _ in 0..<400 {
            var bytes = intact
            for _ in 0...Int.random(in: 0...2, using: &random) {
                dump.damage(&bytes)
            }
            // A depth limit low enough to be reached; the term-length limit is left alone
            // because it is checked where chunks end.
            let limits = DumpLimits(maxDepth: Int.random(in: 2...12, using: &random))
            if case .failure = Self.expectSameInEveryChunking(bytes, limits: limits, using: &random) { refused += 1 }
        }
        #expect(refused > 100)
    }

    @Test func lineNumbersCountNewlinesInsideStringsAndSkippedIndentation() throws {
        let text =
            "{tables,[{t,[{attributes,[k]}]}]}.\n{t,\"one\ntwo\nthree\",\n"
            + String(repeating: " ", count: 40) + "x}.\n\n" + String(repeating: " ", count: 17) + "{t,1}}.\n"
        var random = SeededGenerator(seed: 7)
        let result = Self.expectSameInEveryChunking(Array(text.utf8), using: &random)
        #expect(
            result
                == .failure(
                    DumpError(
                        source: "chunks.dump", line: 7, kind: .unbalanced("`}` closes a bracket that was never opened"))
                ))
    }
}

/// Dumps with every kind of term the scanner must get right: strings and quoted atoms
/// with escapes, character literals, comments, floats, binaries, maps, lists with tails,
/// and line breaks and indentation inside terms.
struct GeneratedDump {
    var random: SeededGenerator

    static let header = """
        % a dump written for the test, with "a quote and } and .
        {tables,[{t,[{record_name,t},{attributes,[k,v]}]},
                 {leo_s3_users,[{attributes,[id,'p w']}]},
                 {'weird table',[{type,set},{user_properties,[{"x.y",<<"}">>}]},{attributes,[a]}]}]}.

        """

    mutating func text(rows: Int) -> [UInt8] {
        var text = Self.header
        for _ in 0..<rows {
            let values = (0...Int.random(in: 0...3, using: &random)).map { _ in "," + gap() + value(depth: 0) }
            text += "{" + pick(["t", "leo_s3_users", "'weird table'"]) + values.joined() + "}."
            text += pick(["\n", "\n", " % trailing } comment\n", "\n\n", "\r\n", "\t\n", "\n% between rows\n"])
        }
        return Array(text.utf8)
    }

    /// Deletes, inserts, overwrites or cuts at a random place.
    mutating func damage(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        let tokens = [
            "{", "}", "[", "]", "<<", ">>", "\"", "'", "$", "\\", ".", ". ", ".\n", "%", "\n", "=>", "(", ")",
        ]
        switch Int.random(in: 0..<4, using: &random) {
        case 0: bytes.remove(at: at)
        case 1: bytes.insert(contentsOf: Array(pick(tokens).utf8), at: at)
        case 2: bytes[at] = UInt8.random(in: 0...255, using: &random)
        default: bytes.removeSubrange(at...)
        }
    }

    private mutating func pick(_ choices: [String]) -> String {
        choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    private mutating func gap() -> String {
        pick(["", "", "", " ", "\n    ", "\n                ", "\t", " % a } comment\n  "])
    }

    private mutating func value(depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 7 : 12), using: &random) {
        case 0: return pick(["42", "-7", "1700000007", "1.5e-3", "-0.5", "2.0e+10", "3.14"])
        case 1:
            return pick(["a", "full_control", "'storage_1@127.0.0.1'", "'x.y'", "'a b'", #"'it\'s'"#, "'%'", "'a\nb'"])
        case 2:
            return pick([
                #""abc""#, #""a.b, c}""#, #""with \"quotes\" }.""#, #""100%""#, "\"multi\nline. string\"", #""""#,
                #""\\""#, #""abcdefghijklmnopqrstuvwxyz0123456789""#,
            ])
        case 3:
            return pick([
                "$a", "$.", "$\"", "$'", "$%", "$}", "${", "$ ", #"$\n"#, #"$\\"#, #"$\^G"#, #"$\x41"#, #"$\x{7D}"#,
            ])
        case 4: return pick(["<<>>", #"<<"localhost">>"#, "<<1,2,3>>", #"<<"a.b">>"#, #"<<"with \"quote\" and %">>"#])
        case 5: return pick(["[]", "{}", "#{}"])
        case 6: return #"<<"bucket-user_0"# + String(Int.random(in: 0...99_999, using: &random)) + #"">>"#
        case 7, 8: return "[" + list(depth: depth) + "]"
        case 9: return "{" + list(depth: depth) + "}"
        case 10: return "[" + value(depth: depth + 1) + "|" + value(depth: depth + 1) + "]"
        default:
            return "#{" + value(depth: depth + 1) + gap() + "=>" + gap() + value(depth: depth + 1) + "}"
        }
    }

    private mutating func list(depth: Int) -> String {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in gap() + value(depth: depth + 1) }.joined(separator: ",")
    }
}
