import CArchive
import Crypto
import Glibc

/// One entry of a bundle as libarchive reports it.
package struct BundleEntry: Sendable {
    /// What the tar header says an entry is.
    package enum Kind: Sendable, Equatable {
        case file, directory, symlink(String), hardlink(String), other(String)
    }

    /// Path inside the bundle, without a trailing slash.
    package var path: String
    /// The entry's kind.
    package var kind: Kind
    /// Permission bits.
    package var mode: UInt32
    /// Content size from the header.
    package var size: Int64
    /// Modification time, seconds and nanoseconds.
    package var mtime: (seconds: Int, nanoseconds: Int)
}

/// Streams a `.tar.zst` (or `.tar.zst.age`) bundle entry by entry. A second thread reads the
/// file, hashes it (so the bundle's own SHA-256 comes out of the same pass), decrypts and
/// decompresses it, while the caller's thread parses the tar stream and checks or writes
/// the content: on two cores the two halves of the work overlap.
///
/// Owns the libarchive handle, the reading thread and the file descriptor; `deinit` stops
/// the thread and frees them.
package final class BundleReader {
    private let archive: OpaquePointer
    /// The reading thread of a whole bundle; nil for a delta, decoded into ``spooled`` first.
    private let source: DecompressingSource?
    /// A delta's tar, decoded into a temporary file that libarchive reads.
    package let spooled: BundleArchive.Spooled?
    /// The bundle's path, for messages.
    package let path: String

    /// Opens the bundle at `path`; one named `.tar.zst.age` is decrypted with the identities
    /// of `keys` as it is read. A delta bundle is decoded against `reference`, its base, into
    /// a temporary file first (``BundleArchive/spool(_:keys:reference:)``), which libarchive
    /// then reads.
    /// - Throws: ``SystemError`` when it cannot be opened, ``BundleError`` when libarchive
    ///   refuses it, ``BundleKeyError`` when it is encrypted and no identity is usable.
    package init(path: String, keys: BundleKeys = .none, reference: DeltaReference? = nil) throws {
        if let reference {
            let spooled = try BundleArchive.spool(path, keys: keys, reference: reference)
            guard let archive = archive_read_new() else {
                throw BundleError.archive(operation: "open", path: path, detail: "out of memory")
            }
            self.archive = archive
            self.path = path
            self.source = nil
            self.spooled = spooled
            archive_read_support_format_tar(archive)
            lseek(spooled.fd, 0, SEEK_SET)
            if archive_read_open_fd(archive, spooled.fd, 1 << 20) != ARCHIVE_OK { throw failure("open") }
            return
        }
        self.spooled = nil
        let decryptor = BundleName.isEncrypted(path) ? AgeDecryptor(identities: try keys.identities(toOpen: path)) : nil
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open bundle", path, .last) }
        guard let archive = archive_read_new() else {
            close(fd)
            throw BundleError.archive(operation: "open", path: path, detail: "out of memory")
        }
        self.archive = archive
        self.path = path
        let source: DecompressingSource
        do {
            source = try DecompressingSource(fd: fd, path: path, decryptor: decryptor, identityPath: keys.identityPath)
        } catch {
            close(fd)
            archive_read_free(archive)
            throw error
        }
        self.source = source
        archive_read_support_format_tar(archive)
        let client = Unmanaged.passUnretained(source).toOpaque()
        if archive_read_open(archive, client, nil, decompressingSourceRead, nil) != ARCHIVE_OK {
            throw failure("open")
        }
    }

    deinit {
        archive_read_free(archive)
        source?.close()
    }

    /// The next entry's header, or `nil` at the end of the archive.
    /// - Throws: ``BundleError`` for unreadable archives and names that are not UTF-8.
    package func next() throws -> BundleEntry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw failure("read header") }
        guard let rawPath = archive_entry_pathname_utf8(entry), let name = String(validatingCString: rawPath) else {
            throw BundleError.hostileEntry(path: "(unnamed)", reason: "entry name is not valid UTF-8")
        }
        var path = name
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let kind: BundleEntry.Kind
        let type = archive_entry_filetype(entry)
        if let link = archive_entry_hardlink_utf8(entry) ?? archive_entry_hardlink(entry) {
            kind = .hardlink(String(cString: link))
        } else if type == SNAP_AE_IFREG {
            kind = .file
        } else if type == SNAP_AE_IFDIR {
            kind = .directory
        } else if type == SNAP_AE_IFLNK {
            guard let target = archive_entry_symlink_utf8(entry), let text = String(validatingCString: target) else {
                throw BundleError.hostileEntry(path: path, reason: "link target is not valid UTF-8")
            }
            kind = .symlink(text)
        } else if type == SNAP_AE_IFCHR || type == SNAP_AE_IFBLK {
            kind = .other("device file")
        } else if type == SNAP_AE_IFIFO {
            kind = .other("FIFO")
        } else {
            kind = .other("special file")
        }
        return BundleEntry(
            path: path, kind: kind, mode: UInt32(archive_entry_perm(entry)), size: archive_entry_size(entry),
            mtime: (archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)))
    }

    /// Streams the current entry's content in blocks; the pointer is only valid inside `body`.
    /// - Throws: ``BundleError`` when the compressed data is damaged, or what `body` throws.
    package func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        var position: Int64 = 0
        while true {
            let status = archive_read_data_block(archive, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else { throw failure("read data") }
            if offset > position {
                // A sparse hole: the content is zeros there, handed over a block at a time
                // (a hole may claim gigabytes).
                try Self.zeros.withUnsafeBytes { block in
                    var remaining = offset - position
                    while remaining > 0 {
                        let count = Int(min(remaining, Int64(block.count)))
                        try body(UnsafeRawBufferPointer(rebasing: block[0..<count]))
                        remaining -= Int64(count)
                    }
                }
            }
            try body(UnsafeRawBufferPointer(start: block, count: size))
            position = offset + Int64(size)
        }
    }

    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    /// Reads the current entry whole, refusing more than `limit` bytes.
    func readAll(limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try readData { chunk in
            guard bytes.count + chunk.count <= limit else {
                throw BundleError.tooLarge(path: path, limit: Int64(limit))
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Reads whatever the archive did not consume and returns the SHA-256 and size of the
    /// whole bundle file.
    package func finish() throws -> (sha256: String, size: Int64) {
        guard let source else { return spooled?.digest.file ?? ("", 0) }
        return try source.drain()
    }

    private func failure(_ operation: String) -> any Error {
        if let error = source?.error { return error }
        let detail = archive_error_string(archive).map { String(cString: $0) } ?? "unreadable archive"
        return BundleError.archive(operation: operation, path: path, detail: detail)
    }
}

private func decompressingSourceRead(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> Int {
    guard let client else { return -1 }
    return Unmanaged<DecompressingSource>.fromOpaque(client).takeUnretainedValue().read(buffer)
}
