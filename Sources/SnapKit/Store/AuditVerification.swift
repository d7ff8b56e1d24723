import Crypto
import Foundation

/// Outcome of walking the audit chain.
package struct AuditVerification: Sendable, Codable {
    /// True when every entry is intact and chained.
    package var ok: Bool
    /// Entries checked.
    package var count: Int
    /// Hash of the last good entry: record it elsewhere to detect truncation later.
    package var headHash: String
    /// Sequence number of the last good entry.
    package var headSeq: Int
    /// The first problem, naming the entry.
    package var problem: String?
    /// Bytes of a torn last line (crash during an append), reported, never trusted.
    package var tornTailBytes: Int
}

extension AuditLog {
    /// Re-walks the chain: each entry's hash, its link to the previous one, its sequence
    /// number and its canonical form.
    package func verify() throws -> AuditVerification {
        let contents = try read()
        return Self.verify(lines: contents.lines, genesisHash: genesisHash, tornTail: contents.tornTail)
    }

    /// Walks the chain of `lines` (complete lines, without newlines) from `genesisHash`.
    ///
    /// Each line is decoded, re-encoded and hashed on its own, on every core; then the chain
    /// is walked in order, the first problem ending it.
    static func verify(lines: [ArraySlice<UInt8>], genesisHash: String, tornTail: Int = 0) -> AuditVerification {
        walk(lines.concurrentMap(CheckedLine.init), genesisHash: genesisHash, tornTail: tornTail)
    }

    /// ``verify()`` and the entries that decode, from one read and one decode of each line
    /// (`snap report` shows both).
    package func verifiedEntries() throws -> (verification: AuditVerification, entries: [AuditEntry]) {
        let contents = try read()
        let checked = contents.lines.concurrentMap(CheckedLine.init)
        return (
            Self.walk(checked, genesisHash: genesisHash, tornTail: contents.tornTail), checked.compactMap(\.entry)
        )
    }

    /// The chain over lines checked one by one, in order, the first problem ending it.
    private static func walk(_ checked: [CheckedLine], genesisHash: String, tornTail: Int) -> AuditVerification {
        var previousHash = genesisHash
        var count = 0
        for (index, checkedLine) in checked.enumerated() {
            let line = index + 1
            func failed(_ problem: String) -> AuditVerification {
                AuditVerification(
                    ok: false, count: count, headHash: previousHash, headSeq: count,
                    problem: problem, tornTailBytes: tornTail)
            }
            guard let entry = checkedLine.entry else {
                return failed("line \(line) is not a valid audit entry: it was edited or damaged")
            }
            guard let hash = entry.hash, hash == checkedLine.computedHash else {
                return failed("entry \(entry.seq) (line \(line)) was edited: its hash does not match its content")
            }
            guard entry.seq == line else {
                return failed("entry \(entry.seq) found at line \(line): entries were removed or reordered before it")
            }
            guard entry.prevHash == previousHash else {
                return failed(
                    "entry \(entry.seq) (line \(line)) does not chain to the entry before it: that entry was edited, removed or reordered"
                )
            }
            guard checkedLine.canonical else {
                return failed("entry \(entry.seq) (line \(line)) was edited: it is not in the form snap wrote")
            }
            previousHash = hash
            count += 1
        }
        return AuditVerification(
            ok: true, count: count, headHash: previousHash, headSeq: count,
            problem: nil, tornTailBytes: tornTail)
    }
}

/// One audit line checked on its own: decoded, whether it is exactly the form snap writes,
/// and the hash its content calls for.
private struct CheckedLine: Sendable {
    var entry: AuditEntry?
    var canonical = false
    var computedHash: String?

    init(_ raw: ArraySlice<UInt8>) {
        guard
            let entry = AuditEntry.fastDecode(raw)
                ?? (try? JSONCoding.decoder(for: AuditEntry.self).decode(AuditEntry.self, from: Data(raw)))
        else { return }
        self.entry = entry
        let written = try? entry.canonicalLine()
        canonical = written.map { raw.elementsEqual($0.dropLast()) } ?? false
        // A line in the form snap writes is its unhashed form with the `hash` member added
        // (keys are sorted): taking the member out again gives the hashed bytes without
        // encoding the entry a second time.
        if canonical, let hash = entry.hash, let unhashed = Self.removing(member: "hash", valued: hash, from: raw) {
            computedHash = SHA256.hex(of: unhashed)
        } else {
            computedHash = try? entry.computedHash()
        }
    }

    /// `raw` without `"name":"value",` (or `,"name":"value"` when it is the last member); nil
    /// when the value needs escaping or the member is not there as such.
    static func removing(member name: String, valued value: String, from raw: ArraySlice<UInt8>) -> [UInt8]? {
        guard value.utf8.allSatisfy({ $0 != 0x22 && $0 != 0x5c && $0 >= 0x20 }) else { return nil }
        let member = Array("\"\(name)\":\"\(value)\"".utf8)
        let bytes = Array(raw)
        guard let start = bytes.firstRange(of: member)?.lowerBound else { return nil }
        let end = start + member.count
        if end < bytes.count, bytes[end] == 0x2c { return Array(bytes[..<start] + bytes[(end + 1)...]) }
        if start > 0, bytes[start - 1] == 0x2c { return Array(bytes[..<(start - 1)] + bytes[end...]) }
        return nil
    }
}
