import Crypto

extension AgeHeader {
    /// Unwraps the file key with `identities` (X25519 stanzas) or `passphrases` (an scrypt
    /// stanza), then checks the header's MAC with it. Stanzas of unknown types are skipped.
    /// - Throws: `AgeError.header` for a malformed X25519 or scrypt stanza (checked when an
    ///   identity or passphrase tries it) or an scrypt stanza beside others;
    ///   `AgeError.noMatchingIdentity` when nothing unwraps; `AgeError.headerMAC` when the MAC
    ///   does not match the unwrapped key.
    package func fileKey(using identities: [AgeIdentity], passphrases: [String] = []) throws(AgeError) -> AgeFileKey {
        let scrypt = stanzas.first { $0.type == AgeScrypt.type }
        if scrypt != nil && stanzas.count != 1 { throw .header("an scrypt stanza is not the only stanza") }
        let fileKey = try unwrap(identities: identities, passphrases: passphrases, scrypt: scrypt)
        let key = Self.macKey(fileKey)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: authenticatedBytes, using: key) else {
            throw .headerMAC
        }
        return fileKey
    }

    private func unwrap(identities: [AgeIdentity], passphrases: [String], scrypt: AgeStanza?) throws(AgeError)
        -> AgeFileKey
    {
        for identity in identities {
            for stanza in stanzas where stanza.type == "X25519" {
                if let fileKey = try identity.unwrap(stanza) { return fileKey }
            }
        }
        if let scrypt {
            for passphrase in passphrases {
                if let fileKey = try AgeScrypt.unwrap(scrypt, passphrase: passphrase) { return fileKey }
            }
        }
        throw .noMatchingIdentity
    }

    /// A new header for `fileKey`: one X25519 stanza per recipient, each with a fresh
    /// ephemeral key, and the MAC; it ends with the newline after the MAC.
    package static func encode(fileKey: AgeFileKey, recipients: [AgeRecipient]) -> [UInt8] {
        var bytes = Array("\(versionLine)\n".utf8)
        for recipient in recipients { bytes += recipient.wrap(fileKey).encoded }
        bytes += "---".utf8
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: macKey(fileKey))
        return bytes + " \(AgeBase64.encode(Array(mac)))\n".utf8
    }

    /// A new header for the same file key as `header`, for `recipients` instead: the payload
    /// that followed `header` decrypts unchanged after it, for the new recipients only.
    /// - Throws: what ``fileKey(using:passphrases:)`` throws, or `AgeError.invalidKey` when
    ///   `recipients` is empty.
    package static func rewrap(_ header: AgeHeader, identities: [AgeIdentity], recipients: [AgeRecipient])
        throws(AgeError) -> [UInt8]
    {
        guard !recipients.isEmpty else { throw .invalidKey("there is no recipient to encrypt to") }
        return encode(fileKey: try header.fileKey(using: identities), recipients: recipients)
    }

    private static func macKey(_ fileKey: AgeFileKey) -> SymmetricKey {
        AgeCrypto.hkdf(fileKey.bytes, salt: [UInt8](), info: "header")
    }
}
