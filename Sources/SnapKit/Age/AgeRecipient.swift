/// An age X25519 recipient, `age1...`: a public key that files are encrypted to.
package struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte X25519 public key.
    let publicKey: [UInt8]

    init(publicKey: [UInt8]) {
        self.publicKey = publicKey
    }

    /// Parses an `age1...` recipient (Bech32, all lower or all upper case, no surrounding space).
    /// - Throws: `AgeError.invalidKey` saying why, for a wrong prefix, a bad checksum, mixed
    ///   case, a key that is not 32 bytes, or a low-order point no one could decrypt for.
    package init(_ text: String) throws(AgeError) {
        let (hrp, data) = try Bech32.decode(text)
        guard hrp == "age" else { throw .invalidKey("it is not an age1 X25519 recipient") }
        guard data.count == 32 else { throw .invalidKey("its key is \(data.count) bytes, not 32") }
        guard AgeCrypto.x25519(scalar: AgeCrypto.randomBytes(32), point: data) != nil else {
            throw .invalidKey("it is a low-order point")
        }
        publicKey = data
    }

    /// The canonical `age1...` form.
    package var description: String { Bech32.encode(hrp: "age", data: publicKey) }

    /// An X25519 stanza that wraps `fileKey` to this recipient under a fresh ephemeral key.
    func wrap(_ fileKey: AgeFileKey) -> AgeStanza {
        let ephemeral = AgeIdentity.generate()
        let share = ephemeral.recipient.publicKey
        guard let shared = AgeCrypto.x25519(scalar: ephemeral.secret, point: publicKey) else {
            preconditionFailure("a recipient's point was checked when it was made")
        }
        let key = AgeCrypto.hkdf(shared, salt: share + publicKey, info: AgeIdentity.x25519Label)
        return AgeStanza(type: "X25519", args: [AgeBase64.encode(share)], body: AgeCrypto.seal(fileKey.bytes, key: key))
    }
}
