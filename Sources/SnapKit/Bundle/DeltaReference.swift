import Glibc

/// An uncompressed tar in an unlinked temporary file under `$TMPDIR`, mapped read-only for
/// zstd: a delta's base (the delta is matches into its bytes, so all of them must be at hand
/// while it is decoded, as `zstd -d --patch-from=BASE.tar` maps its base), or the new tar a
/// delta is encoded from.
///
/// zstd walks both mostly front to back; ``releaseResident()`` gives the pages it has read
/// back to the page cache, so that the process holds a few MiB of them, never the whole tar.
/// Owns the descriptor and the mapping.
package final class DeltaReference: @unchecked Sendable {
    /// The mapped bytes.
    let bytes: UnsafeRawBufferPointer
    /// The temporary file.
    let fd: Int32
    /// SHA-256 of the tar.
    package let sha256: String

    /// The largest tar a delta may be a delta of, or decode to. Reading a delta maps both
    /// tars and gives their pages back as it goes, so its memory does not grow with them
    /// (`extract` and `verify` of dataset (a)'s 23 MB tars: 56.6 MiB at most, the static
    /// binary's own 31 MiB included); writing one holds the base while zstd indexes it
    /// (`create`: 46 MiB + the base). 28 MiB keeps a delta's window (base and content) at
    /// 2^26 bytes, which `zstd -d --patch-from` opens without `--memory`, and `create` of
    /// dataset (a)'s captures (23–28 MB) possible. A larger capture, or the capture after a
    /// larger one, is written as a whole bundle.
    package static let maxBytes = 28 << 20

    /// How much zstd reads or writes between two ``releaseResident()`` calls: `extract` of
    /// the 24th capture of dataset (a) peaked at 64.3 MiB with 4 MiB, 56.6 MiB with 1 MiB,
    /// in the same time.
    static let releaseStep = 1 << 20

    /// Maps `size` bytes of `fd` (taking the descriptor) as a tar whose SHA-256 is `sha256`.
    /// - Throws: ``SystemError`` (``SystemError/temporary``: no memory or address space is
    ///   not damage) when the mapping fails; `fd` is closed then.
    init(mapping fd: Int32, size: Int, sha256: String, path: String) throws {
        guard size > 0 else {
            close(fd)
            throw BundleError.contentMismatch(path: path, detail: "its archive is empty")
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            let error = SystemError.temporary("map a temporary file in", .last)
            close(fd)
            throw error
        }
        self.fd = fd
        self.bytes = UnsafeRawBufferPointer(start: address, count: size)
        self.sha256 = sha256
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        close(fd)
    }

    /// Size of the tar.
    package var count: Int { bytes.count }

    /// Drops the pages read so far from this process (they stay in the page cache and come
    /// back on the next read).
    func releaseResident() {
        _ = madvise(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count, MADV_DONTNEED)
    }

    /// log2 of the window a delta of `content` bytes against this base needs: every byte of
    /// the delta may reach back to the base's first.
    func windowLog(content: Int) -> Int32 {
        var log: Int32 = 10
        while (1 << log) < bytes.count + content { log += 1 }
        return log
    }
}
