import Crypto
import Foundation

/// One line of `audit.log`: one command that changed or checked the store.
package struct AuditEntry: Codable, Sendable, Equatable, SnakeCaseKeys {
    /// 1-based position in the log.
    package var seq: Int
    /// When the command finished.
    package var time: Date
    package var user: String
    package var host: String
    package var pid: Int32
    /// The command line as typed.
    package var argv: [String]
    /// `create`, `verify`, `extract`, ...
    package var action: String
    /// Snapshot ids the command touched.
    package var snapshots: [String]
    /// Manager nodes the command touched.
    package var nodes: [String]
    /// `ok` or `failed`.
    package var outcome: String
    /// The error, when failed.
    package var error: String?
    /// Wall time of the command.
    package var durationMs: Int
    /// ``hash`` of the previous entry (or the genesis hash of the store).
    package var prevHash: String
    /// SHA-256 of this entry's canonical JSON without `hash`.
    package var hash: String?

    /// The line's keys spelled out, so that entries decode without key conversion:
    /// `history` reads the whole log.
    enum CodingKeys: String, CodingKey {
        case seq, time, user, host, pid, argv, action, snapshots, nodes, outcome, error
        case durationMs = "duration_ms", prevHash = "prev_hash", hash
    }

    /// Reads a line quickly when it has the shape snap writes; nil otherwise (decode it
    /// with `JSONDecoder` then, which explains what is wrong).
    static func fastDecode(_ line: ArraySlice<UInt8>) -> AuditEntry? {
        var seq: Int?, time: Date?, user: String?, host: String?, pid: Int32?, argv: [String]?
        var action: String?, snapshots: [String]?, nodes: [String]?, outcome: String?, durationMs: Int?
        var prevHash: String?, error: String?, hash: String?
        let read = JSONPullReader.read(line) { reader in
            reader.object { reader, key in
                switch key {
                case "seq": return keep(reader.integer(), in: &seq)
                case "time": return keep(reader.string().flatMap(UTCTime.parse), in: &time)
                case "user": return keep(reader.string(), in: &user)
                case "host": return keep(reader.string(), in: &host)
                case "pid": return keep(reader.integer().flatMap(Int32.init(exactly:)), in: &pid)
                case "argv": return keep(reader.strings(), in: &argv)
                case "action": return keep(reader.string(), in: &action)
                case "snapshots": return keep(reader.strings(), in: &snapshots)
                case "nodes": return keep(reader.strings(), in: &nodes)
                case "outcome": return keep(reader.string(), in: &outcome)
                case "duration_ms": return keep(reader.integer(), in: &durationMs)
                case "prev_hash": return keep(reader.string(), in: &prevHash)
                case "error": return reader.null() || keep(reader.string(), in: &error)
                case "hash": return reader.null() || keep(reader.string(), in: &hash)
                default: return reader.skipValue()
                }
            } && reader.atEnd()
        }
        guard read, let seq, let time, let user, let host, let pid, let argv, let action,
            let snapshots, let nodes, let outcome, let durationMs, let prevHash
        else { return nil }
        return AuditEntry(
            seq: seq, time: time, user: user, host: host, pid: pid, argv: argv, action: action, snapshots: snapshots,
            nodes: nodes, outcome: outcome, error: error, durationMs: durationMs, prevHash: prevHash, hash: hash)
    }

    /// The hash the entry must carry: SHA-256 over its canonical form without `hash`.
    package func computedHash() throws -> String {
        var unhashed = self
        unhashed.hash = nil
        return SHA256.hex(of: try JSONCoding.encoder().encode(unhashed))
    }

    /// The exact line written to the log, newline included.
    package func canonicalLine() throws -> [UInt8] {
        try JSONCoding.encode(self, pretty: false)
    }
}
