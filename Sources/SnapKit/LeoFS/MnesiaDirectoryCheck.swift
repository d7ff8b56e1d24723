import Glibc

/// Whether a directory looks like a Mnesia directory worth a snapshot: it holds the schema
/// (`schema.DAT`) and at least one table file (`*.DCD`, `*.DCL`, or a `*.DAT` other than the
/// schema). A directory without them (emptied by an interrupted restore, a wrong path, a node
/// that never booted) would make a snapshot that verifies and restores nothing.
package enum MnesiaDirectoryCheck {
    /// What a directory lacks.
    package struct Missing: Sendable, Equatable {
        /// No `schema.DAT`.
        package var schema: Bool
        /// No `*.DCD`, `*.DCL` or `*.DAT` but the schema.
        package var tableFiles: Bool

        /// The missing files in words (`schema.DAT and table files (*.DCD, *.DCL, *.DAT)`).
        package var description: String {
            let tables = "table files (*.DCD, *.DCL, *.DAT)"
            switch (schema, tableFiles) {
            case (true, true): return "schema.DAT and \(tables)"
            case (true, false): return "schema.DAT"
            default: return tables
            }
        }
    }

    /// The schema file's name.
    static let schemaFile = "schema.DAT"

    /// What the directory whose top-level regular files are `names` lacks, or nil.
    /// - Parameter names: the names of the regular files directly in the directory.
    package static func missing(in names: some Sequence<String>) -> Missing? {
        var schema = false
        var tables = false
        for name in names {
            if name == schemaFile {
                schema = true
            } else if name.hasSuffix(".DCD") || name.hasSuffix(".DCL") || name.hasSuffix(".DAT") {
                tables = true
            }
        }
        return schema && tables ? nil : Missing(schema: !schema, tableFiles: !tables)
    }

    /// Refuses a directory that lacks the schema or table files.
    /// - Parameters:
    ///   - directory: the directory to read.
    ///   - node: the node it belongs to, for the message.
    ///   - shownAs: how the message names the directory (default: its path), for a copy of it.
    /// - Throws: ``IncompleteMnesiaDirectory``, or ``SystemError`` when it cannot be read.
    package static func require(_ directory: String, node: String, shownAs: String? = nil) throws {
        var names: [String] = []
        for name in try FileOps.listDirectory(directory) {
            guard let status = try FileOps.status(directory + "/" + name),
                status.st_mode & S_IFMT == S_IFREG
            else { continue }
            names.append(name)
        }
        if let missing = missing(in: names) {
            throw IncompleteMnesiaDirectory(node: node, directory: shownAs ?? directory, missing: missing)
        }
    }
}

/// `create` found no Mnesia schema or no table files where it was to capture: such a
/// snapshot would verify and restore nothing, so none is made unless asked for.
struct IncompleteMnesiaDirectory: SnapFailure {
    package var node: String
    package var directory: String
    package var missing: MnesiaDirectoryCheck.Missing

    package var description: String {
        "\(node): \(directory) has no \(missing.description), so it is no Mnesia directory to keep "
            + "(emptied by an interrupted restore, or the wrong path?); nothing was recorded. "
            + "Put the node's Mnesia files back, or pass \(Remedy.allowIncomplete) to archive it as it is"
    }
}
