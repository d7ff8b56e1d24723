import CArchive
import CLinux
import Crypto
import Glibc
import SystemPackage

/// Writes a `.tar.zst` bundle: libarchive lays out the pax tar, libzstd compresses it on
/// worker threads, an age encryptor seals it when the bundle is encrypted, and the file's
/// bytes are hashed as they go so the bundle's SHA-256 is known when the last byte is written.
///
/// Owns the libarchive handle; the output descriptor stays the caller's.
final class BundleWriter {
    private let archive: OpaquePointer
    private let sink: CompressingSink
    private let outputPath: String
    private var buffer: UnsafeMutableRawBufferPointer
    private var finished = false

    /// - Parameters:
    ///   - output: where the compressed bytes go; the caller closes it.
    ///   - outputPath: the output's path, for messages.
    ///   - recipients: the age recipients to encrypt to; none writes a plain `.tar.zst`.
    /// - Throws: ``BundleError/archive(operation:path:detail:)`` when libarchive refuses a setting.
    init(
        output: FileDescriptor, outputPath: String, compression: CompressionSettings, recipients: [AgeRecipient] = []
    ) throws {
        guard let archive = archive_write_new() else {
            throw BundleError.archive(operation: "create archive", path: outputPath, detail: "out of memory")
        }
        self.archive = archive
        self.sink = try CompressingSink(
            output: SealingSink(descriptor: output, path: outputPath, recipients: recipients), compression: compression)
        self.outputPath = outputPath
        self.buffer = .allocate(byteCount: 1 << 20, alignment: 64)
        try check(archive_write_set_format_pax(archive), "set tar format")
        // No blocking: libarchive hands each write straight to the compressor, without
        // copying it into 10 KiB blocks first, and pads nothing at the end.
        try check(archive_write_set_bytes_per_block(archive, 0), "set block size")
        let client = Unmanaged.passUnretained(sink).toOpaque()
        try check(archive_write_open(archive, client, nil, compressingSinkWrite, nil), "open archive")
    }

    deinit {
        if !finished { archive_write_close(archive) }
        archive_write_free(archive)
        buffer.deallocate()
    }

    /// Adds a directory entry (`path` without trailing slash).
    func addDirectory(_ path: String, status: stat) throws {
        try writeHeader(path, type: SNAP_AE_IFDIR, status: status, size: 0)
    }

    /// Adds a symbolic link entry pointing at `target`.
    func addSymlink(_ path: String, target: String, status: stat) throws {
        try writeHeader(path, type: SNAP_AE_IFLNK, status: status, size: 0, symlink: target)
    }

    /// Streams the regular file at `sourcePath` into the bundle, hashing it in the same pass.
    ///
    /// - Parameters:
    ///   - status: the `lstat` taken when the tree was scanned; any difference in inode,
    ///     size, mtime or ctime, before or after reading, means the file changed.
    ///   - scannedLog: the file is a log its writer only appends to, which held these bytes
    ///     when the tree was scanned: its first `status.st_size` bytes are captured, and it
    ///     changed only if it was replaced, shrank, does not start with `scannedLog`'s bytes,
    ///     or the captured bytes differ when read again (always, as they are few).
    /// - Returns: the SHA-256 in hex of what was captured.
    /// - Throws: ``BundleError/fileChanged(path:)`` when the file did not hold still;
    ///   ``Interrupted`` before a chunk when a signal came.
    func addFile(_ path: String, from sourcePath: String, status: stat, scannedLog: LogPrefix? = nil) throws -> String {
        let fd = open(sourcePath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw SystemError("open", sourcePath, .last) }
        defer { close(fd) }
        let appendOnly = scannedLog != nil
        func holdsStill(_ now: stat) -> Bool {
            appendOnly
                ? now.st_ino == status.st_ino && now.st_dev == status.st_dev && now.st_size >= status.st_size
                : sameFile(now, status)
        }
        var before = stat()
        fstat(fd, &before)
        guard holdsStill(before) else { throw BundleError.fileChanged(path: sourcePath) }
        try writeHeader(path, type: SNAP_AE_IFREG, status: status, size: Int64(status.st_size))
        var hasher = SHA256()
        // What the scan read of a log is hashed as it streams by: the capture must start with it.
        var scannedPart = SHA256()
        var scannedLeft = scannedLog?.length ?? 0
        var remaining = Int64(status.st_size)
        while true {
            try Interruption.check(leaving: BundleBuilder.interruptedState)
            // A growing log is read up to its size at the scan, never beyond.
            let wanted = appendOnly ? Int(min(Int64(buffer.count), remaining)) : buffer.count
            if wanted == 0 { break }
            let count = read(fd, buffer.baseAddress, wanted)
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", sourcePath, .last)
            }
            if count == 0 { break }
            guard Int64(count) <= remaining else { throw BundleError.fileChanged(path: sourcePath) }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            if scannedLeft > 0 {
                let part = Int(min(Int64(count), scannedLeft))
                scannedPart.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<part]))
                scannedLeft -= Int64(part)
            }
            try writeData(chunk)
            remaining -= Int64(count)
        }
        guard remaining == 0 else { throw BundleError.fileChanged(path: sourcePath) }
        var after = stat()
        fstat(fd, &after)
        guard holdsStill(after) else { throw BundleError.fileChanged(path: sourcePath) }
        let sha = hasher.finalizeHex()
        if let scannedLog {
            guard scannedLeft == 0, scannedPart.finalizeHex() == scannedLog.sha256,
                try LogPrefix.digest(fd, length: Int64(status.st_size), path: sourcePath) == sha
            else { throw BundleError.fileChanged(path: sourcePath) }
        }
        return sha
    }

    /// Adds a small file held in memory (the manifest, the checksums).
    func addBytes(_ path: String, _ bytes: [UInt8], mode: mode_t, mtime: time_t) throws {
        var status = stat()
        status.st_mode = mode
        status.st_mtim.tv_sec = mtime
        try writeHeader(path, type: SNAP_AE_IFREG, status: status, size: Int64(bytes.count))
        try bytes.withUnsafeBytes { try writeData($0) }
    }

    /// Ends the archive and flushes the compressor (and the encryptor).
    /// - Returns: SHA-256 and size of the bundle file, and how it was encrypted.
    func finish() throws -> (sha256: String, size: Int64, encryption: BundleEncryption?) {
        finished = true
        let result = archive_write_close(archive)
        if let error = sink.error { throw error }
        try check(result, "finish archive")
        return try sink.end()
    }

    private func writeHeader(_ path: String, type: UInt32, status: stat, size: Int64, symlink: String? = nil) throws {
        guard let entry = archive_entry_new() else {
            throw BundleError.archive(operation: "create entry", path: path, detail: "out of memory")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, type == SNAP_AE_IFDIR ? path + "/" : path)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, status.st_mode & 0o7777)
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, status.st_mtim.tv_sec, status.st_mtim.tv_nsec)
        archive_entry_set_uid(entry, Int64(status.st_uid))
        archive_entry_set_gid(entry, Int64(status.st_gid))
        if let symlink { archive_entry_set_symlink_utf8(entry, symlink) }
        try check(archive_write_header(archive, entry), "write header for \(path)")
    }

    private func writeData(_ chunk: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < chunk.count {
            let written = archive_write_data(archive, chunk.baseAddress.map { $0 + offset }, chunk.count - offset)
            if written < 0 {
                if let error = sink.error { throw error }
                throw BundleError.archive(operation: "write", path: outputPath, detail: errorString())
            }
            offset += written
        }
    }

    private func check(_ status: Int32, _ operation: String) throws {
        guard status != ARCHIVE_OK, status != ARCHIVE_WARN else { return }
        if let error = sink.error { throw error }
        throw BundleError.archive(operation: operation, path: outputPath, detail: errorString())
    }

    private func errorString() -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    private func sameFile(_ lhs: stat, _ rhs: stat) -> Bool {
        lhs.st_ino == rhs.st_ino && lhs.st_dev == rhs.st_dev && lhs.st_size == rhs.st_size
            && lhs.st_mtim.tv_sec == rhs.st_mtim.tv_sec && lhs.st_mtim.tv_nsec == rhs.st_mtim.tv_nsec
            && lhs.st_ctim.tv_sec == rhs.st_ctim.tv_sec && lhs.st_ctim.tv_nsec == rhs.st_ctim.tv_nsec
    }
}

/// Receives libarchive's tar stream and compresses it into the ``SealingSink``.
private final class CompressingSink {
    let output: SealingSink
    let compressor: ZstdCompressor
    var error: (any Error)?

    init(output: SealingSink, compression: CompressionSettings) throws {
        self.output = output
        self.compressor = try ZstdCompressor(compression)
    }

    func write(_ chunk: UnsafeRawBufferPointer) -> Int {
        do {
            try compressor.compress(chunk, end: false, emit: output.write)
        } catch {
            self.error = error
            return -1
        }
        return chunk.count
    }

    /// Ends the zstd frame and the file.
    func end() throws -> (sha256: String, size: Int64, encryption: BundleEncryption?) {
        try compressor.compress(UnsafeRawBufferPointer(start: nil, count: 0), end: true, emit: output.write)
        return try output.finish()
    }
}

private func compressingSinkWrite(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int
) -> Int {
    guard let client else { return -1 }
    let sink = Unmanaged<CompressingSink>.fromOpaque(client).takeUnretainedValue()
    return sink.write(UnsafeRawBufferPointer(start: buffer, count: length))
}
