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
    static func verify(lines: [ArraySlice<UInt8>], genesisHash: String, tornTail: Int = 0) -> AuditVerification {
        let decoder = JSONCoding.decoder(for: AuditEntry.self)
        var previousHash = genesisHash
        var count = 0
        for (index, raw) in lines.enumerated() {
            let line = index + 1
            func failed(_ problem: String) -> AuditVerification {
                AuditVerification(
                    ok: false, count: count, headHash: previousHash, headSeq: count,
                    problem: problem, tornTailBytes: tornTail)
            }
            guard let entry = try? decoder.decode(AuditEntry.self, from: Data(raw)) else {
                return failed("line \(line) is not a valid audit entry: it was edited or damaged")
            }
            guard let hash = entry.hash, hash == (try? entry.computedHash()) else {
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
            guard let canonical = try? entry.canonicalLine(), Array(raw) == Array(canonical.dropLast()) else {
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
