/// A way of naming a snapshot on the command line.
///
/// `latest`, `latest@NODE`, `latest~K`, `latest@NODE~K`, `vN`, a full id, or a unique id
/// prefix of at least 6 characters. `latest` counts by version among regular captures
/// only: `pre-restore` snapshots (what a restore replaced) are named by id or `vN`.
package enum SnapshotRef: Sendable, Equatable {
    case latest(node: String?, back: Int)
    case version(Int)
    case idPrefix(String)

    /// The shortest id prefix accepted.
    static let minimumPrefix = 6

    /// Parses `text`.
    /// - Throws: ``RefError/malformed(_:_:)`` saying what the grammar allows.
    package init(parsing text: String) throws {
        if text.hasPrefix("latest") {
            var rest = Substring(text.dropFirst("latest".count))
            var back = 0
            if let tilde = rest.lastIndex(of: "~") {
                guard let count = Int(rest[rest.index(after: tilde)...]), count >= 0 else {
                    throw RefError.malformed(text, "`~` must be followed by a number, as in latest~2")
                }
                back = count
                rest = rest[..<tilde]
            }
            if rest.isEmpty {
                self = .latest(node: nil, back: back)
                return
            }
            guard rest.hasPrefix("@"), rest.count > 1 else {
                throw RefError.malformed(text, "write latest, latest@NODE or latest~K")
            }
            self = .latest(node: String(rest.dropFirst()), back: back)
            return
        }
        if text.hasPrefix("v"), let number = Int(text.dropFirst()), number > 0 {
            self = .version(number)
            return
        }
        let hex = text.lowercased()
        guard !hex.isEmpty, hex.allSatisfy(\.isHexDigit) else {
            throw RefError.malformed(text, "expected an id, a vN version, latest, latest@NODE or latest~K")
        }
        guard hex.count >= Self.minimumPrefix else {
            throw RefError.malformed(text, "an id prefix needs at least \(Self.minimumPrefix) characters")
        }
        self = .idPrefix(hex)
    }

    /// Picks the one snapshot this reference names.
    /// - Parameter records: every record, in any order.
    /// - Throws: ``RefError`` when nothing or more than one snapshot matches.
    package func resolve(in records: [SnapshotRecord]) throws -> SnapshotRecord {
        let newestFirst = records.sorted { $0.version > $1.version }
        switch self {
        case let .latest(node, back):
            // Latest means the newest regular capture: what a restore replaced is named by id or vN.
            let ofNode = node.map { node in newestFirst.filter { $0.node == node } } ?? newestFirst
            let candidates = ofNode.filter { !$0.isPreRestore }
            guard back < candidates.count else {
                let scope = node.map { "of \($0)" } ?? "in the store"
                var reason = "there are \(candidates.count) snapshots \(scope)"
                let preRestore = ofNode.count - candidates.count
                if preRestore > 0 {
                    reason +=
                        " besides \(preRestore) pre-restore snapshots, which latest never names; "
                        + "find them with \(Remedy.list(tag: "pre-restore")) and name one by its id or vN"
                }
                throw RefError.notFound(description, reason)
            }
            return candidates[back]
        case let .version(number):
            guard let record = newestFirst.first(where: { $0.version == number }) else {
                throw RefError.notFound(description, "no snapshot has version \(number)")
            }
            return record
        case let .idPrefix(prefix):
            let matches = newestFirst.filter { $0.id.hasPrefix(prefix) }
            guard let first = matches.first else {
                throw RefError.notFound(description, "no snapshot id starts with \(prefix)")
            }
            guard matches.count == 1 else {
                throw RefError.ambiguous(description, matches.map { "\($0.id) (v\($0.version), \($0.node))" })
            }
            return first
        }
    }

    /// Picks the one snapshot this reference names among the readable records of `set`.
    ///
    /// An id prefix that only matches a damaged record file reports that file, not a
    /// snapshot that does not exist.
    /// - Throws: ``RefError``, or the damaged record's ``StoreError/corruptFile(path:detail:)``.
    package func resolve(in set: RecordSet) throws -> SnapshotRecord {
        do {
            return try resolve(in: set.records)
        } catch RefError.notFound(let text, let reason) {
            if case let .idPrefix(prefix) = self,
                let damaged = set.damaged.first(where: { $0.recordFileName?.hasPrefix(prefix) == true })
            {
                throw damaged
            }
            guard set.damaged.isEmpty else {
                throw RefError.notFound(
                    text, reason + " (\(set.damaged.count) damaged record files could not be read)")
            }
            throw RefError.notFound(text, reason)
        }
    }

    /// The reference as typed.
    package var description: String {
        switch self {
        case let .latest(node, back):
            // A node name holding `~` needs the count spelled out, or it would be read as one.
            let count = back > 0 || node?.contains("~") == true ? "~\(back)" : ""
            return "latest" + (node.map { "@\($0)" } ?? "") + count
        case let .version(number): return "v\(number)"
        case let .idPrefix(prefix): return prefix
        }
    }
}

/// Failures to name a snapshot.
package enum RefError: SnapFailure, Equatable {
    case malformed(String, String)
    case notFound(String, String)
    case ambiguous(String, [String])

    package var description: String {
        switch self {
        case let .malformed(text, hint):
            return "\(text.debugDescription) is not a snapshot reference: \(hint)"
        case let .notFound(text, reason):
            return "no snapshot matches \(text): \(reason); see \(Remedy.list(tag: nil))"
        case let .ambiguous(text, candidates):
            return "\(text) is ambiguous, it matches: \(candidates.joined(separator: ", ")); type more of the id"
        }
    }
}
