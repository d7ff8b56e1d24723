import Foundation

/// A `leo_manager.conf` (cuttlefish syntax): `key = value` lines, `#` comments.
///
/// Later files (`etc/leo_manager.d/*.conf`, in name order) override earlier ones.
package struct LeoManagerConf: Sendable, Equatable {
    /// Where a value came from, for messages.
    package struct Origin: Sendable, Equatable {
        package var path: String
        package var line: Int
    }

    /// The values by key, last one wins.
    package private(set) var values: [String: String] = [:]
    /// Where each value was set.
    package private(set) var origins: [String: Origin] = [:]

    package init() {}

    /// The value of `key`, if set.
    package subscript(key: String) -> String? { values[key] }

    /// Reads `text` (the content of `path`) on top of what is already set.
    /// - Throws: ``LeoFSError/malformedConf(path:line:text:)`` for a line that is neither a
    ///   comment, blank, nor `key = value`.
    package mutating func read(_ text: String, path: String) throws {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw LeoFSError.malformedConf(path: path, line: index + 1, text: String(raw))
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !key.contains(where: \.isWhitespace) else {
                throw LeoFSError.malformedConf(path: path, line: index + 1, text: String(raw))
            }
            values[key] = value
            origins[key] = Origin(path: path, line: index + 1)
        }
    }

    /// Reads `etc/leo_manager.conf` under `home` and then `etc/leo_manager.d/*.conf`.
    /// - Throws: ``LeoFSError/confMissing(_:)`` or a malformed-line error.
    package static func load(home: String) throws -> LeoManagerConf {
        let main = home + "/etc/leo_manager.conf"
        guard FileOps.exists(main) else { throw LeoFSError.confMissing(main) }
        var conf = LeoManagerConf()
        try conf.read(String(decoding: try FileOps.readFile(main), as: UTF8.self), path: main)
        let overrides = home + "/etc/leo_manager.d"
        if FileOps.exists(overrides) {
            for name in try FileOps.listDirectory(overrides) where name.hasSuffix(".conf") {
                let path = overrides + "/" + name
                try conf.read(String(decoding: try FileOps.readFile(path), as: UTF8.self), path: path)
            }
        }
        return conf
    }
}
