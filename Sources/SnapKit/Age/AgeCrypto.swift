import Crypto
import Foundation

/// The primitives age builds on, in the shapes its stanzas and MAC use them.
enum AgeCrypto {
    /// HKDF-SHA-256 to a 32-byte key.
    static func hkdf(_ secret: [UInt8], salt: some DataProtocol, info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), salt: salt, info: Data(info.utf8), outputByteCount: 32)
    }

    /// ChaCha20-Poly1305 with the all-zero nonce, as stanzas wrap the file key (each key is used once).
    static func seal(_ plaintext: [UInt8], key: SymmetricKey) -> [UInt8] {
        guard let box = try? ChaChaPoly.seal(plaintext, using: key, nonce: zeroNonce) else {
            preconditionFailure("ChaCha20-Poly1305 refused a 32-byte key")
        }
        return [UInt8](box.combined.dropFirst(12))
    }

    /// The plaintext of `ciphertext` sealed with the all-zero nonce, or nil if it does not authenticate.
    static func open(_ ciphertext: [UInt8], key: SymmetricKey) -> [UInt8]? {
        guard let box = try? ChaChaPoly.SealedBox(combined: [UInt8](repeating: 0, count: 12) + ciphertext),
            let plaintext = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return [UInt8](plaintext)
    }

    /// X25519(scalar, point), or nil when the point is malformed or of low order (an all-zero result).
    static func x25519(scalar: [UInt8], point: [UInt8]) -> [UInt8]? {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: scalar),
            let peer = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: point),
            let secret = try? key.sharedSecretFromKeyAgreement(with: peer)
        else { return nil }
        let bytes = secret.withUnsafeBytes { [UInt8]($0) }
        return bytes.contains { $0 != 0 } ? bytes : nil
    }

    /// `count` bytes from the system's cryptographic generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static var zeroNonce: ChaChaPoly.Nonce {
        guard let nonce = try? ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)) else {
            preconditionFailure("a 12-byte ChaCha20-Poly1305 nonce was refused")
        }
        return nonce
    }
}

extension [UInt8] {
    /// Appends raw bytes with one copy.
    mutating func append(raw bytes: UnsafeRawBufferPointer) {
        bytes.withMemoryRebound(to: UInt8.self) { append(contentsOf: $0) }
    }
}
