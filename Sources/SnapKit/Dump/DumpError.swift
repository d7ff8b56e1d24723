/// Why a file is not a Mnesia text dump, with the file and the 1-based line.
package struct DumpError: SnapFailure, Equatable {
    /// What is wrong at ``line``.
    package enum Kind: Sendable, Equatable {
        /// Text where a term must be, or a term that is not written as Erlang writes it.
        case syntax(String)
        /// A string, quoted atom or term that is still open at the end of the file.
        case unterminated(String)
        /// A closing bracket that does not match the open one.
        case unbalanced(String)
        /// A row that is not a tuple starting with its table name.
        case notARecord
        /// The first term is not the `{tables, [...]}` declaration.
        case notADump(String)
        /// A single term longer than ``DumpLimits/maxTermBytes`` (the limit).
        case termTooLong(limit: Int)
        /// Brackets nested deeper than ``DumpLimits/maxDepth`` (the limit).
        case nestedTooDeep(limit: Int)
    }

    /// The file the dump was read from, or the name it was given (`input`).
    package var source: String
    /// The 1-based line the problem is on (or, for something left open, starts on).
    package var line: Int
    /// What went wrong.
    package var kind: Kind

    /// `file:line: problem; what to do`, as compilers print it.
    package var description: String {
        let advice = "is this a complete `leofs-adm dump-mnesia-data` file? take the dump again"
        let problem =
            switch kind {
            case let .syntax(detail), let .unbalanced(detail):
                "\(detail); \(advice)"
            case let .unterminated(detail):
                "\(detail) at end of file; the dump looks truncated, take it again"
            case .notARecord:
                "a row must be a tuple starting with its table name, like {leo_s3_users,...}; " + advice
            case let .notADump(detail):
                "not a Mnesia dump: \(detail); \(advice)"
            case let .termTooLong(limit):
                "the term starting here is longer than \(limit) bytes; refusing to read it (damaged or hostile dump?)"
            case let .nestedTooDeep(limit):
                "brackets nested deeper than \(limit) levels; refusing to read further (damaged or hostile dump?)"
            }
        return "\(source):\(line): \(problem)"
    }
}
