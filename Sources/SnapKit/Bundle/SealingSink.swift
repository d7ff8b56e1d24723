import CLinux
import Crypto
import SystemPackage

/// Where a bundle's compressed bytes go: into the file, through an age encryptor when the
/// bundle is encrypted. The file's bytes (what names the bundle) and, when encrypted, the
/// payload's are hashed as they pass, so nothing is read twice and no plaintext is written.
///
/// The descriptor stays the caller's.
final class SealingSink {
    private let descriptor: FileDescriptor
    private let path: String
    private let encryptor: AgeEncryptor?
    private let recipients: [String]
    private var fileHasher = SHA256()
    private var payloadHasher = SHA256()
    private var payloadBytes: Int64 = 0
    /// Bytes written to the file so far.
    private(set) var bytes: Int64 = 0
    /// Bytes already handed to the disk's writeback.
    private var writtenBack: Int64 = 0

    /// How much is written before the disk is asked to take it.
    private static let writebackStep: Int64 = 8 << 20

    /// - Parameters:
    ///   - recipients: the age recipients to encrypt to; none writes the bytes as they come.
    /// - Throws: ``AgeError`` when a recipient cannot be used.
    init(descriptor: FileDescriptor, path: String, recipients: [AgeRecipient]) throws {
        self.descriptor = descriptor
        self.path = path
        self.recipients = recipients.map(\.description)
        self.encryptor = recipients.isEmpty ? nil : try AgeEncryptor(recipients: recipients)
    }

    /// Takes the next bytes of the payload.
    func write(_ chunk: UnsafeRawBufferPointer) throws {
        guard let encryptor else { return try emit(chunk) }
        payloadHasher.update(bufferPointer: chunk)
        payloadBytes += Int64(chunk.count)
        try encryptor.write(chunk, emit: emit)
    }

    /// Ends the payload (the age file's last chunk) and returns what the file holds.
    func finish() throws -> (sha256: String, size: Int64, encryption: BundleEncryption?) {
        guard let encryptor else { return (fileHasher.finalizeHex(), bytes, nil) }
        try encryptor.finish(emit: emit)
        let encryption = BundleEncryption(
            recipients: recipients, payloadSha256: payloadHasher.finalizeHex(), payloadSize: payloadBytes)
        return (fileHasher.finalizeHex(), bytes, encryption)
    }

    private func emit(_ output: UnsafeRawBufferPointer) throws {
        try FileOps.writeAll(descriptor, output, path: path)
        fileHasher.update(bufferPointer: output)
        bytes += Int64(output.count)
        // The bundle is fsynced before it is renamed into the store; starting the disk
        // writes as it grows leaves that fsync little to wait for, and keeps dirty pages few.
        if bytes - writtenBack >= Self.writebackStep {
            _ = snap_start_writeback(descriptor.rawValue, writtenBack, bytes - writtenBack)
            writtenBack = bytes
        }
    }
}
