import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// The fast paths `list` and `history` read with must agree with `JSONDecoder` and
/// Foundation's ISO 8601 parser on everything snap writes.
@Suite struct FastDecodingTests {
    @Test func auditLinesDecodeAsJSONDecoderDecodesThem() throws {
        var random = SeededGenerator(seed: 20261129)
        let alphabet: [String] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "€", "𝄞", "🦀", "{", "]",
        ]
        func text() -> String {
            (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
        }
        for seq in 1...500 {
            var entry = AuditEntry(
                seq: seq, time: Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000, using: &random))),
                user: text(), host: text(), pid: Int32.random(in: 1...Int32.max, using: &random),
                argv: (0..<Int.random(in: 0...4, using: &random)).map { _ in text() }, action: text(),
                snapshots: [text()], nodes: [], outcome: "ok", error: Bool.random(using: &random) ? text() : nil,
                durationMs: Int.random(in: 0...1_000_000, using: &random), prevHash: text(), hash: nil)
            entry.hash = try entry.computedHash()
            let line = try entry.canonicalLine().dropLast()
            let slow = try JSONCoding.decoder(for: AuditEntry.self).decode(AuditEntry.self, from: Data(line))
            #expect(AuditEntry.fastDecode(line) == slow)
            #expect(slow == entry)
        }
    }

    @Test func shapesItDoesNotKnowAreLeftToJSONDecoder() {
        for line in [
            #"{"seq":1.5}"#, #"{"seq":1,"nested":{"a":1}}"#, #"{"seq":1} trailing"#, #"{"seq":"\x"}"#,
            #"{"seq":99999999999999999999}"#, #"{"seq":9223372036854775808}"#, #"{"argv":[9223372036854775808"a"]}"#,
            "{\"user\":\"\u{1}\"}", #"{"seq":1,"#, "",
        ] {
            #expect(AuditEntry.fastDecode(ArraySlice(line.utf8)) == nil, "\(line)")
        }
        #expect(
            FlatJSON.object(ArraySlice(#"{"a":"\ud834\udd1e\u00e9","b":[1,true,null]}"#.utf8)) == [
                "a": .string("𝄞é"), "b": .array([.integer(1), .bool(true), .null]),
            ])
    }

    @Test func timesRoundTripAndMatchFoundation() {
        var random = SeededGenerator(seed: 7)
        let foundation = ISO8601DateFormatter()
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 0...4_102_444_800, using: &random)))
            let text = UTCTime.format(date)
            #expect(text == foundation.string(from: date))
            #expect(UTCTime.parse(text) == date)
        }
        #expect(UTCTime.parse("2026-02-31T00:00:00Z") == nil)
        #expect(UTCTime.parse("2026-11-29T12:00:00+01:00") == foundation.date(from: "2026-11-29T11:00:00Z"))
        #expect(UTCTime.format(Date(timeIntervalSince1970: 1.9), separator: " ") == "1970-01-01 00:00:01Z")
    }
}
