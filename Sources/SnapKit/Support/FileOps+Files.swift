import CLinux
import Crypto
import Foundation
import Glibc
import SystemPackage

// Operations on one file: durable writes, reads, status.

extension FileOps {
    /// Writes `data` to `path` atomically and durably with the given mode.
    /// - Throws: ``SystemError`` naming the file.
    package static func writeAtomically(_ data: some DataProtocol, to path: String, mode: mode_t = 0o600) throws {
        let directory = FileOps.parent(of: path)
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

    /// Opens an unnamed file under `$TMPDIR` (`O_TMPFILE`; on a file system without it, a
    /// file made and unlinked at once), gone when its descriptor closes; the caller owns it.
    /// - Throws: ``SystemError`` naming the directory.
    static func unnamedTemporaryFile() throws -> Int32 {
        let directory = temporaryBase
        let fd = open(directory, SNAP_O_TMPFILE | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 { return fd }
        guard [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) else {
            throw SystemError.temporary("create temporary file in", .last)
        }
        var template = Array("\(directory)/.snap-XXXXXX".utf8CString)
        let made = mkstemp(&template)
        if made < 0 { throw SystemError.temporary("create temporary file in", .last) }
        unlink(String(cString: template))
        _ = fcntl(made, F_SETFD, FD_CLOEXEC)
        return made
    }

    /// Creates a new temporary file in `directory`; the caller owns the descriptor.
    static func createTemporary(in directory: String, mode: mode_t = 0o600) throws -> (
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
    static func writeAll(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        do {
            _ = try descriptor.writeAll(bytes)
        } catch let error as Errno {
            throw SystemError("write", path, error)
        }
    }

    /// Writes every byte of `bytes`, retrying short writes.
    static func writeAll(_ descriptor: FileDescriptor, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
    }

    /// Flushes a file's data and metadata to stable storage.
    static func sync(_ descriptor: FileDescriptor, path: String) throws {
        if fsync(descriptor.rawValue) != 0 { throw SystemError("fsync", path, .last) }
    }

    /// Makes a rename or unlink inside `directory` durable.
    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open directory", directory, .last) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw SystemError("fsync directory", directory, .last) }
    }

    /// Renames `source` to `destination`, replacing it atomically.
    package static func rename(_ source: String, to destination: String) throws {
        if Glibc.rename(source, destination) != 0 { throw SystemError("rename to", destination, .last) }
    }

    /// Creates `path` as a directory with `mode` unless it exists; fsyncs the parent.
    package static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws {
        if mkdir(path, mode) != 0 {
            if errno == EEXIST { return }
            throw SystemError("create directory", path, .last)
        }
        chmod(path, mode)
        let parent = FileOps.parent(of: path)
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    /// Streams the file at `path` to `body` in chunks; the pointer is only valid inside `body`.
    /// - Throws: ``SystemError`` naming the file, or what `body` throws.
    static func readChunks(
        _ path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path, .last) }
        defer { close(fd) }
        try readChunks(descriptor: fd, path: path, chunkSize: chunkSize, body)
    }

    /// Streams what `fd` holds from its start (read with `pread`, leaving its offset) to
    /// `body` in chunks; `path` names it in errors.
    static func readChunks(
        descriptor fd: Int32, path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        var offset: off_t = 0
        defer { buffer.deallocate() }
        while true {
            let count = pread(fd, buffer.baseAddress, buffer.count, offset)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw SystemError("read", path, .last) }
            if count == 0 { return }
            offset += off_t(count)
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Reads from `fd` until `count` bytes came or the file ended (a short read is not the end).
    /// - Throws: ``SystemError`` naming `path`.
    static func readUpTo(_ count: Int, from fd: Int32, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + filled }, count - filled) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw SystemError("read", path, .last) }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// Reads a whole (small) file, straight into the array: `list` reads thousands.
    package static func readFile(_ path: String) throws -> [UInt8] {
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
    package static func sha256(ofFile path: String) throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        try readChunks(path) { chunk in
            hasher.update(bufferPointer: chunk)
            size += Int64(chunk.count)
        }
        return (hasher.finalizeHex(), size)
    }

    /// `lstat` of a path, or `nil` when nothing is there.
    package static func status(_ path: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw SystemError("stat", path, .last)
    }

    /// True when a file or directory (or link) exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Why `path` must not be trusted, as ssh judges its own files: writable by group or
    /// others, or owned by someone other than this user or root. Nil when it is fine.
    static func insecurity(of path: String) -> String? {
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
}
