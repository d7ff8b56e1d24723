import Crypto

/// An age X25519 identity, `AGE-SECRET-KEY-1...`: the secret key that decrypts files sent to
/// its ``recipient``. Its descriptions, mirror and dump show only the recipient.
package struct AgeIdentity: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    static let x25519Label = "age-encryption.org/v1/X25519"

    /// The 32-byte X25519 scalar.
    let secret: [UInt8]
    /// The recipient that files for this identity are encrypted to.
    package let recipient: AgeRecipient

    /// Parses an `AGE-SECRET-KEY-1...` identity as age-keygen writes it (upper case; lower case
    /// is accepted too, as Bech32 allows).
    /// - Throws: `AgeError.invalidKey` saying why, never quoting the key.
    package init(_ text: String) throws(AgeError) {
        let (hrp, data) = try Bech32.decode(text)
        guard hrp == "age-secret-key-" else { throw .invalidKey("it is not an AGE-SECRET-KEY-1 X25519 identity") }
        guard data.count == 32 else { throw .invalidKey("its key is \(data.count) bytes, not 32") }
        try self.init(secret: data)
    }

    private init(secret: [UInt8]) throws(AgeError) {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret) else {
            throw .invalidKey("its key is not an X25519 scalar")
        }
        self.secret = secret
        recipient = AgeRecipient(publicKey: [UInt8](key.publicKey.rawRepresentation))
    }

    /// A new random identity.
    package static func generate() -> AgeIdentity {
        let key = Curve25519.KeyAgreement.PrivateKey()
        return AgeIdentity(
            secret: [UInt8](key.rawRepresentation),
            recipient: AgeRecipient(publicKey: [UInt8](key.publicKey.rawRepresentation)))
    }

    private init(secret: [UInt8], recipient: AgeRecipient) {
        self.secret = secret
        self.recipient = recipient
    }

    /// The `AGE-SECRET-KEY-1...` form: only for writing a key file.
    package var secretText: String { Bech32.encode(hrp: "age-secret-key-", data: secret).uppercased() }

    /// `AgeIdentity(age1...)`, without the secret.
    package var description: String { "AgeIdentity(\(recipient))" }

    /// Same as ``description``: the secret is never shown.
    package var debugDescription: String { description }

    /// A mirror without children, so that `dump` and reflection cannot reach the secret.
    package var customMirror: Mirror { Mirror(self, children: [:], displayStyle: .struct) }

    /// The file key in `stanza` if it is an X25519 stanza wrapped to this identity, nil if it
    /// is wrapped to someone else.
    /// - Throws: `AgeError.header` when the stanza is malformed or its share of low order.
    func unwrap(_ stanza: AgeStanza) throws(AgeError) -> AgeFileKey? {
        guard stanza.args.count == 1, let share = AgeBase64.decode(stanza.args[0].utf8), share.count == 32 else {
            throw .header("an X25519 stanza does not have exactly one 32-byte share")
        }
        guard stanza.body.count == AgeFileKey.size + 16 else {
            throw .header("an X25519 stanza's body is not a wrapped 16-byte file key")
        }
        guard let shared = AgeCrypto.x25519(scalar: secret, point: share) else {
            throw .header("an X25519 stanza's share is a low-order point")
        }
        let key = AgeCrypto.hkdf(shared, salt: share + recipient.publicKey, info: Self.x25519Label)
        return AgeCrypto.open(stanza.body, key: key).map(AgeFileKey.init(bytes:))
    }
}
