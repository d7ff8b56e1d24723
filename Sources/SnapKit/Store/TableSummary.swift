/// The rows of one table in a dump: how many, and a digest of their content.
package struct TableSummary: Codable, Sendable, Equatable {
    /// The table name.
    package var name: String
    /// The number of rows in the dump.
    package var rows: Int
    /// Lowercase hex SHA-256 of the rows, normalized and sorted, each followed by `\n`;
    /// equal for the same rows in any order or line wrapping.
    package var digest: String
}
