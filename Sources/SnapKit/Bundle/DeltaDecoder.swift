import CZstd
import Crypto
import Glibc

/// Decodes a delta bundle's tar into a file: the bundle read (and decrypted) a chunk at a
/// time, its one zstd frame decoded against the mapped base straight into the mapped output
/// file (`stableOutBuffer`: no window buffer), the pages of both given back to the page
/// cache as it goes. The process holds a few MiB whatever the tars' sizes.
enum DeltaDecoder {
    /// Decodes the delta at `path` against `base` into `fd` (an empty file, left holding the
    /// tar), at most `limit` bytes.
    /// - Parameter hashing: whether the tar's SHA-256 is computed (else it is empty): the
    ///   frame's own checksum always checks what was decoded.
    /// - Returns: SHA-256 and size of the bundle file and of the tar.
    /// - Throws: ``BundleError`` when the file is damaged, holds more than one frame, is a
    ///   delta of another base (its checksum fails), or decodes to more than `limit`;
    ///   ``BundleKeyError`` without a usable identity; ``Interrupted``.
    static func decode(
        _ path: String, keys: BundleKeys, encrypted: Bool, against base: DeltaReference, into fd: Int32, limit: Int,
        hashing: Bool
    ) throws -> BundleArchive.Digest {
        let decryptor = encrypted ? AgeDecryptor(identities: try keys.identities(toOpen: path)) : nil
        let input = open(path, O_RDONLY | O_CLOEXEC)
        if input < 0 { throw SystemError("open bundle", path, .last) }
        defer { close(input) }
        if ftruncate(fd, off_t(limit)) != 0 { throw SystemError("size", FileOps.temporaryBase, .last) }
        guard let mapped = mmap(nil, limit, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw SystemError("map", FileOps.temporaryBase + " (temporary file)", .last)
        }
        defer { munmap(mapped, limit) }
        var frame = try Frame(path: path, base: base, output: mapped, limit: limit)
        frame.hashing = hashing
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { chunk.deallocate() }
        var fileHasher = SHA256()
        var fileSize: Int64 = 0
        while true {
            try Interruption.check(leaving: "reading \(path) stopped")
            let count = read(input, chunk.baseAddress, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw SystemError("read bundle", path, .last) }
            if count == 0 { break }
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            fileHasher.update(bufferPointer: bytes)
            fileSize += Int64(count)
            if let decryptor {
                try opening(path, keys) { try decryptor.write(bytes) { try frame.decode($0) } }
            } else {
                try frame.decode(bytes)
            }
        }
        if let decryptor { try opening(path, keys) { try decryptor.finish { try frame.decode($0) } } }
        guard frame.ended else {
            throw BundleError.archive(
                operation: "decompress", path: path,
                detail: fileSize == 0 ? "the file is empty" : "the zstd stream is truncated")
        }
        let size = frame.finish()
        if ftruncate(fd, off_t(size)) != 0 { throw SystemError("size", FileOps.temporaryBase, .last) }
        return BundleArchive.Digest(
            file: (fileSize == 0 ? "" : fileHasher.finalizeHex(), fileSize), tar: (frame.sha256, Int64(size)))
    }

    private static func opening(_ path: String, _ keys: BundleKeys, _ step: () throws -> Void) throws {
        do {
            try step()
        } catch let error as AgeError {
            throw BundleError.opening(path: path, identityPath: keys.identityPath, error)
        }
    }

    /// The one frame being decoded into the mapped output.
    private struct Frame {
        let path: String
        let base: DeltaReference
        let context: Context
        let output: UnsafeMutableRawPointer
        let limit: Int
        var position = 0
        var hashed = 0
        var released = 0
        var ended = false
        var hashing = true
        var hasher = SHA256()
        private(set) var sha256 = ""

        init(path: String, base: DeltaReference, output: UnsafeMutableRawPointer, limit: Int) throws {
            self.path = path
            self.base = base
            self.output = output
            self.limit = limit
            self.context = try Context(base: base)
        }

        /// Compressed bytes handed to zstd per call: a delta's frame is small, and zstd decodes
        /// as much as the input allows in one call, which for 64 KiB of a delta can be the
        /// whole tar: small steps let the pages be given back as it goes.
        static let step = 256

        mutating func decode(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count {
                let count = min(Self.step, bytes.count - offset)
                try decodeStep(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
                offset += count
            }
        }

        private mutating func decodeStep(_ bytes: UnsafeRawBufferPointer) throws {
            var source = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
            while source.pos < source.size {
                guard !ended else {
                    throw BundleError.archive(
                        operation: "decompress", path: path, detail: "a delta bundle holds one zstd frame, this more")
                }
                var sink = ZSTD_outBuffer(dst: output, size: limit, pos: position)
                let result = ZSTD_decompressStream(context.pointer, &sink, &source)
                if ZSTD_isError(result) != 0 {
                    if position == limit { throw BundleError.tooLarge(path: path, limit: Int64(limit)) }
                    throw BundleError.archive(operation: "decompress", path: path, detail: zstdErrorName(result))
                }
                position = sink.pos
                ended = result == 0
                if hashing {
                    hasher.update(
                        bufferPointer: UnsafeRawBufferPointer(start: output + hashed, count: position - hashed))
                }
                hashed = position
                if position - released >= DeltaReference.releaseStep { release() }
                if result != 0 && source.pos == source.size { break }
            }
        }

        /// Gives the pages written and read so far back to the page cache (the written ones
        /// stay there, dirty, and come back if zstd reaches back into them).
        mutating func release() {
            _ = madvise(output, position, MADV_DONTNEED)
            base.releaseResident()
            released = position
        }

        /// The tar's size, once its last byte is decoded.
        mutating func finish() -> Int {
            release()
            sha256 = hashing ? hasher.finalizeHex() : ""
            return position
        }
    }

    /// A decompression context for one frame against a base, without a window buffer.
    private final class Context {
        let pointer: OpaquePointer

        init(base: DeltaReference) throws {
            guard let pointer = ZSTD_createDCtx() else { throw BundleError.badCompression("zstd: out of memory") }
            self.pointer = pointer
            for (parameter, value) in [
                (ZSTD_d_windowLogMax, ZstdDecompressor.windowLogMax), (SNAP_ZSTD_d_stableOutBuffer, 1),
            ] {
                let result = ZSTD_DCtx_setParameter(pointer, parameter, value)
                if ZSTD_isError(result) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(result))") }
            }
            let result = ZSTD_DCtx_refPrefix(pointer, base.bytes.baseAddress, base.count)
            if ZSTD_isError(result) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(result))") }
        }

        deinit { ZSTD_freeDCtx(pointer) }
    }
}
