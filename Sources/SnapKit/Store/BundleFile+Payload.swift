import Crypto

extension BundleFile {
    /// Streams the `.tar.zst` inside the bundle to `body`: the file as it is, or, for an age
    /// file, its payload decrypted chunk by chunk (each chunk only once it authenticated).
    /// What goes to another host is this, so the identity never leaves snap's host.
    ///
    /// The whole file is hashed as it is read and must hash as recorded; a failure after
    /// some bytes went to `body` means that what `body` received must be thrown away (the
    /// receiver checks what it got against ``payloadSha256``).
    /// - Throws: ``BundleKeyError`` without a usable identity, ``BundleError`` when the file
    ///   is damaged.
    package func streamPayload(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var fileHasher = SHA256()
        let decryptor = encryption == nil ? nil : AgeDecryptor(identities: try keys.identities(toOpen: path))
        try BundleKeyError.sayingDamage(of: path, recorded: sha256) {
            do {
                try FileOps.readChunks(path, chunkSize: 1 << 20) { chunk in
                    fileHasher.update(bufferPointer: chunk)
                    if let decryptor { try decryptor.write(chunk, emit: body) } else { try body(chunk) }
                }
                try decryptor?.finish(emit: body)
            } catch let error as AgeError {
                throw BundleError.opening(path: path, identityPath: keys.identityPath, error)
            }
        }
        let fileSha256 = fileHasher.finalizeHex()
        guard fileSha256 == sha256 else {
            throw BundleError.contentMismatch(
                path: path, detail: "the file hashes to \(fileSha256), the record says \(sha256)")
        }
    }
}
