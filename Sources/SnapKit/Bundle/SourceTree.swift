import Glibc

/// A directory tree to capture, listed depth first with each directory's children in
/// byte order: the order entries take in the bundle.
struct SourceTree {
    /// One object under the root.
    struct Item {
        /// Path relative to the root, `/`-separated; empty for the root itself.
        var relativePath: String
        /// Absolute path on disk.
        var absolutePath: String
        /// `lstat` when scanned.
        var status: stat
        /// Link target, for symbolic links.
        var linkTarget: String?

        var isDirectory: Bool { (status.st_mode & S_IFMT) == S_IFDIR }
        var isRegular: Bool { (status.st_mode & S_IFMT) == S_IFREG }
        var isSymlink: Bool { (status.st_mode & S_IFMT) == S_IFLNK }
    }

    /// Everything under the root, the root first.
    var items: [Item]

    /// Scans `root`, which must be a directory.
    /// - Throws: ``BundleError/unsupportedFile(path:kind:)`` for sockets, FIFOs and devices;
    ///   ``SystemError`` when the root is missing or unreadable.
    static func scan(_ root: String) throws -> SourceTree {
        guard let status = try FileOps.status(root) else {
            throw SystemError("read directory", root, .noSuchFileOrDirectory)
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { throw SystemError("read directory", root, .notDirectory) }
        var items: [Item] = []
        try walk(Item(relativePath: "", absolutePath: root, status: status), into: &items)
        return SourceTree(items: items)
    }

    private static func walk(_ directory: Item, into items: inout [Item]) throws {
        items.append(directory)
        for name in try FileOps.listDirectory(directory.absolutePath) {
            let absolute = directory.absolutePath + "/" + name
            let relative = directory.relativePath.isEmpty ? name : directory.relativePath + "/" + name
            guard let status = try FileOps.status(absolute) else { continue }  // removed since listing
            var item = Item(relativePath: relative, absolutePath: absolute, status: status)
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(item, into: &items)
            case S_IFREG:
                items.append(item)
            case S_IFLNK:
                item.linkTarget = try readLink(absolute)
                items.append(item)
            case S_IFIFO: throw BundleError.unsupportedFile(path: absolute, kind: "FIFO")
            case S_IFSOCK: throw BundleError.unsupportedFile(path: absolute, kind: "socket")
            default: throw BundleError.unsupportedFile(path: absolute, kind: "device file")
            }
        }
    }

    private static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        if count < 0 { throw SystemError("read link", path, .last) }
        let bytes = buffer[0..<count].map { UInt8(bitPattern: $0) }
        guard let target = String(validating: bytes, as: UTF8.self) else { throw BundleError.invalidName(path: path) }
        return target
    }

    /// Throws ``BundleError/fileChanged(path:)`` naming the first object that was added,
    /// removed, or changed in size, mtime or inode between the two listings.
    func checkUnchanged(against later: SourceTree) throws {
        let before = Dictionary(items.map { ($0.relativePath, $0) }, uniquingKeysWith: { first, _ in first })
        for item in later.items {
            guard let old = before[item.relativePath] else { throw BundleError.fileChanged(path: item.absolutePath) }
            if item.isDirectory && old.isDirectory { continue }
            if old.status.st_ino != item.status.st_ino || old.status.st_size != item.status.st_size
                || old.status.st_mtim.tv_sec != item.status.st_mtim.tv_sec
                || old.status.st_mtim.tv_nsec != item.status.st_mtim.tv_nsec
            {
                throw BundleError.fileChanged(path: item.absolutePath)
            }
        }
        let present = Set(later.items.map(\.relativePath))
        if let gone = items.first(where: { !present.contains($0.relativePath) }) {
            throw BundleError.fileChanged(path: gone.absolutePath)
        }
    }
}
