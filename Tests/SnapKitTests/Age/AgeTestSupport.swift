import Foundation

@testable import SnapKit

/// What a decryption released and how it ended.
struct AgeDecryption {
    var plaintext: [UInt8]
    var error: (any Error)?

    var ageError: AgeError? { error as? AgeError }
}

/// Age helpers shared by the Age tests.
enum AgeTesting {
    /// Decrypts `file` fed in slices of `sliceSize`, keeping whatever plaintext was released.
    static func decrypt(
        _ file: [UInt8], identities: [AgeIdentity], passphrases: [String] = [], sliceSize: Int = 1 << 20
    ) -> AgeDecryption {
        let decryptor = AgeDecryptor(identities: identities, passphrases: passphrases)
        var plaintext: [UInt8] = []
        do {
            try file.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let end = min(offset + sliceSize, raw.count)
                    try decryptor.write(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) {
                        plaintext.append(contentsOf: $0)
                    }
                    offset = end
                }
            }
            try decryptor.finish { plaintext.append(contentsOf: $0) }
        } catch {
            return AgeDecryption(plaintext: plaintext, error: error)
        }
        return AgeDecryption(plaintext: plaintext, error: nil)
    }

    /// Encrypts `plaintext` fed in slices of `sliceSize`.
    static func encrypt(
        _ plaintext: [UInt8], to recipients: [AgeRecipient], fileKey: AgeFileKey = .random(), sliceSize: Int = 1 << 20
    ) throws -> [UInt8] {
        let encryptor = try AgeEncryptor(fileKey: fileKey, recipients: recipients)
        var file: [UInt8] = []
        try plaintext.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + sliceSize, raw.count)
                try encryptor.write(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) { file.append(contentsOf: $0) }
                offset = end
            }
        }
        try encryptor.finish { file.append(contentsOf: $0) }
        return file
    }

    /// `count` bytes from a fixed seed, the same on every run.
    static func bytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
