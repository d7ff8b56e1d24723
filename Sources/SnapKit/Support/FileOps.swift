import CLinux
import Crypto
import Foundation
import Glibc
import SystemPackage

/// The durable file operations every store write goes through.
///
/// Each write is: temporary file in the same directory, fsync, rename, fsync of the
/// directory. Temporary names start with ``FileOps/temporaryPrefix`` so that the next
/// writer can find and remove what a crash left behind.
public enum FileOps {
    /// The prefix of every temporary file snap creates inside the store.
    public static let temporaryPrefix = ".tmp-"

    /// Writes `data` to `path` atomically and durably with the given mode.
    /// - Throws: ``SystemError`` naming the file.
    public static func writeAtomically(_ data: some DataProtocol, to path: String, mode: mode_t = 0o600) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = try createTemporary(in: directory, mode: mode)
        do {
            try temporary.descriptor.closeAfter {
                try writeAll(temporary.descriptor, Array(data), path: temporary.path)
                try sync(temporary.descriptor, path: temporary.path)
            }
            try rename(temporary.path, to: path)
            try syncDirectory(directory)
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Creates a new temporary file in `directory`; the caller owns the descriptor.
    public static func createTemporary(in directory: String, mode: mode_t = 0o600) throws -> (
        descriptor: FileDescriptor, path: String
    ) {
        for _ in 0..<16 {
            let name = temporaryPrefix + randomHex(bytes: 8)
            let path = directory + "/" + name
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 {
                fchmod(fd, mode)
                return (FileDescriptor(rawValue: fd), path)
            }
            if errno != EEXIST { throw SystemError("create temporary file in", directory, .last) }
        }
        throw SystemError("create temporary file in", directory, .fileExists)
    }

    /// Writes every byte of `bytes`, retrying short writes.
    public static func writeAll(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        do {
            _ = try descriptor.writeAll(bytes)
        } catch let error as Errno {
            throw SystemError("write", path, error)
        }
    }

    /// Writes every byte of `bytes`, retrying short writes.
    public static func writeAll(_ descriptor: FileDescriptor, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
    }

    /// Flushes a file's data and metadata to stable storage.
    public static func sync(_ descriptor: FileDescriptor, path: String) throws {
        if fsync(descriptor.rawValue) != 0 { throw SystemError("fsync", path, .last) }
    }

    /// Makes a rename or unlink inside `directory` durable.
    public static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open directory", directory, .last) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw SystemError("fsync directory", directory, .last) }
    }

    /// Renames `source` to `destination`, replacing it atomically.
    public static func rename(_ source: String, to destination: String) throws {
        if Glibc.rename(source, destination) != 0 { throw SystemError("rename to", destination, .last) }
    }

    /// Creates `path` as a directory with `mode` unless it exists; fsyncs the parent.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws {
        if mkdir(path, mode) != 0 {
            if errno == EEXIST { return }
            throw SystemError("create directory", path, .last)
        }
        chmod(path, mode)
        let parent = (path as NSString).deletingLastPathComponent
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    /// Streams the file at `path` to `body` in chunks; the pointer is only valid inside `body`.
    /// - Throws: ``SystemError`` naming the file, or what `body` throws.
    public static func readChunks(
        _ path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path, .last) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw SystemError("read", path, .last) }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Reads a whole (small) file, straight into the array: `list` reads thousands.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path, .last) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw SystemError("stat", path, .last) }
        // One byte more than the size, so that the end of a file that did not grow is seen
        // by the second read; one that grew is read on in larger steps.
        var result = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var count = 0
        while true {
            if count == result.count { result.append(contentsOf: repeatElement(0, count: result.count)) }
            let got = result.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + count }, $0.count - count) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw SystemError("read", path, .last) }
            if got == 0 { break }
            count += got
        }
        result.removeLast(result.count - count)
        return result
    }

    /// SHA-256 and size of a whole file, streamed.
    public static func sha256(ofFile path: String) throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        try readChunks(path) { chunk in
            hasher.update(bufferPointer: chunk)
            size += Int64(chunk.count)
        }
        return (hasher.finalizeHex(), size)
    }

    /// `lstat` of a path, or `nil` when nothing is there.
    public static func status(_ path: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw SystemError("stat", path, .last)
    }

    /// True when a file or directory (or link) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The names in a directory, without `.` and `..`, in byte order. A name that is not
    /// UTF-8 comes back repaired (U+FFFD), so it no longer names its file: code that must
    /// see every file as it is uses ``listDirectoryNames(_:)``.
    public static func listDirectory(_ path: String) throws -> [String] {
        try listDirectoryNames(path).map { String(decoding: $0, as: UTF8.self) }.sorted(by: byteOrder)
    }

    /// The names in a directory as the bytes the file system holds, without `.` and `..`,
    /// in byte order.
    public static func listDirectoryNames(_ path: String) throws -> [[UInt8]] {
        guard let handle = opendir(path) else { throw SystemError("list directory", path, .last) }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name != Array(".".utf8) && name != Array("..".utf8) { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Orders strings by their UTF-8 bytes, as `LC_ALL=C sort` does.
    public static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Removes a file or a whole tree; missing paths are fine.
    public static func removeTree(_ path: String) throws {
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
    public static func copyTree(
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
            throw BundleError.unsupportedFile(path: source, kind: "special file")
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
    public static let copyStep = 64 << 20

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
    public static func move(_ source: String, to destination: String) throws {
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
        try syncDirectory((destination as NSString).deletingLastPathComponent)
        try removeTree(source)
    }

    /// fsyncs every file and directory of a tree, deepest first.
    public static func syncTree(_ path: String) throws {
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
    public static func chownTree(_ path: String, uid: uid_t, gid: gid_t) throws {
        guard let info = try status(path) else { return }
        lchown(path, uid, gid)
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try chownTree(path + "/" + name, uid: uid, gid: gid) }
        }
    }

    /// Why `path` must not be trusted, as ssh judges its own files: writable by group or
    /// others, or owned by someone other than this user or root. Nil when it is fine.
    public static func insecurity(of path: String) -> String? {
        guard let info = try? status(path) else { return nil }
        if info.st_mode & 0o022 != 0 {
            return String(
                format: "is writable by group or others (mode %04o); fix with chmod go-w %@", info.st_mode & 0o7777,
                path)
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            return
                "is owned by uid \(info.st_uid), not by this user (uid \(geteuid())) or root; fix its owner or run snap as its owner"
        }
        return nil
    }

    /// Lowercase hex of `bytes` random bytes from the system generator.
    public static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in hexByte(UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
