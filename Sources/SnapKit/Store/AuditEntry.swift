import Crypto
import Foundation

/// One line of `audit.log`: one command that changed or checked the store.
public struct AuditEntry: Codable, Sendable, Equatable {
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
