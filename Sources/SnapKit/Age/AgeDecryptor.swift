import Foundation

/// Decrypts one age file as a stream: feed its bytes in slices of any size to
/// ``write(_:emit:)``, then call ``finish(emit:)`` once. Plaintext comes out through `emit`
/// only after its chunk authenticated; after an error every later call throws it again.
package final class AgeDecryptor {
    private enum Stage {
        case header
        case nonce(AgeFileKey)
        case payload(AgePayloadCipher)
        case done
    }

    /// The header, once it has been parsed.
    package private(set) var header: AgeHeader?
    private let identities: [AgeIdentity]
    private let passphrases: [String]
    private var stage = Stage.header
    /// The incomplete header, nonce or chunk; a full chunk stays here until more follows it.
    private var buffer: [UInt8] = []
    private var failure: (any Error)?

    /// A decryptor that unwraps the file key with `identities` or `passphrases`.
    package init(identities: [AgeIdentity], passphrases: [String] = []) {
        self.identities = identities
        self.passphrases = passphrases
    }

    /// Takes the next bytes of the file.
    /// - Throws: `AgeError` (`header`, `unsupportedVersion`, `noMatchingIdentity`,
    ///   `headerMAC`, `payload`) or what `emit` throws.
    package func write(_ ciphertext: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if let failure { throw failure }
        do { try consume(ciphertext, emit: emit) } catch {
            failure = error
            throw error
        }
    }

    /// Ends the file: opens the last chunk, which must be there and be marked last.
    /// - Throws: As ``write(_:emit:)``, for a file that ends early.
    package func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if let failure { throw failure }
        do { try end(emit: emit) } catch {
            failure = error
            throw error
        }
    }

    private func consume(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch stage {
        case .header:
            let newline = input.baseAddress.map { memchr($0, 10, input.count) != nil } ?? false
            buffer.append(raw: input)
            guard newline || buffer.count >= AgeHeader.maximumLength,
                let (header, length) = try AgeHeader.parse(buffer)
            else { return }
            self.header = header
            stage = .nonce(try header.fileKey(using: identities, passphrases: passphrases))
            let rest = Array(buffer[length...])
            buffer = []
            try rest.withUnsafeBytes { try consume($0, emit: emit) }
        case .nonce(let fileKey):
            let take = input.prefix(AgePayloadCipher.nonceSize - buffer.count)
            buffer.append(raw: UnsafeRawBufferPointer(rebasing: take))
            guard buffer.count == AgePayloadCipher.nonceSize else { return }
            stage = .payload(AgePayloadCipher(fileKey: fileKey, nonce: buffer))
            buffer = []
            buffer.reserveCapacity(AgePayloadCipher.sealedChunkSize)
            try consume(UnsafeRawBufferPointer(rebasing: input.dropFirst(take.count)), emit: emit)
        case .payload(var cipher):
            defer { stage = .payload(cipher) }
            try openChunks(input, cipher: &cipher, emit: emit)
        case .done:
            preconditionFailure("AgeDecryptor.write after finish")
        }
    }

    private func openChunks(
        _ ciphertext: UnsafeRawBufferPointer, cipher: inout AgePayloadCipher,
        emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try AgeChunking.followedChunks(of: ciphertext, size: AgePayloadCipher.sealedChunkSize, pending: &buffer) {
            try Self.openFollowed($0, cipher: &cipher, emit: emit)
        }
    }

    /// Opens a full chunk that more bytes follow: it must not be the last.
    private static func openFollowed(
        _ chunk: UnsafeRawBufferPointer, cipher: inout AgePayloadCipher, emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if let plaintext = cipher.open(chunk, last: false) {
            cipher.advance()
            try plaintext.withUnsafeBytes { try emit($0) }
        } else if let plaintext = cipher.open(chunk, last: true) {
            try plaintext.withUnsafeBytes { try emit($0) }
            throw AgeError.payload("data after the last chunk")
        } else {
            throw AgeError.payload("chunk \(cipher.counter + 1) did not authenticate")
        }
    }

    private func end(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch stage {
        case .header:
            throw AgeError.header(buffer.isEmpty ? "the file is empty" : "the file ends inside the header")
        case .nonce:
            // The vectors count a missing nonce as a header failure, as the reference does.
            throw AgeError.header("the file ends before the 16-byte payload nonce")
        case .payload(let cipher):
            let chunk = cipher.counter + 1
            if buffer.isEmpty { throw AgeError.payload("the file ends before its last chunk") }
            if buffer.count == AgePayloadCipher.tagSize && cipher.counter > 0 {
                throw AgeError.payload("chunk \(chunk) is an empty last chunk after others")
            }
            if let plaintext = buffer.withUnsafeBytes({ cipher.open($0, last: true) }) {
                stage = .done
                try plaintext.withUnsafeBytes { try emit($0) }
            } else if buffer.count == AgePayloadCipher.sealedChunkSize,
                let plaintext = buffer.withUnsafeBytes({ cipher.open($0, last: false) })
            {
                try plaintext.withUnsafeBytes { try emit($0) }
                throw AgeError.payload("the file ends before its last chunk")
            } else {
                throw AgeError.payload("chunk \(chunk) did not authenticate")
            }
            buffer = []
        case .done:
            preconditionFailure("AgeDecryptor.finish called twice")
        }
    }
}
