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

    /// Decodes the bundle's whole tar into memory, as the base of the next link of a chain:
    /// `reference` goes in as this bundle's base (nil for a whole bundle) and comes out as
    /// this bundle's tar. The tar goes through an unlinked temporary file under `$TMPDIR`
    /// first, and the old reference is let go before the new one is read back, so two tars
    /// are never in memory at once.
    /// - Throws: ``BundleError/tooLarge(path:limit:)`` when the tar passes
    ///   ``DeltaReference/maxBytes``; as ``stream(_:keys:reference:to:)``. `reference` is
    ///   nil after a failure.
    package static func materialize(_ path: String, keys: BundleKeys, over reference: inout DeltaReference?) throws
        -> Digest
    {
        let directory = FileOps.temporaryBase
        let fd = open(directory, SNAP_O_TMPFILE | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError("create temporary file in", directory, .last) }
        defer { close(fd) }
        let limit = Int64(DeltaReference.maxBytes + DeltaReference.frameBytes)
        var written: Int64 = 0
        let base = reference
        reference = nil
        let digest = try stream(path, keys: keys, reference: base) { chunk in
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
        withExtendedLifetime(base) {}
        let loaded = try DeltaReference.read(fd, size: Int(digest.tar.size), path: path)
        guard loaded.sha256 == digest.tar.sha256 else {
            throw SystemError("read back", directory + " (temporary file)", .ioError)
        }
        reference = loaded
        return digest
    }
}
