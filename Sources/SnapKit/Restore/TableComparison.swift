/// Compares a snapshot's table summary with what a manager holds now.
package enum TableComparison {
    /// One line per table whose rows differ, in count or content.
    ///
    /// - Parameter freshSchema: after a takeover (Case 2), what the fresh schema held before
    ///   the dump was loaded: `load-mnesia-data` merges rows, so a table may also keep up to
    ///   that many rows of its own (the default user, endpoints, the new managers), which is
    ///   expected and not reported. Rows of the snapshot that are missing, and rows beyond
    ///   both, are.
    package static func differences(
        expected: [TableSummary], found: [TableSummary], freshSchema: [TableSummary] = []
    ) -> [String] {
        let live = Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let fresh = Dictionary(freshSchema.map { ($0.name, $0.rows) }, uniquingKeysWith: { first, _ in first })
        return expected.compactMap { table in
            guard let now = live[table.name] else {
                return "table \(table.name) is missing (\(table.rows) rows in the snapshot)"
            }
            let added = fresh[table.name] ?? 0
            if now.rows < table.rows {
                return "table \(table.name): \(now.rows) rows, the snapshot had \(table.rows)"
            }
            if now.rows > table.rows + added {
                let fromSchema = added > 0 ? " and the fresh schema \(added)" : ""
                return "table \(table.name): \(now.rows) rows, the snapshot had \(table.rows)\(fromSchema)"
            }
            if now.rows == table.rows && now.digest != table.digest {
                return "table \(table.name): same row count, different rows"
            }
            return nil
        }
    }
}
