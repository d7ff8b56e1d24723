import Crypto
import Foundation

/// The `MANIFEST.json` of a bundle: every captured file with its size, mode and SHA-256.
///
/// A copy of the same bytes sits beside the bundle in the store
/// (`bundles/<sha256>.manifest.json`) so that `show --files`, `diff` and `extract`
/// know what to expect without decompressing the bundle first.
package struct BundleManifest: Codable, Sendable, Equatable {
    /// The bundle format this writer produces.
    static let currentFormatVersion = 1

    /// Always `"snap-bundle"`.
    package var format: String
    /// Version of the bundle layout.
    package var formatVersion: Int
    /// ``TreeDigest`` over ``entries``; identifies the content.
    package var treeDigest: String
    /// Every directory, file and link in the bundle except the manifest and checksums.
    package var entries: [ManifestEntry]

    package init(entries: [ManifestEntry]) {
        self.format = "snap-bundle"
        self.formatVersion = Self.currentFormatVersion
        self.entries = entries
        self.treeDigest = TreeDigest.compute(entries)
    }

    /// Regular files only, which is what `SHA256SUMS` lists.
    package var files: [ManifestEntry] { entries.filter { $0.type == .file } }

    /// Sum of the regular files' sizes: what an extract writes. Saturates at `Int64.max`
    /// (a damaged or hostile manifest may declare any size).
    package var unpackedSize: Int64 {
        files.reduce(0) { total, file in
            let (sum, overflow) = total.addingReportingOverflow(file.size)
            return overflow ? (file.size < 0 ? .min : .max) : sum
        }
    }

    /// True when a dump (`dump/...`) is part of the content.
    package var hasDump: Bool { entries.contains { $0.type == .file && $0.path.hasPrefix("dump/") } }

    /// The canonical JSON bytes written into the bundle.
    package func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0a]
    }

    /// Decodes manifest bytes.
    /// - Throws: ``BundleError/malformedManifest(_:_:)`` naming `source`.
    package static func decode(_ bytes: [UInt8], source: String) throws -> BundleManifest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(BundleManifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw BundleError.malformedManifest(source, error.explanation)
        } catch {
            throw BundleError.malformedManifest(source, "\(error)")
        }
    }

    /// The text of `SHA256SUMS`, in the format `sha256sum -c` accepts.
    package func sha256sums() -> [UInt8] {
        var text = ""
        for file in files {
            // GNU coreutils escapes names holding a backslash or newline and marks the line.
            if file.path.contains("\\") || file.path.contains("\n") {
                let escaped = file.path.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "\n", with: "\\n")
                text += "\\\(file.sha256 ?? "")  \(escaped)\n"
            } else {
                text += "\(file.sha256 ?? "")  \(file.path)\n"
            }
        }
        return Array(text.utf8)
    }
}

/// One directory, file or symbolic link in a bundle.
package struct ManifestEntry: Codable, Sendable, Equatable {
    /// What kind of file system object an entry is.
    package enum Kind: String, Codable, Sendable {
        case file, directory, symlink
    }

    /// Path inside the bundle, `/`-separated, no trailing slash (`mnesia/schema.DAT`).
    package var path: String
    /// The entry's kind.
    package var type: Kind
    /// Permission bits in octal (`"0644"`).
    package var mode: String
    /// Bytes of content (0 for directories; target length for links).
    package var size: Int64
    /// SHA-256 of the content, for files.
    package var sha256: String?
    /// The link target, for symbolic links.
    package var target: String?

    package init(path: String, type: Kind, mode: UInt32, size: Int64, sha256: String? = nil, target: String? = nil) {
        self.path = path
        self.type = type
        self.mode = String(format: "%04o", mode & 0o7777)
        self.size = size
        self.sha256 = sha256
        self.target = target
    }

    /// The permission bits as a number.
    package var permissions: UInt32 { UInt32(mode, radix: 8) ?? 0o600 }
}

/// The content identity of a captured tree.
///
/// SHA-256 over the entries sorted by the bytes of their path, each written as
/// `type NUL mode NUL size NUL hash NUL path NUL`, where `hash` is the file's SHA-256,
/// the SHA-256 of a link's target, or `-` for a directory. Times and owners are left
/// out on purpose: two captures of the same content compare equal.
package enum TreeDigest {
    /// Computes the digest of `entries` in any order.
    package static func compute(_ entries: [ManifestEntry]) -> String {
        var hasher = SHA256()
        for entry in entries.sorted(by: { FileOps.byteOrder($0.path, $1.path) }) {
            let hash: String
            switch entry.type {
            case .file: hash = entry.sha256 ?? ""
            case .symlink: hash = SHA256.hex(of: Array((entry.target ?? "").utf8))
            case .directory: hash = "-"
            }
            let line = "\(entry.type.rawValue)\0\(entry.mode)\0\(entry.size)\0\(hash)\0\(entry.path)\0"
            hasher.update(data: Array(line.utf8))
        }
        return hasher.finalizeHex()
    }
}
