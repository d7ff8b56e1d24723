// Reads the text file that `mnesia:dump_to_textfile/1` writes (LeoFS's `dump-mnesia-data`):
//
//     {tables,[{leo_ring_cur,[{record_name,leo_ring_cur},{attributes,[vnode_id,node,clock]}]}]}.
//     {leo_ring_cur,42,'storage_1@127.0.0.1',
//         1500000000000001}.
//
// The first term declares the tables; every later term is one row, a tuple whose first
// element is its table. Dumps reach hundreds of megabytes, so this is a single pass over
// bytes: a small state machine tracks brackets, strings, quoted atoms and comments, cuts
// the text into terms at each closing `.`, and drops the whitespace that line wrapping
// put in. Only the first term is read for its structure; a row is only checked for its
// table name and kept as normalized bytes for the table's digest.

/// A table as the dump's first term declares it.
package struct DeclaredTable: Codable, Sendable, Equatable {
    /// The table name.
    package var name: String
    /// The record's field names, in order (the first is the key).
    package var attributes: [String]

    /// A declared table.
    package init(name: String, attributes: [String]) {
        self.name = name
        self.attributes = attributes
    }
}

/// What a Mnesia text dump holds, table by table.
package struct MnesiaDump: Codable, Sendable, Equatable {
    /// Tables declared in the first term, in the order given, with their attribute names.
    package var tables: [DeclaredTable]
    /// Per table: row count and digest, for every declared table (0 rows if none) plus any
    /// table that has rows but was not declared; sorted by name.
    package var summaries: [TableSummary]

    /// A dump summary.
    package init(tables: [DeclaredTable], summaries: [TableSummary]) {
        self.tables = tables
        self.summaries = summaries
    }

    /// The summary of the table called `name`, if the dump has it.
    package func summary(of name: String) -> TableSummary? {
        summaries.first { $0.name == name }
    }

    /// Reads a dump held in memory; `source` names it in errors.
    /// - Throws: ``DumpError`` naming `source` and the line.
    package static func parse(
        _ bytes: some Collection<UInt8>, source: String, limits: DumpLimits = .standard
    ) throws -> MnesiaDump {
        var parser = DumpParser(source: source, limits: limits)
        let fed: Void? = try bytes.withContiguousStorageIfAvailable { try parser.feed($0) }
        if fed == nil {
            try Array(bytes).withUnsafeBufferPointer { try parser.feed($0) }
        }
        return try parser.finish()
    }

    /// Reads the dump at `path`, streaming it; `path` names it in errors.
    /// - Throws: ``SystemError`` if the file cannot be read, ``DumpError`` if it is not a dump.
    package static func parse(contentsOf path: String, limits: DumpLimits = .standard) throws -> MnesiaDump {
        var parser = DumpParser(source: path, limits: limits)
        try FileOps.readChunks(path, chunkSize: DumpParser.chunkSize) { chunk in
            try parser.feed(chunk.bindMemory(to: UInt8.self))
        }
        return try parser.finish()
    }
}
