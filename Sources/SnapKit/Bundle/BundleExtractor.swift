import Crypto
import Glibc
import SystemPackage

/// Unpacks a bundle into a directory without ever writing outside it.
///
/// Every path is checked (relative, no `..`, no empty or control-character names), every
/// component is opened with `O_NOFOLLOW` so no link is ever followed, links must point
/// inside the target, and hard links, devices and FIFOs are refused. Every file is hashed
/// while it is written and compared with the expected content.
public enum BundleExtractor {
    /// Extracts the entries `select` keeps, under the names it returns, into `target`.
    ///
    /// - Parameters:
    ///   - bundlePath: the `.tar.zst` to read.
    ///   - expected: what each entry must be; anything else is refused.
    ///   - target: an existing directory, normally empty and private to this call.
    ///   - select: maps a bundle path to a path under `target`, or `nil` to skip the entry.
    /// - Returns: SHA-256 and size of the bundle file, read in the same pass.
    /// - Throws: ``BundleError`` for hostile or mismatching entries; the caller discards `target`.
    @discardableResult
    public static func extract(
        bundlePath: String, expected: ExpectedContent, into target: String,
        select: (String) -> String? = { $0 }
    ) throws -> (sha256: String, size: Int64) {
        let root = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if root < 0 { throw SystemError("open directory", target, .last) }
        defer { close(root) }
        let reader = try BundleReader(path: bundlePath)
        var directories: [(path: [String], entry: BundleEntry)] = []
        var links: Set<String> = []
        var seen: Set<String> = []
        while let entry = try reader.next() {
            let promise = try expected.checkHeader(entry)
            seen.insert(entry.path)
            guard let destination = select(entry.path) else {
                if entry.kind == .file { try verifyContent(of: reader, against: promise) }
                continue
            }
            let components = try safeComponents(destination, entry: entry.path)
            let parent = try openParent(root, components.dropLast(), entry: entry.path, target: target)
            defer { if parent != root { close(parent) } }
            let name = components.last ?? ""
            switch entry.kind {
            case .file:
                try writeFile(reader, entry: entry, promise: promise, parent: parent, name: name)
            case .directory:
                if mkdirat(parent, name, 0o700) != 0 && errno != EEXIST {
                    throw SystemError("create directory", target + "/" + destination, .last)
                }
                directories.append((components, entry))
            case .symlink(let linkTarget):
                try checkLink(linkTarget, at: components, links: links, entry: entry.path)
                if symlinkat(linkTarget, parent, name) != 0 {
                    throw SystemError("create link", target + "/" + destination, .last)
                }
                links.insert(components.joined(separator: "/"))
            case .hardlink:
                throw BundleError.hostileEntry(path: entry.path, reason: "hard links are never part of a snap bundle")
            case .other(let kind):
                throw BundleError.hostileEntry(path: entry.path, reason: "\(kind)s are never part of a snap bundle")
            }
        }
        let missing = Set(expected.entries.keys).subtracting(seen)
        if let first = missing.sorted().first {
            throw BundleError.contentMismatch(
                path: first, detail: "listed in the manifest but missing from the archive")
        }
        // Directory modes and times last, deepest first, so writing children does not change them.
        for (components, entry) in directories.reversed() {
            let path = components.joined(separator: "/")
            fchmodat(root, path, entry.mode & 0o777, 0)
            var times = [
                timespec(tv_sec: entry.mtime.seconds, tv_nsec: entry.mtime.nanoseconds),
                timespec(tv_sec: entry.mtime.seconds, tv_nsec: entry.mtime.nanoseconds),
            ]
            utimensat(root, path, &times, AT_SYMLINK_NOFOLLOW)
        }
        return try reader.finish()
    }

    /// Splits `path` into components, refusing anything that could leave the target.
    static func safeComponents(_ path: String, entry: String) throws -> [String] {
        if path.hasPrefix("/") {
            throw BundleError.hostileEntry(path: entry, reason: "absolute paths are not allowed")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for component in components {
            if component.isEmpty || component == "." {
                throw BundleError.hostileEntry(path: entry, reason: "empty or `.` path component")
            }
            if component == ".." {
                throw BundleError.hostileEntry(path: entry, reason: "`..` path components are not allowed")
            }
            if component.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
                throw BundleError.hostileEntry(path: entry, reason: "control characters in file names are not allowed")
            }
        }
        return components
    }

    /// Refuses link targets that are absolute, leave the target lexically, or pass through
    /// another link (whose own target could lead out).
    static func checkLink(_ linkTarget: String, at components: [String], links: Set<String>, entry: String) throws {
        if linkTarget.hasPrefix("/") {
            throw BundleError.hostileEntry(
                path: entry, reason: "link to an absolute path \(linkTarget.debugDescription)")
        }
        var resolved = Array(components.dropLast())
        for part in linkTarget.split(separator: "/").map(String.init) where part != "." {
            if part == ".." {
                if resolved.isEmpty {
                    throw BundleError.hostileEntry(
                        path: entry, reason: "link \(linkTarget.debugDescription) points outside the target")
                }
                resolved.removeLast()
            } else {
                resolved.append(part)
                if links.contains(resolved.joined(separator: "/")) {
                    throw BundleError.hostileEntry(
                        path: entry, reason: "link \(linkTarget.debugDescription) goes through another link")
                }
            }
        }
    }

    private static func openParent(_ root: Int32, _ components: ArraySlice<String>, entry: String, target: String)
        throws -> Int32
    {
        var current = root
        for component in components {
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                mkdirat(current, component, 0o700)
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let failure = errno
            if current != root { close(current) }
            if next < 0 {
                if failure == ELOOP || failure == ENOTDIR {
                    throw BundleError.hostileEntry(path: entry, reason: "its path goes through a link or a file")
                }
                throw SystemError("open directory", target + "/" + component, Errno(rawValue: failure))
            }
            current = next
        }
        return current
    }

    private static func writeFile(
        _ reader: BundleReader, entry: BundleEntry, promise: ManifestEntry, parent: Int32, name: String
    ) throws {
        let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST || errno == ELOOP {
                throw BundleError.hostileEntry(path: entry.path, reason: "appears twice in the bundle")
            }
            throw SystemError("create", entry.path, .last)
        }
        defer { close(fd) }
        var hasher = SHA256()
        var written: Int64 = 0
        try reader.readData { chunk in
            written += Int64(chunk.count)
            guard written <= promise.size else {
                throw BundleError.contentMismatch(
                    path: entry.path, detail: "more content than the manifest's \(promise.size) bytes")
            }
            hasher.update(bufferPointer: chunk)
            var offset = 0
            while offset < chunk.count {
                let count = write(fd, chunk.baseAddress.map { $0 + offset }, chunk.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw SystemError("write", entry.path, .last)
                }
                offset += count
            }
        }
        try checkDigest(hasher.finalizeHex(), size: written, promise: promise)
        fchmod(fd, entry.mode & 0o777)
        var times = [
            timespec(tv_sec: entry.mtime.seconds, tv_nsec: entry.mtime.nanoseconds),
            timespec(tv_sec: entry.mtime.seconds, tv_nsec: entry.mtime.nanoseconds),
        ]
        futimens(fd, &times)
    }

    private static func verifyContent(of reader: BundleReader, against promise: ManifestEntry) throws {
        var hasher = SHA256()
        var size: Int64 = 0
        try reader.readData { chunk in
            hasher.update(bufferPointer: chunk)
            size += Int64(chunk.count)
        }
        try checkDigest(hasher.finalizeHex(), size: size, promise: promise)
    }

    private static func checkDigest(_ sha256: String, size: Int64, promise: ManifestEntry) throws {
        guard size == promise.size else {
            throw BundleError.contentMismatch(
                path: promise.path, detail: "\(size) bytes, the manifest says \(promise.size)")
        }
        guard sha256 == promise.sha256 else {
            throw BundleError.contentMismatch(path: promise.path, detail: "SHA-256 differs from the manifest")
        }
    }
}
