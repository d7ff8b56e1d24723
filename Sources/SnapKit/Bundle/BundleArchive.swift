import CLinux
import Crypto
import Glibc
import SystemPackage

/// A bundle's tar as bytes, unparsed: what `zstd -d` (with `--patch-from` for a delta)
/// gives back. Delta bundles are made from it and decoded against it.
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
    /// decoding it against `reference` when it is a delta (through ``spool(_:keys:reference:)``).
    /// Whether it is an age file is `encrypted`, else what its name says (a temporary file's
    /// does not).
    /// - Throws: ``BundleError`` when the file is damaged or is a delta of another base
    ///   (its frame's checksum fails), ``BundleKeyError`` without a usable identity, or what
    ///   `body` throws.
    package static func stream(
        _ path: String, keys: BundleKeys, reference: DeltaReference?, encrypted: Bool? = nil, hashing: Bool = true,
        to body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Digest {
        if reference != nil {
            let spooled = try spool(path, keys: keys, reference: reference, encrypted: encrypted, hashing: hashing)
            try FileOps.readChunks(descriptor: spooled.fd, path: path, chunkSize: 1 << 20, body)
            return spooled.digest
        }
        let decryptor =
            encrypted ?? BundleName.isEncrypted(path)
            ? AgeDecryptor(identities: try keys.identities(toOpen: path)) : nil
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError("open bundle", path, .last) }
        let source: DecompressingSource
        do {
            source = try DecompressingSource(fd: fd, path: path, decryptor: decryptor, identityPath: keys.identityPath)
        } catch {
            close(fd)
            throw error
        }
        defer { source.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        var block: UnsafeRawPointer?
        while true {
            let count = source.read(&block)
            if count < 0 { throw source.error ?? SystemError("read bundle", path, .ioError) }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(start: block, count: count)
            if hashing { hasher.update(bufferPointer: chunk) }
            size += Int64(count)
            try body(chunk)
        }
        let file = try source.drain()
        return Digest(file: file, tar: (hashing ? hasher.finalizeHex() : "", size))
    }

    /// Decodes the bundle's whole tar into an unlinked temporary file under `$TMPDIR`: for
    /// ``Spooled/load()`` to map as the next link's base, or for libarchive to read.
    /// - Throws: ``BundleError/tooLarge(path:limit:)`` when the tar passes
    ///   ``DeltaReference/maxBytes``; as ``stream(_:keys:reference:to:)``.
    /// `hashing` false leaves the tar's SHA-256 out of the digest (the frames' checksums still
    /// check what was decoded): reading a chain, the SHA-256 of every link's tar is most of
    /// the work (35% of `extract` of a 23-deep chain).
    package static func spool(
        _ path: String, keys: BundleKeys, reference: DeltaReference?, encrypted: Bool? = nil, hashing: Bool = true
    ) throws -> Spooled {
        let fd = try FileOps.unnamedTemporaryFile()
        let spooled = Spooled(fd: fd, path: path)
        let limit = DeltaReference.maxBytes
        if let reference {
            spooled.digest = try DeltaDecoder.decode(
                path, keys: keys, encrypted: encrypted ?? BundleName.isEncrypted(path), against: reference, into: fd,
                limit: limit, hashing: hashing)
            return spooled
        }
        var written: Int64 = 0
        spooled.digest = try stream(path, keys: keys, reference: nil, encrypted: encrypted, hashing: hashing) {
            chunk in
            written += Int64(chunk.count)
            guard written <= Int64(limit) else { throw BundleError.tooLarge(path: path, limit: Int64(limit)) }
            do {
                _ = try FileDescriptor(rawValue: fd).writeAll(chunk)
            } catch let errno as Errno {
                throw SystemError.temporary("write a temporary file in", errno)
            }
        }
        return spooled
    }

    /// A bundle's tar in an unlinked temporary file (closed, and so gone, with this value).
    package final class Spooled {
        /// The temporary file, holding the tar from offset 0.
        let fd: Int32
        private let path: String
        /// What reading the bundle found.
        package fileprivate(set) var digest = Digest(file: ("", 0), tar: ("", 0))

        fileprivate init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        deinit { close(fd) }

        /// The tar, mapped as a delta's base (or a delta's input); `sha256` names it when it
        /// was spooled without hashing.
        package func load(sha256: String? = nil) throws -> DeltaReference {
            let copy = dup(fd)
            if copy < 0 { throw SystemError.temporary("map a temporary file in", .last) }
            return try DeltaReference(
                mapping: copy, size: Int(digest.tar.size), sha256: sha256 ?? digest.tar.sha256, path: path)
        }
    }
}
