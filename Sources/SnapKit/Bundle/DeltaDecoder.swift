import CZstd
import Crypto
import Glibc
import SystemPackage

/// Decodes a delta bundle's tar into a file: the bundle read (and decrypted) a chunk at a
/// time, its one zstd frame decoded against the mapped base straight into the mapped output
/// file (`stableOutBuffer`: no window buffer), the pages of both given back to the page
/// cache as it goes. The process holds a few MiB whatever the tars' sizes.
enum DeltaDecoder {
    /// Decodes the delta at `path` against `base` into `fd` (an empty file, left holding the
    /// tar). The frame must say its content size, at most `limit`; the file gets that much
    /// space before anything is written to it (a full file system is an error, not a fault).
    /// - Parameter hashing: whether the tar's SHA-256 is computed (else it is empty): the
    ///   frame's own checksum always checks what was decoded.
    /// - Returns: SHA-256 and size of the bundle file and of the tar.
    /// - Throws: ``BundleError`` when the file is damaged, holds more than one frame, is a
    ///   delta of another base (its checksum fails), or decodes to more than `limit`;
    ///   ``BundleKeyError`` without a usable identity; ``SystemError`` when the temporary
    ///   file cannot get the space.
    static func decode(
        _ path: String, keys: BundleKeys, encrypted: Bool, against base: DeltaReference, into fd: Int32, limit: Int,
        hashing: Bool
    ) throws -> BundleArchive.Digest {
        let decryptor = encrypted ? AgeDecryptor(identities: try keys.identities(toOpen: path)) : nil
        let input = open(path, O_RDONLY | O_CLOEXEC)
        if input < 0 { throw SystemError("open bundle", path, .last) }
        defer { close(input) }
        let frame = try Frame(path: path, base: base, fd: fd, limit: limit, hashing: hashing)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { chunk.deallocate() }
        var fileHasher = SHA256()
        var fileSize: Int64 = 0
        while true {
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
        try frame.flush()
        guard frame.ended else {
            throw BundleError.archive(
                operation: "decompress", path: path,
                detail: fileSize == 0 ? "the file is empty" : "the zstd stream is truncated")
        }
        let tar = frame.finish()
        return BundleArchive.Digest(file: (fileHasher.finalizeHex(), fileSize), tar: tar)
    }

    private static func opening(_ path: String, _ keys: BundleKeys, _ step: () throws -> Void) throws {
        do {
            try step()
        } catch let error as AgeError {
            throw BundleError.opening(path: path, identityPath: keys.identityPath, error)
        }
    }

    /// The one frame being decoded into the mapped output. The output is mapped once the
    /// frame's header is in: its content size is the file's.
    private final class Frame {
        let path: String
        let base: DeltaReference
        let fd: Int32
        let limit: Int
        let hashing: Bool
        let context: OpaquePointer
        /// The first bytes, until the header can be read.
        var head: [UInt8] = []
        var output: UnsafeMutableRawPointer?
        var size = 0
        var position = 0
        var hashed = 0
        var released = 0
        var ended = false
        var hasher = SHA256()

        /// Compressed bytes handed to zstd per call: zstd decodes as much as its input
        /// allows in one call, which for 64 KiB of a delta can be the whole tar; small steps
        /// let the pages be given back as it goes.
        static let step = 256

        init(path: String, base: DeltaReference, fd: Int32, limit: Int, hashing: Bool) throws {
            self.path = path
            self.base = base
            self.fd = fd
            self.limit = limit
            self.hashing = hashing
            guard let context = ZSTD_createDCtx() else { throw BundleError.badCompression("zstd: out of memory") }
            self.context = context
            for (parameter, value) in [
                (ZSTD_d_windowLogMax, ZstdDecompressor.windowLogMax), (SNAP_ZSTD_d_stableOutBuffer, 1),
            ] {
                try check(ZSTD_DCtx_setParameter(context, parameter, value))
            }
            try check(ZSTD_DCtx_refPrefix(context, base.bytes.baseAddress, base.count))
        }

        deinit {
            if let output { munmap(output, size) }
            ZSTD_freeDCtx(context)
        }

        func decode(_ bytes: UnsafeRawBufferPointer) throws {
            guard output != nil else {
                head += bytes
                if head.count >= Int(ZSTD_FRAMEHEADERSIZE_MAX) { try begin() }
                return
            }
            var offset = 0
            while offset < bytes.count {
                let count = min(Self.step, bytes.count - offset)
                try decodeStep(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
                offset += count
            }
        }

        /// Reads the header's content size, gives the file that much space and maps it,
        /// then decodes what came so far.
        private func begin() throws {
            let declared = head.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
            guard declared != ZSTD_CONTENTSIZE_ERROR, declared != ZSTD_CONTENTSIZE_UNKNOWN else {
                throw BundleError.archive(
                    operation: "decompress", path: path, detail: "not a delta frame that says its content size")
            }
            guard declared <= UInt64(limit) else { throw BundleError.tooLarge(path: path, limit: Int64(limit)) }
            guard declared > 0 else {
                throw BundleError.archive(operation: "decompress", path: path, detail: "the delta's archive is empty")
            }
            size = Int(declared)
            let error = posix_fallocate(fd, 0, off_t(size))
            if error != 0 {
                throw SystemError.temporary("make room for a delta's archive in", Errno(rawValue: error))
            }
            guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED
            else { throw SystemError.temporary("map a temporary file in", .last) }
            output = mapped
            let pending = head
            head = []
            try pending.withUnsafeBytes { try decode($0) }
        }

        private func decodeStep(_ bytes: UnsafeRawBufferPointer) throws {
            var source = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
            while source.pos < source.size {
                guard !ended else {
                    throw BundleError.archive(
                        operation: "decompress", path: path, detail: "a delta bundle holds one zstd frame, this more")
                }
                var sink = ZSTD_outBuffer(dst: output, size: size, pos: position)
                let result = ZSTD_decompressStream(context, &sink, &source)
                if ZSTD_isError(result) != 0 {
                    throw BundleError.archive(operation: "decompress", path: path, detail: zstdErrorName(result))
                }
                if hashing, let output, sink.pos > hashed {
                    hasher.update(
                        bufferPointer: UnsafeRawBufferPointer(start: output + hashed, count: sink.pos - hashed))
                }
                position = sink.pos
                hashed = position
                ended = result == 0
                if position - released >= DeltaReference.releaseStep { release() }
                if !ended && source.pos == source.size { break }
            }
        }

        /// Gives the pages written and read so far back to the page cache (the written ones
        /// stay there, dirty, and come back if zstd reaches back into them).
        private func release() {
            if let output { _ = madvise(output, position, MADV_DONTNEED) }
            base.releaseResident()
            released = position
        }

        /// Begins a frame shorter than a header's longest, once all of it came.
        func flush() throws {
            if output == nil && !head.isEmpty { try begin() }
        }

        /// The tar's digest, once the frame ended.
        func finish() -> (sha256: String, size: Int64) {
            release()
            return (hashing ? hasher.finalizeHex() : "", Int64(position))
        }

        private func check(_ result: Int) throws {
            if ZSTD_isError(result) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(result))") }
        }
    }
}
