import Foundation
import Glibc

/// Edits one key of a cuttlefish conf file in place: comments, order and other lines stay
/// as they are, the old file is kept beside it, the new one is written atomically.
package enum ConfEditor {
    /// The text with `key` set to `value`: the last non-comment `key = ...` line is
    /// rewritten (keeping its indentation); without one, a line is appended.
    package static func setting(_ key: String, to value: String, in text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        let index = lines.lastIndex { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return false }
            return trimmed[..<equals].trimmingCharacters(in: .whitespaces) == key
        }
        if let index {
            let indentation = lines[index].prefix { $0 == " " || $0 == "\t" }
            lines[index] = "\(indentation)\(key) = \(value)"
            return lines.joined(separator: "\n")
        }
        let body = text.hasSuffix("\n") || text.isEmpty ? text : text + "\n"
        return body + "\(key) = \(value)\n"
    }

    /// Sets `key` in `file`, first copying the file to `backup` unless that exists already
    /// (a resumed restore must keep the original, not its own edit). Mode and owner stay.
    package static func set(_ key: String, to value: String, in file: String, backup: String) throws {
        guard !value.contains(where: \.isNewline) else {
            throw SystemError("write a value with a line break into", file, .invalidArgument)
        }
        let original = try FileOps.readFile(file)
        guard let status = try FileOps.status(file) else { throw SystemError("read", file, .noSuchFileOrDirectory) }
        if !FileOps.exists(backup) {
            try FileOps.writeAtomically(original, to: backup, mode: status.st_mode & 0o7777)
            chown(backup, status.st_uid, status.st_gid)
        }
        let edited = setting(key, to: value, in: String(decoding: original, as: UTF8.self))
        try FileOps.writeAtomically(Array(edited.utf8), to: file, mode: status.st_mode & 0o7777)
        chown(file, status.st_uid, status.st_gid)
    }
}
