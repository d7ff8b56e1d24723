import Crypto
import Foundation

/// One line of `audit.log`: one command that changed or checked the store.
public struct AuditEntry: Codable, Sendable, Equatable, SnakeCaseKeys {
    /// 1-based position in the log.
    public var seq: Int
    /// When the command finished.
    public var time: Date
    public var user: String
    public var host: String
    public var pid: Int32
    /// The command line as typed.
    public var argv: [String]
    /// `create`, `verify`, `extract`, ...
    public var action: String
    /// Snapshot ids the command touched.
    public var snapshots: [String]
    /// Manager nodes the command touched.
    public var nodes: [String]
    /// `ok` or `failed`.
    public var outcome: String
    /// The error, when failed.
    public var error: String?
    /// Wall time of the command.
    public var durationMs: Int
    /// ``hash`` of the previous entry (or the genesis hash of the store).
    public var prevHash: String
    /// SHA-256 of this entry's canonical JSON without `hash`.
    public var hash: String?

    /// The line's keys spelled out, so that entries decode without key conversion:
    /// `history` reads the whole log.
    enum CodingKeys: String, CodingKey {
        case seq, time, user, host, pid, argv, action, snapshots, nodes, outcome, error
        case durationMs = "duration_ms", prevHash = "prev_hash", hash
    }

    /// Reads a line quickly when it has the shape snap writes; nil otherwise (decode it
    /// with `JSONDecoder` then, which explains what is wrong).
    static func fastDecode(_ line: ArraySlice<UInt8>) -> AuditEntry? {
        guard let fields = FlatJSON.object(line), let seq = fields["seq"]?.integer,
            let time = fields["time"]?.string.flatMap(UTCTime.parse), let user = fields["user"]?.string,
            let host = fields["host"]?.string, let pid = fields["pid"]?.integer.flatMap(Int32.init(exactly:)),
            let argv = fields["argv"]?.strings, let action = fields["action"]?.string,
            let snapshots = fields["snapshots"]?.strings, let nodes = fields["nodes"]?.strings,
            let outcome = fields["outcome"]?.string, let durationMs = fields["duration_ms"]?.integer,
            let prevHash = fields["prev_hash"]?.string
        else { return nil }
        let error = fields["error"]
        let hash = fields["hash"]
        guard error == nil || error == .null || error?.string != nil,
            hash == nil || hash == .null || hash?.string != nil
        else { return nil }
        return AuditEntry(
            seq: seq, time: time, user: user, host: host, pid: pid, argv: argv, action: action, snapshots: snapshots,
            nodes: nodes, outcome: outcome, error: error?.string, durationMs: durationMs, prevHash: prevHash,
            hash: hash?.string)
    }

    /// The hash the entry must carry: SHA-256 over its canonical form without `hash`.
    public func computedHash() throws -> String {
        var unhashed = self
        unhashed.hash = nil
        return SHA256.hex(of: try JSONCoding.encoder().encode(unhashed))
    }

    /// The exact line written to the log, newline included.
    public func canonicalLine() throws -> [UInt8] {
        try JSONCoding.encode(self, pretty: false)
    }
}
