import CLinux
import Foundation
import Glibc
import SystemPackage

// Operations on directories and whole trees: listing, copying, moving, removing, syncing, owning.

extension FileOps {
    /// The names in a directory, without `.` and `..`, in byte order. A name that is not
    /// UTF-8 comes back repaired (U+FFFD), so it no longer names its file: code that must
    /// see every file as it is uses ``listDirectoryNames(_:)``.
    package static func listDirectory(_ path: String) throws -> [String] {
        try listDirectoryNames(path).map { String(decoding: $0, as: UTF8.self) }.sorted(by: byteOrder)
    }

    /// The names in a directory as the bytes the file system holds, without `.` and `..`,
    /// in byte order.
    static func listDirectoryNames(_ path: String) throws -> [[UInt8]] {
        guard let handle = opendir(path) else { throw SystemError("list directory", path, .last) }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name != Array(".".utf8) && name != Array("..".utf8) { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Removes a file or a whole tree; missing paths are fine.
    package static func removeTree(_ path: String) throws {
        guard let info = try status(path) else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 { throw SystemError("remove directory", path, .last) }
        } else if unlink(path) != 0 {
            throw SystemError("remove", path, .last)
        }
    }

    /// Copies the tree at `source` to `destination` (which must not exist): files, directories
    /// and links, with owners, modes and modification times (a manager that runs as its own
    /// user must be able to open what comes back). Links are copied, never followed. Owners
    /// are kept where this user may set them (root); elsewhere the copy is this user's.
    /// - Parameter progress: told the bytes of each piece of a file copied (at most
    ///   ``copyStep``), and 0 for each directory or link made; what it throws ends the copy.
    /// - Throws: ``SystemError`` naming the file; ``FileError/unsupportedFile(path:kind:)``
    ///   for a socket, FIFO or device, which no copy can hold.
    package static func copyTree(
        from source: String, to destination: String, progress: (Int) throws -> Void = { _ in }
    ) throws {
        guard let info = try status(source) else { throw SystemError("copy", source, .noSuchFileOrDirectory) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if mkdir(destination, 0o700) != 0 { throw SystemError("create directory", destination, .last) }
            try progress(0)
            for name in try listDirectory(source) {
                try copyTree(from: source + "/" + name, to: destination + "/" + name, progress: progress)
            }
            keepOwner(of: info, on: destination)
            chmod(destination, info.st_mode & 0o7777)
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(source, &buffer, buffer.count - 1)
            if count < 0 { throw SystemError("read link", source, .last) }
            if symlink(buffer, destination) != 0 { throw SystemError("create link", destination, .last) }
            keepOwner(of: info, on: destination)
            try progress(0)
            return
        case S_IFREG:
            try copyFile(from: source, to: destination, mode: info.st_mode & 0o7777, progress: progress)
            keepOwner(of: info, on: destination)
            // chown clears set-id bits: the mode goes on again after it.
            chmod(destination, info.st_mode & 0o7777)
        default:
            throw FileError.unsupportedFile(path: source, kind: "special file")
        }
        var times = [info.st_atim, info.st_mtim]
        utimensat(AT_FDCWD, destination, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// Gives `path` the owner and group of `info` where this user may (a link itself, never
    /// its target); elsewhere, as for a user who is not root, the copy stays this user's.
    private static func keepOwner(of info: stat, on path: String) {
        if info.st_uid != geteuid() || info.st_gid != getegid() { lchown(path, info.st_uid, info.st_gid) }
    }

    /// The most ``copyTree(from:to:progress:)`` copies before telling its progress.
    package static let copyStep = 64 << 20

    private static func copyFile(
        from source: String, to destination: String, mode: mode_t, progress: (Int) throws -> Void
    ) throws {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if input < 0 { throw SystemError("open", source, .last) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if output < 0 { throw SystemError("create", destination, .last) }
        defer { close(output) }
        // In the kernel, as cp does: no trip through user space (the cold copy is downtime).
        while true {
            let count = snap_copy_file_range(input, output, copyStep)
            if count > 0 {
                try progress(count)
                continue
            }
            if count == 0 { break }
            if errno == EINTR { continue }
            guard [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) else { throw SystemError("copy", source, .last) }
            try copyByReading(input, source: source, output: output, destination: destination, progress: progress)
            break
        }
        fchmod(output, mode)
    }

    /// Copies what is left of `input` through a buffer, where the kernel cannot copy it.
    private static func copyByReading(
        _ input: Int32, source: String, output: Int32, destination: String, progress: (Int) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw SystemError("read", source, .last) }
            if count == 0 { break }
            try writeAll(
                FileDescriptor(rawValue: output), UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: destination
            )
            try progress(count)
        }
    }

    /// Moves `source` to `destination`: a rename, or across file systems a copy (owners,
    /// modes and times kept) to a temporary name beside `destination`, fsynced and renamed
    /// into place, and only then the removal of `source`.
    ///
    /// So at every instant one complete copy exists, and a move interrupted anywhere can be
    /// run again: a `destination` that exists is complete, and what is left of `source` is
    /// only the rest of its removal.
    package static func move(_ source: String, to destination: String) throws {
        if exists(destination) {
            // An earlier move got as far as the rename: finish removing the source.
            try removeTree(source)
            return
        }
        if Glibc.rename(source, destination) == 0 { return }
        guard errno == EXDEV else { throw SystemError("move to", destination, .last) }
        let partial = destination + ".snap-partial"
        try removeTree(partial)
        try copyTree(from: source, to: partial)
        try syncTree(partial)
        try rename(partial, to: destination)
        try syncDirectory(FileOps.parent(of: destination))
        try removeTree(source)
    }

    /// fsyncs every file and directory of a tree, deepest first.
    static func syncTree(_ path: String) throws {
        guard let info = try status(path) else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try syncTree(path + "/" + name) }
            try syncDirectory(path)
        } else if (info.st_mode & S_IFMT) == S_IFREG {
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 { throw SystemError("open", path, .last) }
            defer { close(fd) }
            if fsync(fd) != 0 { throw SystemError("fsync", path, .last) }
        }
    }

    /// Gives a whole tree to `uid`:`gid` (links themselves, not their targets).
    static func chownTree(_ path: String, uid: uid_t, gid: gid_t) throws {
        guard let info = try status(path) else { return }
        lchown(path, uid, gid)
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try chownTree(path + "/" + name, uid: uid, gid: gid) }
        }
    }
}

extension FileOps {
    /// `$TMPDIR`, else /tmp.
    static var temporaryBase: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// Makes a new private directory under `$TMPDIR` (else /tmp) named `<prefix>-XXXXXX`.
    /// - Throws: ``SystemError`` when it cannot be made.
    package static func makeTemporaryDirectory(prefix: String) throws -> String {
        let base = temporaryBase
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("create directory", base, .last) }
        return String(cString: made)
    }
}
