import CZstd
import Crypto
import Glibc

/// The uncompressed tar of a delta's base, held in memory while a delta bundle is written
/// or read: zstd encodes the delta as matches into these bytes, so every byte of them must
/// be at hand while a frame is decoded (`zstd -d --patch-from=BASE.tar` holds it too).
///
/// Owns the bytes and the zstd dictionaries made over them by reference (nothing copied).
package final class DeltaReference: @unchecked Sendable {
    /// The base tar's bytes.
    let bytes: UnsafeMutableRawBufferPointer
    /// SHA-256 of the base tar, which the delta's record names.
    package let sha256: String
    private var decodingDictionary: OpaquePointer?

    /// The largest base tar a delta may use. Reading a delta holds its base, one 1 MiB frame
    /// at a time and snap's own ~31 MiB (the static binary extracting a whole bundle): with a
    /// 24.2 MB base, `extract` peaked at 58.8 MB and `verify` at 62.2 MB (`/usr/bin/time`),
    /// inside the 64 MiB budget. A larger base gets a whole bundle instead.
    package static let maxBytes = 24 << 20

    /// Bytes of the new tar each delta frame encodes: the decoder's window buffer is this
    /// big, not the base's size, because every frame says its content size.
    static let frameBytes = 1 << 20

    /// Takes ownership of `bytes`, the first `count` of which are the tar.
    init(taking bytes: UnsafeMutableRawBufferPointer, sha256: String) {
        self.bytes = bytes
        self.sha256 = sha256
    }

    deinit {
        if let decodingDictionary { ZSTD_freeDDict(decodingDictionary) }
        bytes.deallocate()
    }

    /// Size of the base tar.
    package var count: Int { bytes.count }

    /// The window a frame needs to reach from its last byte back to the base's first.
    var windowLog: Int32 {
        var log: Int32 = 10
        while (1 << log) < bytes.count + Self.frameBytes { log += 1 }
        return log
    }

    /// A dictionary for decoding, made once, over the bytes as raw content.
    func dictionaryForDecoding() throws -> OpaquePointer {
        if let decodingDictionary { return decodingDictionary }
        guard
            let made = ZSTD_createDDict_advanced(
                bytes.baseAddress, bytes.count, ZSTD_dlm_byRef, ZSTD_dct_rawContent, ZSTD_defaultCMem)
        else { throw BundleError.badCompression("zstd: cannot reference the delta's base (out of memory)") }
        decodingDictionary = made
        return made
    }

    /// Reads a whole tar from `fd` (at most ``maxBytes`` plus one frame) into a new reference,
    /// hashing it.
    /// - Throws: ``BundleError/tooLarge(path:limit:)`` past the limit, ``SystemError`` on a
    ///   read error.
    static func read(_ fd: Int32, size: Int, path: String) throws -> DeltaReference {
        let limit = maxBytes + frameBytes
        guard size <= limit else { throw BundleError.tooLarge(path: path, limit: Int64(limit)) }
        guard size > 0 else { throw BundleError.contentMismatch(path: path, detail: "the base's archive is empty") }
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        var hasher = SHA256()
        var offset = 0
        do {
            while offset < size {
                let count = pread(fd, bytes.baseAddress! + offset, size - offset, off_t(offset))
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw SystemError("read", path, .last) }
                if count == 0 { throw SystemError("read", path, .ioError) }
                offset += count
            }
        } catch {
            bytes.deallocate()
            throw error
        }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        return DeltaReference(taking: bytes, sha256: hasher.finalizeHex())
    }
}
