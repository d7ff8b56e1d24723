import Crypto
import Glibc
import SystemPackage

/// Unpacks a bundle into a directory without ever writing outside it.
///
/// Every path is checked (relative, no `..`, no empty or control-character names, shorter
/// than `PATH_MAX` under the target), every component is opened with `O_NOFOLLOW` so no
/// link is ever followed, links must point inside the target, and hard links, devices and
/// FIFOs are refused. Every file is hashed while it is written and compared with the
/// expected content. Nothing is unpacked when the expected files do not fit in the target's
/// free space, and writing stops the moment a file or the whole outgrows what was expected.
package enum BundleExtractor {
    /// Extracts the entries `select` keeps, under the names it returns, into `target`.
    ///
    /// - Parameters:
    ///   - bundlePath: the `.tar.zst` (or `.tar.zst.age`) to read.
    ///   - keys: what opens it when it is encrypted.
    ///   - reference: its base's tar, when it is a delta bundle.
    ///   - expected: what each entry must be; anything else is refused.
    ///   - target: an existing directory, normally empty and private to this call.
    ///   - select: maps a bundle path to a path under `target`, or `nil` to skip the entry.
    /// - Returns: SHA-256 and size of the bundle file, read in the same pass.
    /// - Throws: ``BundleError`` for hostile or mismatching entries, and
    ///   ``BundleError/insufficientSpace(target:needed:available:)`` before anything is
    ///   written when the expected files do not fit; ``Interrupted`` before an entry when a
    ///   signal came; the caller discards `target`.
    @discardableResult
    package static func extract(
        bundlePath: String, keys: BundleKeys, reference: DeltaReference? = nil, expected: ExpectedContent,
        into target: String, select: (String) -> String? = { $0 }
    ) throws -> (sha256: String, size: Int64) {
        let root = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if root < 0 { throw SystemError("open directory", target, .last) }
        defer { close(root) }
        // The trusted manifest bounds what may be written, in all and file by file.
        var budget = UnpackBudget(declared: try declaredSize(of: expected, select: select))
        let available = try freeSpace(root, target: target)
        guard budget.declared <= available else {
            throw BundleError.insufficientSpace(target: target, needed: budget.declared, available: available)
        }
        let reader = try BundleReader(path: bundlePath, keys: keys, reference: reference)
        let parents = OpenDirectory(root: root)
        var directories: [(path: [String], entry: BundleEntry)] = []
        var links: Set<String> = []
        var seen: Set<String> = []
        while let entry = try reader.next() {
            try Interruption.check(leaving: "unpacking stopped; the partly unpacked files are discarded")
            switch entry.kind {
            case .hardlink:
                throw BundleError.hostileEntry(path: entry.path, reason: "hard links are never part of a snap bundle")
            case .other(let kind):
                throw BundleError.hostileEntry(path: entry.path, reason: "\(kind)s are never part of a snap bundle")
            default:
                break
            }
            let promise = try expected.checkHeader(entry)
            seen.insert(entry.path)
            guard let destination = select(entry.path) else {
                if entry.kind == .file { try verifyContent(of: reader, against: promise) }
                continue
            }
            let components = try safeComponents(destination, entry: entry.path)
            if target.utf8.count + 1 + destination.utf8.count >= Int(PATH_MAX) {
                throw BundleError.pathTooLong(path: target + "/" + destination, limit: Int(PATH_MAX) - 1)
            }
            let parent = try parents.open(components.dropLast(), entry: entry.path, target: target)
            let name = components.last ?? ""
            switch entry.kind {
            case .file:
                try writeFile(reader, entry: entry, promise: promise, parent: parent, name: name, budget: &budget)
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
            case .hardlink, .other:
                break  // refused above
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

    /// True when a file name holds a byte a terminal acts on (below space, or DEL): such a
    /// name is refused both when capturing and when unpacking.
    static func holdsControlCharacter(_ name: String) -> Bool {
        name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }

    /// Bytes of the regular files `select` keeps, as `expected` declares them; saturates
    /// instead of overflowing on absurd sizes.
    static func declaredSize(of expected: ExpectedContent, select: (String) -> String?) throws -> Int64 {
        var total: Int64 = 0
        for entry in expected.entries.values where entry.type == .file && select(entry.path) != nil {
            guard entry.size >= 0 else {
                throw BundleError.contentMismatch(path: entry.path, detail: "the manifest gives a negative size")
            }
            let (sum, overflow) = total.addingReportingOverflow(entry.size)
            total = overflow ? .max : sum
        }
        return total
    }

    /// Bytes an unprivileged writer may still use on the file system of `directory`.
    private static func freeSpace(_ directory: Int32, target: String) throws -> Int64 {
        var info = statvfs()
        guard fstatvfs(directory, &info) == 0 else { throw SystemError("check free space of", target, .last) }
        let (bytes, overflow) = Int64(clamping: info.f_bavail).multipliedReportingOverflow(
            by: Int64(clamping: info.f_frsize))
        return overflow ? .max : bytes
    }

    /// What the trusted manifest allows an extract to write in all.
    private struct UnpackBudget {
        /// The declared size of every file to be written.
        let declared: Int64
        /// Bytes written so far.
        var written: Int64 = 0
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
            if holdsControlCharacter(component) {
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

    /// Opens (making them as needed) `components` below `start`, never following a link;
    /// the caller owns the returned descriptor unless it is `start`.
    fileprivate static func openDirectories(
        _ start: Int32, _ components: ArraySlice<String>, entry: String, target: String
    ) throws -> Int32 {
        var current = start
        for component in components {
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                mkdirat(current, component, 0o700)
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let failure = errno
            if current != start { close(current) }
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

    /// Writes the current entry's content to `name` in `parent`, counting every byte against
    /// `budget`.
    private static func writeFile(
        _ reader: BundleReader, entry: BundleEntry, promise: ManifestEntry, parent: Int32, name: String,
        budget: inout UnpackBudget
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
            budget.written += Int64(chunk.count)
            guard budget.written <= budget.declared else {
                throw BundleError.tooLarge(path: entry.path, limit: budget.declared)
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

/// The directory the previous entry went into, kept open. Entries come parent first, so
/// the next one mostly lies in the same directory or one level below: a tree thousands of
/// levels deep is then opened in linear time, not by walking down from the root each time.
///
/// Owns the cached descriptor (never the root's) and closes it in `deinit`.
private final class OpenDirectory {
    private let root: Int32
    private var components: [String] = []
    private var descriptor: Int32 = -1

    init(root: Int32) { self.root = root }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The directory `path` below the root; the descriptor stays owned by this cache.
    func open(_ path: ArraySlice<String>, entry: String, target: String) throws -> Int32 {
        if path.isEmpty { return root }
        var start = root
        var rest = path
        if descriptor >= 0 && path.starts(with: components) {
            if path.count == components.count { return descriptor }
            start = descriptor
            rest = path.dropFirst(components.count)
        }
        let opened = try BundleExtractor.openDirectories(start, rest, entry: entry, target: target)
        if descriptor >= 0 { close(descriptor) }
        descriptor = opened
        components = Array(path)
        return opened
    }
}
