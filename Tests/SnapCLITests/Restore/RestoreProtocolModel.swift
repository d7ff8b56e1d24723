import Foundation
import Glibc
import SnapTestSupport
import Testing

/// What the restore protocol test believes about a stand-in pair and its store: the data
/// the pair holds (user ids and bucket names), the data each snapshot holds, and the
/// restore in flight, if any. Every snap command the test runs is judged against it.
struct RestoreProtocolModel {
    /// The data the pair holds while no restore is unfinished.
    var data: Set<String>
    /// The data captured by each snapshot, by id.
    var snapshots: [String: Set<String>] = [:]
    /// Ids of the snapshots of the data the pair held before the sequence began (pinned).
    var originals: [String] = []
    /// The unfinished restore: its id, the data before it, and the data it brings.
    var unfinished: Flight?
    /// Counts of what happened, for the closing line.
    var tally: [String: Int] = [:]

    struct Flight {
        var id: String
        var before: Set<String>
        var target: Set<String>
    }

    mutating func count(_ event: String) { tally[event, default: 0] += 1 }
}

/// One stand-in pair driven by snap, with the reads the protocol test checks.
struct ProtocolPair {
    let pair: StandinPair

    func snap(_ arguments: [String]) throws -> ProcessResult { try pair.snap(arguments) }

    /// Starts snap without waiting (for kills and second operators).
    func start(_ arguments: [String]) throws -> RunningProcess {
        try SnapBinary.start(arguments + ["--config", pair.config])
    }

    /// User ids and bucket names on manager `index`.
    func data(_ index: Int) throws -> Set<String> {
        Set(
            try pair.console(index, "get-users", "get-buckets").components(separatedBy: "\r\n").compactMap { line in
                let first = line.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                return first.isEmpty ? nil : first
            })
    }

    /// Every record, as `list --json` prints it.
    func records() throws -> [[String: Any]] {
        let listed = try snap(["list", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    /// Restore ids in the store.
    func restores() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: pair.store + "/restores")) ?? [])
    }

    /// The phase a restore's journal records.
    func phase(_ id: String) -> String? {
        guard let data = FileManager.default.contents(atPath: pair.store + "/restores/\(id)/journal.json"),
            let journal = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return journal["phase"] as? String
    }

    /// Actions of the audit log, oldest first.
    func auditActions() throws -> [String] {
        let history = try snap(["history", "--json"])
        let entries = (try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]) ?? []
        return entries.sorted { ($0["seq"] as? Int ?? 0) < ($1["seq"] as? Int ?? 0) }.map {
            "\($0["action"] as? String ?? "?") \($0["outcome"] as? String ?? "?")"
        }
    }
}
