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
    ///   ``BundleError/invalidName(path:)`` and ``BundleError/unsafeName(path:reason:)`` for
    ///   names and links an extract could not give back as they are;
    ///   ``BundleError/pathTooLong(path:limit:)`` beyond `PATH_MAX`;
    ///   ``SystemError`` when the root is missing or unreadable.
    static func scan(_ root: String) throws -> SourceTree {
        guard let status = try FileOps.status(root) else {
            throw SystemError("read directory", root, .noSuchFileOrDirectory)
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { throw SystemError("read directory", root, .notDirectory) }
        var items: [Item] = []
        // Depth first without recursion, so a deep tree cannot exhaust the stack: a stack of
        // what is still to be taken, whose top is the next item in bundle order.
        var pending = [Item(relativePath: "", absolutePath: root, status: status)]
        var links: Set<String> = []
        while let next = pending.popLast() {
            items.append(next)
            if let linkTarget = next.linkTarget {
                try checkLink(next, linkTarget, links: links)
                links.insert(next.relativePath)
            }
            guard next.isDirectory else { continue }
            var children: [Item] = []
            for name in try FileOps.listDirectoryNames(next.absolutePath) {
                if let child = try item(named: name, in: next) { children.append(child) }
            }
            // Reversed, so the first child in byte order is taken (and listed) next.
            pending += children.reversed()
        }
        return SourceTree(items: items)
    }

    /// The child `rawName` of `directory`, or nil when it vanished since the listing.
    private static func item(named rawName: [UInt8], in directory: Item) throws -> Item? {
        guard let name = String(validating: rawName, as: UTF8.self) else {
            throw BundleError.invalidName(
                path: String.displaying(fileName: Array((directory.absolutePath + "/").utf8) + rawName))
        }
        let absolute = directory.absolutePath + "/" + name
        if BundleExtractor.holdsControlCharacter(name) {
            throw BundleError.unsafeName(
                path: absolute.escapedForTerminal,
                reason: "its name holds a control character (a newline, a tab, ...), which an extract would refuse")
        }
        if !name.utf8.allSatisfy({ $0 < 0x80 }) {
            throw BundleError.unsafeName(path: absolute, reason: "its name " + Self.nonASCII)
        }
        if absolute.utf8.count >= Int(PATH_MAX) {
            throw BundleError.pathTooLong(path: absolute, limit: Int(PATH_MAX) - 1)
        }
        let relative = directory.relativePath.isEmpty ? name : directory.relativePath + "/" + name
        guard let status = try FileOps.status(absolute) else { return nil }  // removed since listing
        var item = Item(relativePath: relative, absolutePath: absolute, status: status)
        switch status.st_mode & S_IFMT {
        case S_IFDIR, S_IFREG:
            break
        case S_IFLNK:
            item.linkTarget = try readLink(absolute)
        case S_IFIFO: throw BundleError.unsupportedFile(path: absolute.escapedForTerminal, kind: "FIFO")
        case S_IFSOCK: throw BundleError.unsupportedFile(path: absolute.escapedForTerminal, kind: "socket")
        default: throw BundleError.unsupportedFile(path: absolute.escapedForTerminal, kind: "device file")
        }
        return item
    }

    /// Refuses a link that an extract would refuse (absolute, leading out of the directory,
    /// or through another link), rather than making a snapshot that cannot be unpacked.
    private static func checkLink(_ item: Item, _ linkTarget: String, links: Set<String>) throws {
        do {
            try BundleExtractor.checkLink(
                linkTarget, at: item.relativePath.split(separator: "/").map(String.init), links: links,
                entry: item.relativePath)
        } catch let BundleError.hostileEntry(_, reason) {
            throw BundleError.unsafeName(
                path: item.absolutePath.escapedForTerminal,
                reason: "\(reason), which snap could not give back on extract or restore")
        }
    }

    /// Why a name outside ASCII is refused: libarchive converts names through the C locale
    /// snap runs in, where they crash the writer or come back unreadable.
    static let nonASCII = "is not ASCII, which snap cannot archive and read back"

    private static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        if count < 0 { throw SystemError("read link", path, .last) }
        let bytes = buffer[0..<count].map { UInt8(bitPattern: $0) }
        guard let target = String(validating: bytes, as: UTF8.self) else {
            throw BundleError.invalidName(path: path.escapedForTerminal)
        }
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            throw BundleError.unsafeName(path: path.escapedForTerminal, reason: "its link target " + Self.nonASCII)
        }
        return target
    }

    /// Throws ``BundleError/fileChanged(path:)`` naming the first object that was added,
    /// removed, or changed in size, mtime or inode between the two listings.
    func checkUnchanged(against later: SourceTree, allowingGrowthOf appendOnly: Set<String> = []) throws {
        let before = Dictionary(items.map { ($0.relativePath, $0) }, uniquingKeysWith: { first, _ in first })
        for item in later.items {
            guard let old = before[item.relativePath] else { throw BundleError.fileChanged(path: item.absolutePath) }
            if item.isDirectory && old.isDirectory { continue }
            // An append-only log may have grown; its captured prefix was checked as it was read.
            if appendOnly.contains(item.relativePath), old.status.st_ino == item.status.st_ino,
                item.status.st_size >= old.status.st_size
            {
                continue
            }
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
