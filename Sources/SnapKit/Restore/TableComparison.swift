/// Compares a snapshot's table summary with what a manager holds now.
public enum TableComparison {
    /// One line per table whose rows differ, in count or content.
    public static func differences(expected: [TableSummary], found: [TableSummary]) -> [String] {
        let live = Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return expected.compactMap { table in
            guard let now = live[table.name] else {
                return "table \(table.name) is missing (\(table.rows) rows in the snapshot)"
            }
            if now.rows != table.rows { return "table \(table.name): \(now.rows) rows, the snapshot had \(table.rows)" }
            if now.digest != table.digest { return "table \(table.name): same row count, different rows" }
            return nil
        }
    }
}
