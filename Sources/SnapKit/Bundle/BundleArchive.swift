import CLinux
import Crypto
import Glibc

/// A bundle's tar stream as bytes, unparsed: what `zstd -d` (with `--patch-from` for a
/// delta) gives back. Delta bundles are made from it and decoded against it.
package enum BundleArchive {
    /// What reading a bundle's archive found.
    package struct Digest: Sendable, Equatable {
        /// SHA-256 and size of the bundle file.
        package var file: (sha256: String, size: Int64)
        /// SHA-256 and size of the uncompressed tar.
        package var tar: (sha256: String, size: Int64)

        package static func == (lhs: Digest, rhs: Digest) -> Bool {
            lhs.file == rhs.file && lhs.tar == rhs.tar
        }
    }

    /// Streams the tar inside the bundle at `path` to `body`, decrypting it with `keys` and
    /// decoding it against `reference` when it is a delta.
    /// - Throws: ``BundleError`` when the file is damaged or is a delta of another base
    ///   (a frame's checksum fails), ``BundleKeyError`` without a usable identity, or what
    ///   `body` throws.
    package static func stream(
        _ path: String, keys: BundleKeys, reference: DeltaReference?, to body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Digest {
        let decryptor = BundleName.isEncrypted(path) ? AgeDecryptor(identities: try keys.identities(toOpen: path)) : nil
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open bundle", path, .last) }
        let source: DecompressingSource
        do {
            source = try DecompressingSource(
                fd: fd, path: path, decryptor: decryptor, identityPath: keys.identityPath, reference: reference)
        } catch {
            close(fd)
            throw error
        }
        defer { source.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        var block: UnsafeRawPointer?
        while true {
            try Interruption.check(leaving: "reading \(path) stopped")
            let count = source.read(&block)
            if count < 0 { throw source.error ?? SystemError("read bundle", path, .ioError) }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(start: block, count: count)
            hasher.update(bufferPointer: chunk)
            size += Int64(count)
            try body(chunk)
        }
        let file = try source.drain()
        return Digest(file: file, tar: (hasher.finalizeHex(), size))
    }

    /// Decodes the bundle's whole tar into an unlinked temporary file under `$TMPDIR`, for
    /// ``Spooled/load()`` to read into memory once the caller has let go of `reference` (the
    /// base of this bundle, if a delta): two tars are never in memory at once.
    /// - Throws: ``BundleError/tooLarge(path:limit:)`` when the tar passes
    ///   ``DeltaReference/maxBytes``; as ``stream(_:keys:reference:to:)``.
    package static func spool(_ path: String, keys: BundleKeys, reference: DeltaReference?) throws -> Spooled {
        let directory = FileOps.temporaryBase
        let fd = open(directory, SNAP_O_TMPFILE | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError("create temporary file in", directory, .last) }
        let spooled = Spooled(fd: fd, path: path)
        let limit = Int64(DeltaReference.maxBytes + DeltaReference.frameBytes)
        var written: Int64 = 0
        spooled.digest = try stream(path, keys: keys, reference: reference) { chunk in
            written += Int64(chunk.count)
            guard written <= limit else { throw BundleError.tooLarge(path: path, limit: limit) }
            var offset = 0
            while offset < chunk.count {
                let count = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw SystemError("write", directory + " (temporary file)", .last) }
                offset += count
            }
        }
        return spooled
    }

    /// A bundle's tar in an unlinked temporary file (closed, and so gone, with this value).
    package final class Spooled {
        private let fd: Int32
        private let path: String
        /// What reading the bundle found.
        package fileprivate(set) var digest = Digest(file: ("", 0), tar: ("", 0))

        fileprivate init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        deinit { close(fd) }

        /// The tar, read into memory as a delta's base and checked against its digest.
        package func load() throws -> DeltaReference {
            let loaded = try DeltaReference.read(fd, size: Int(digest.tar.size), path: path)
            guard loaded.sha256 == digest.tar.sha256 else {
                throw SystemError("read back", FileOps.temporaryBase + " (temporary file)", .ioError)
            }
            return loaded
        }
    }
}
