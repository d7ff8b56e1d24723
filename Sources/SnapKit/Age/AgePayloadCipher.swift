import Crypto
import Foundation

/// age's STREAM: the payload in 64 KiB chunks, each sealed with ChaCha20-Poly1305 under a key
/// derived from the file key and the payload nonce; a chunk's nonce is its 11-byte big-endian
/// index and a flag byte, 1 on the last chunk.
struct AgePayloadCipher {
    static let chunkSize = 64 * 1024
    static let tagSize = 16
    static let sealedChunkSize = chunkSize + tagSize
    static let nonceSize = 16

    private let key: SymmetricKey
    /// The index of the next chunk.
    private(set) var counter: UInt64 = 0

    init(fileKey: AgeFileKey, nonce: [UInt8]) {
        key = AgeCrypto.hkdf(fileKey.bytes, salt: nonce, info: "payload")
    }

    private func nonceBytes(last: Bool) -> [UInt8] {
        [0, 0, 0] + withUnsafeBytes(of: counter.bigEndian) { Array($0) } + [last ? 1 : 0]
    }

    /// Seals `plaintext` as the next chunk and hands its ciphertext and tag to `emit`.
    mutating func seal(_ plaintext: UnsafeRawBufferPointer, last: Bool, emit: (UnsafeRawBufferPointer) throws -> Void)
        throws
    {
        let nonce = try ChaChaPoly.Nonce(data: nonceBytes(last: last))
        let box = try ChaChaPoly.seal(plaintext, using: key, nonce: nonce)
        counter += 1
        try box.combined.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0.dropFirst(12))) }
    }

    /// The plaintext of `chunk` as the next chunk, or nil if it does not authenticate as such;
    /// call ``advance()`` once it is accepted.
    func open(_ chunk: UnsafeRawBufferPointer, last: Bool) -> Data? {
        var combined = Data(capacity: 12 + chunk.count)
        combined.append(contentsOf: nonceBytes(last: last))
        chunk.withMemoryRebound(to: UInt8.self) { combined.append($0) }
        guard let box = try? ChaChaPoly.SealedBox(combined: combined) else { return nil }
        return try? ChaChaPoly.open(box, using: key)
    }

    mutating func advance() { counter += 1 }
}
