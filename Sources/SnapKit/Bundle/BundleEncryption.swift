/// How an encrypted bundle was sealed: recorded with its snapshot, since an age header
/// names no recipient.
package struct BundleEncryption: Codable, Sendable, Equatable {
    /// The age recipients (`age1...`) whose identities open the bundle, in the header's order.
    package var recipients: [String]
    /// SHA-256 of the payload: the `.tar.zst` that `age -d` gives back.
    package var payloadSha256: String
    /// Size of the payload in bytes.
    package var payloadSize: Int64

    package init(recipients: [String], payloadSha256: String, payloadSize: Int64) {
        self.recipients = recipients
        self.payloadSha256 = payloadSha256
        self.payloadSize = payloadSize
    }

    enum CodingKeys: String, CodingKey {
        case recipients, payloadSha256 = "payload_sha256", payloadSize = "payload_size"
    }
}

/// How bundle files are named: the name says how to open them.
package enum BundleName {
    /// A plain bundle: a zstd-compressed tar.
    static let plainSuffix = ".tar.zst"
    /// An encrypted bundle: the same, inside an age file.
    static let encryptedSuffix = ".tar.zst.age"

    /// The file name of the bundle whose file hashes to `sha256`.
    package static func file(_ sha256: String, encrypted: Bool) -> String {
        sha256 + (encrypted ? encryptedSuffix : plainSuffix)
    }

    /// True when the file at `path` is named as an age-encrypted bundle.
    package static func isEncrypted(_ path: String) -> Bool { path.hasSuffix(encryptedSuffix) }

    /// The SHA-256 a bundle file name carries, nil for any other name.
    package static func sha256(of name: String) -> String? {
        for suffix in [encryptedSuffix, plainSuffix] where name.hasSuffix(suffix) {
            let sha = String(name.dropLast(suffix.count))
            return sha.isEmpty || sha.contains(".") ? nil : sha
        }
        return nil
    }
}
