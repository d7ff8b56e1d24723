import _CryptoExtras

/// The scrypt (passphrase) stanza: `-> scrypt <salt> <log2 N>`.
enum AgeScrypt {
    static let type = "scrypt"
    /// The largest work factor accepted, as the reference implementation: 2^22 takes seconds and 4 GiB.
    static let maximumWorkFactor = 22

    /// The file key in `stanza` if `passphrase` unwraps it, nil if it does not.
    /// - Throws: `AgeError.header` when the stanza is malformed or its work factor above 22.
    static func unwrap(_ stanza: AgeStanza, passphrase: String) throws(AgeError) -> AgeFileKey? {
        guard stanza.args.count == 2, let salt = AgeBase64.decode(stanza.args[0].utf8), salt.count == 16 else {
            throw .header("an scrypt stanza does not have a 16-byte salt and a work factor")
        }
        let factor = stanza.args[1]
        guard let first = factor.utf8.first, (49...57).contains(first),
            factor.utf8.allSatisfy({ (48...57).contains($0) }),
            let workFactor = Int(factor)
        else { throw .header("an scrypt stanza's work factor is not a decimal number without leading zeros") }
        guard workFactor <= maximumWorkFactor else {
            throw .header("an scrypt stanza's work factor \(workFactor) is above \(maximumWorkFactor)")
        }
        guard stanza.body.count == AgeFileKey.size + 16 else {
            throw .header("an scrypt stanza's body is not a wrapped 16-byte file key")
        }
        guard
            let key = try? KDF.Scrypt.deriveKey(
                from: Array(passphrase.utf8), salt: Array("age-encryption.org/v1/scrypt".utf8) + salt,
                outputByteCount: 32, rounds: 1 << workFactor, blockSize: 8, parallelism: 1)
        else { throw .header("scrypt could not run with work factor \(workFactor)") }
        return AgeCrypto.open(stanza.body, key: key).map(AgeFileKey.init(bytes:))
    }
}
