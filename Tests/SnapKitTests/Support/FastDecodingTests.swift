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
        var text: String?
        var skipped = 0
        let read = JSONPullReader.read(ArraySlice(#" {"a":"\ud834\udd1e\u00e9","b":[1,true,null,{"c":-2.5e3}]} "#.utf8))
        {
            reader in
            reader.object { reader, key in
                switch key {
                case "a": return keep(reader.string(), in: &text)
                default:
                    skipped += 1
                    return reader.skipValue()
                }
            } && reader.atEnd()
        }
        #expect(read && text == "𝄞é" && skipped == 1)
        for number in ["01", "1.", ".5", "+1", "1e", "1.5e+", "--1", "0x10"] {
            let read = JSONPullReader.read(ArraySlice(number.utf8)) { $0.double() != nil && $0.atEnd() }
            #expect(!read, "\(number)")
        }
        for (number, value) in [("-0.25", -0.25), ("3.8", 3.8), ("1E2", 100), ("0", 0), ("12e-1", 1.2)] {
            let read = JSONPullReader.read(ArraySlice(number.utf8)) { $0.double() == value && $0.atEnd() }
            #expect(read, "\(number)")
        }
    }

    /// Records with every optional field set or not, in any combination, sealed as the
    /// store writes them.
    @Test func recordsDecodeAsJSONDecoderDecodesThem() throws {
        var random = SeededGenerator(seed: 20261129)
        for index in 0..<300 {
            let bytes = try RecordSeal.sealed(Self.randomRecord(index, using: &random))
            let slow = try JSONCoding.decode(SnapshotRecord.self, from: bytes, path: "record")
            #expect(SnapshotRecord.fastDecode(bytes) == slow)
        }
    }

    /// Whatever the fast path reads from a damaged record, JSONDecoder reads the same; what
    /// it cannot read it leaves to JSONDecoder.
    @Test func damagedRecordsNeverDecodeDifferently() throws {
        var random = SeededGenerator(seed: 7)
        let tokens = ["null", "1.5", "-1", "\"x\"", "[]", "{}", "true", ",", ":", "\"tables\" : ", "\\u0041", "1e3"]
        var fast = 0
        for index in 0..<3_000 {
            var bytes = try RecordSeal.sealed(Self.randomRecord(index, using: &random))
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
                default: bytes.insert(contentsOf: Array(tokens.randomElement(using: &random)!.utf8), at: at)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            guard let decoded = SnapshotRecord.fastDecode(bytes) else { continue }
            fast += 1
            #expect(try JSONCoding.decode(SnapshotRecord.self, from: bytes, path: "record") == decoded)
        }
        #expect(fast > 100, "too few damaged records still decoded to test anything: \(fast)")
    }

    static func randomRecord(_ index: Int, using random: inout SeededGenerator) -> SnapshotRecord {
        func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
        let modes: [SnapshotRecord.CaptureMode] = [.fromDir, .files, .dump, .filesAndDump, .cold]
        var record = SnapshotRecord(
            id: String(format: "%016x", index), version: index + 1,
            created: Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000, using: &random))),
            node: "manager_\(index % 2)", role: maybe("master"), cluster: maybe("leofs_1"),
            partner: maybe("manager_1@127.0.0.1"), mode: modes[Int.random(in: 0..<modes.count, using: &random)],
            tags: maybe(["nightly", "pre \"upgrade\" é"]) ?? [], note: maybe("a\nnote\twith \\ 𝄞"),
            host: "host-\(index)",
            user: "root", toolVersion: "0.1.0", bundleSha256: String(repeating: "ab", count: 32),
            bundleSize: Int64.random(in: 0...Int64(1) << 40, using: &random),
            treeDigest: String(repeating: "cd", count: 32),
            deduplicated: Bool.random(using: &random), fileCount: Int.random(in: 0...100_000, using: &random),
            unpackedSize: Int64.random(in: 0...Int64(1) << 40, using: &random), hasDump: Bool.random(using: &random),
            verification: maybe(
                .init(
                    checked: Date(timeIntervalSince1970: 1_700_000_000), ok: false, problem: maybe("x"),
                    contentChecked: maybe(false))))
        record.tables = maybe(
            (0..<Int.random(in: 0...22, using: &random)).map {
                TableSummary(
                    name: "leo_table_\($0)", rows: Int.random(in: 0...1_000_000, using: &random),
                    digest: String(repeating: "e", count: 64))
            })
        record.ringHashes = maybe(.init(current: maybe("41e0c107"), previous: maybe("95328374")))
        record.pinned = maybe(Bool.random(using: &random))
        record.nodename = maybe("manager_0@127.0.0.1")
        record.sourceSignature = maybe(String(repeating: "f", count: 64))
        record.downtimeSeconds = maybe(Double(Int.random(in: 0...100_000, using: &random)) / 1000)
        record.coordinator = maybe("backup-host")
        record.copies = maybe(
            (0..<Int.random(in: 0...2, using: &random)).map {
                SnapshotRecord.OffsiteCopy(
                    remote: "remote_\($0)", copied: Date(timeIntervalSince1970: 1_800_000_000 + Double($0)),
                    verified: maybe(Date(timeIntervalSince1970: 1_800_000_100)),
                    pruned: maybe(Date(timeIntervalSince1970: 1_800_000_200)))
            })
        record.encryption = maybe(
            BundleEncryption(
                recipients: (0..<Int.random(in: 1...3, using: &random)).map { "age1recipient\($0)" },
                payloadSha256: String(repeating: "9f", count: 32),
                payloadSize: Int64.random(in: 0...Int64(1) << 40, using: &random)))
        record.load = maybe(
            LoadVerdict(
                checked: Date(timeIntervalSince1970: 1_800_000_300), ok: Bool.random(using: &random),
                seconds: Double(Int.random(in: 0...100_000, using: &random)) / 1000,
                tables: [TableSummary(name: "leo_s3_users", rows: 3, digest: String(repeating: "a", count: 64))],
                forced: maybe(["leo_members"]), problems: maybe(["table leo_s3_users: 2 rows, the snapshot had 3"]),
                runtime: maybe("/usr/bin/erl (OTP 25)")))
        return record
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
