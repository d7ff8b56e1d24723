/// What changed between two snapshots' content.
package struct SnapshotDiff: Codable, Sendable, Equatable {
    /// One changed entry.
    package struct Change: Codable, Sendable, Equatable {
        package var path: String
        package var detail: String
    }

    package var from: String
    package var to: String
    package var added: [String]
    package var removed: [String]
    package var changed: [Change]
    /// Per-table changes, when both snapshots have a table summary (a dump).
    package var tables: [TableChange]?

    /// How one table differs between two dumps.
    package struct TableChange: Codable, Sendable, Equatable {
        package var name: String
        /// Rows before (nil when the table was not in the older dump).
        package var before: Int?
        /// Rows after (nil when the table is gone).
        package var after: Int?
    }

    /// Compares the table summaries of two dumps; only tables whose rows differ (in count
    /// or content) are listed.
    package static func tableChanges(_ old: [TableSummary], _ new: [TableSummary]) -> [TableChange] {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(before.keys).union(after.keys).sorted().compactMap { name in
            let old = before[name]
            let new = after[name]
            guard old?.digest != new?.digest || old?.rows != new?.rows else { return nil }
            return TableChange(name: name, before: old?.rows, after: new?.rows)
        }
    }

    /// True when both have the same content.
    package var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Compares two manifests entry by entry.
    package init(from: String, _ old: BundleManifest, to: String, _ new: BundleManifest) {
        self.from = from
        self.to = to
        let before = Dictionary(old.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        added = after.keys.filter { before[$0] == nil }.sorted(by: FileOps.byteOrder)
        removed = before.keys.filter { after[$0] == nil }.sorted(by: FileOps.byteOrder)
        changed = after.keys.sorted(by: FileOps.byteOrder).compactMap { path in
            guard let old = before[path], let new = after[path], old != new else { return nil }
            if old.type != new.type {
                return Change(path: path, detail: "\(old.type.rawValue) -> \(new.type.rawValue)")
            }
            if old.size != new.size { return Change(path: path, detail: "size \(old.size) -> \(new.size)") }
            if old.sha256 != new.sha256 || old.target != new.target {
                return Change(path: path, detail: "content changed")
            }
            return Change(path: path, detail: "mode \(old.mode) -> \(new.mode)")
        }
    }
}
