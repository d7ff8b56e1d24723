import Crypto
import Glibc

/// The bytes an append-only log held when the tree was scanned, as a length and a digest.
///
/// A log that was replaced meanwhile (Mnesia dumps its log by starting a new file) no longer
/// starts with them, even when the new file reused the old one's inode number, which the
/// filesystem does as soon as the old file is gone; the inode alone cannot tell.
struct LogPrefix: Sendable, Equatable {
    var length: Int64
    var sha256: String

    /// Reads the first `status.st_size` bytes of the file at `path`.
    /// - Throws: ``BundleError/fileChanged(path:)`` when the file is no longer the one
    ///   `status` describes, or holds fewer bytes.
    static func read(_ path: String, status: stat) throws -> LogPrefix {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", path, .last) }
        defer { close(fd) }
        var now = stat()
        fstat(fd, &now)
        guard now.st_ino == status.st_ino, now.st_dev == status.st_dev else {
            throw BundleError.fileChanged(path: path)
        }
        let length = Int64(status.st_size)
        return LogPrefix(length: length, sha256: try digest(fd, length: length, path: path))
    }

    /// The SHA-256 in hex of the first `length` bytes of `fd`.
    /// - Throws: ``BundleError/fileChanged(path:)`` when it holds fewer.
    static func digest(_ fd: Int32, length: Int64, path: String) throws -> String {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var offset: Int64 = 0
        while offset < length {
            let count = pread(fd, buffer.baseAddress, Int(min(Int64(buffer.count), length - offset)), off_t(offset))
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path, .last)
            }
            if count == 0 { throw BundleError.fileChanged(path: path) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
        }
        return hasher.finalizeHex()
    }
}
