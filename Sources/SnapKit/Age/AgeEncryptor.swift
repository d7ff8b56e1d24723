/// Encrypts one age file as a stream: feed plaintext to ``write(_:emit:)``, then call
/// ``finish(emit:)`` once; the file's bytes come out through `emit` in order.
package final class AgeEncryptor {
    private var cipher: AgePayloadCipher
    /// The header and the payload nonce, until they are emitted.
    private var preamble: [UInt8]?
    /// Plaintext not yet sealed: at most one chunk, held until it is known not to be the last.
    private var pending: [UInt8] = []
    private var finished = false

    /// An encryptor for a new random file key.
    /// - Throws: `AgeError.invalidKey` when `recipients` is empty.
    package convenience init(recipients: [AgeRecipient]) throws(AgeError) {
        try self.init(fileKey: .random(), recipients: recipients)
    }

    /// An encryptor for `fileKey`, with a fresh header and payload nonce.
    /// - Throws: `AgeError.invalidKey` when `recipients` is empty.
    package init(fileKey: AgeFileKey, recipients: [AgeRecipient]) throws(AgeError) {
        guard !recipients.isEmpty else { throw .invalidKey("there is no recipient to encrypt to") }
        let nonce = AgeCrypto.randomBytes(AgePayloadCipher.nonceSize)
        preamble = AgeHeader.encode(fileKey: fileKey, recipients: recipients) + nonce
        cipher = AgePayloadCipher(fileKey: fileKey, nonce: nonce)
        pending.reserveCapacity(AgePayloadCipher.chunkSize)
    }

    /// Encrypts the next `plaintext`; the first call emits the header and nonce first.
    /// - Throws: Only what `emit` throws.
    package func write(_ plaintext: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "AgeEncryptor.write after finish")
        try emitPreamble(emit)
        try AgeChunking.followedChunks(of: plaintext, size: AgePayloadCipher.chunkSize, pending: &pending) {
            try cipher.seal($0, last: false, emit: emit)
        }
    }

    /// Seals the last chunk (empty only when the whole payload is).
    /// - Throws: Only what `emit` throws.
    package func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "AgeEncryptor.finish called twice")
        try emitPreamble(emit)
        finished = true
        try pending.withUnsafeBytes { try cipher.seal($0, last: true, emit: emit) }
        pending = []
    }

    private func emitPreamble(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let preamble else { return }
        self.preamble = nil
        try preamble.withUnsafeBytes { try emit($0) }
    }
}
