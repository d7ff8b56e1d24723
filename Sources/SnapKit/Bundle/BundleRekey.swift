import Crypto
import Glibc
import SystemPackage

/// Gives an encrypted bundle new recipients without touching its payload: the age header is
/// written anew for the same file key, and every byte after it is copied as it is.
package enum BundleRekey {
    /// A bundle file written with a new header, not yet part of the store.
    package struct Rewritten: Sendable {
        /// The temporary file beside the old bundle.
        package var temporaryPath: String
        /// SHA-256 and size of the new file.
        package var sha256: String
        package var size: Int64
    }

    /// Writes a copy of the age file at `path` whose header opens for `recipients`, into a
    /// temporary file in `directory`, fsynced.
    ///
    /// The old file is hashed as it is copied and must hash to `recordedSha256`: a damaged
    /// file is never given new keys.
    /// - Throws: ``BundleKeyError`` when no identity opens the header; ``BundleError`` when the
    ///   header or the file is damaged; ``Interrupted`` between two blocks when a signal came.
    ///   The temporary file is removed on every failure.
    package static func rewrite(
        _ path: String, recordedSha256: String, keys: BundleKeys, to recipients: [AgeRecipient], in directory: String
    ) throws -> Rewritten {
        let identities = try keys.identities(toOpen: path)
        let input = open(path, O_RDONLY | O_CLOEXEC)
        if input < 0 { throw SystemError("open bundle", path, .last) }
        defer { close(input) }
        let head = try FileOps.readUpTo(AgeHeader.maximumLength + 1, from: input, path: path)
        let headerLength: Int
        let newHeader: [UInt8]
        do {
            guard let parsed = try AgeHeader.parse(head) else {
                throw AgeError.header("the header is cut short")
            }
            headerLength = parsed.length
            newHeader = try AgeHeader.rewrap(parsed.header, identities: identities, recipients: recipients)
        } catch let error as AgeError {
            // No identity opened it: damage if the file no longer hashes as recorded.
            let failure = BundleError.opening(path: path, identityPath: keys.identityPath, error)
            try BundleKeyError.sayingDamage(of: path, recorded: recordedSha256) { throw failure }
            throw failure
        }
        let output = try FileOps.createTemporary(in: directory)
        do {
            let rewritten = try output.descriptor.closeAfter { () throws -> Rewritten in
                var oldHasher = SHA256()
                var newHasher = SHA256()
                var size: Int64 = 0
                func emit(_ bytes: UnsafeRawBufferPointer) throws {
                    try FileOps.writeAll(output.descriptor, bytes, path: output.path)
                    newHasher.update(bufferPointer: bytes)
                    size += Int64(bytes.count)
                }
                oldHasher.update(data: head)
                try newHeader.withUnsafeBytes { try emit($0) }
                try head[headerLength...].withUnsafeBytes { try emit($0) }
                while true {
                    try Interruption.check(
                        leaving: "the new copy being written was removed; \(path) and its records are unchanged")
                    let chunk = try FileOps.readUpTo(1 << 20, from: input, path: path)
                    if chunk.isEmpty { break }
                    oldHasher.update(data: chunk)
                    try chunk.withUnsafeBytes { try emit($0) }
                }
                let oldSha256 = oldHasher.finalizeHex()
                guard oldSha256 == recordedSha256 else {
                    throw BundleError.encrypted(
                        path: path, detail: "it hashes to \(oldSha256), not to its recorded \(recordedSha256)")
                }
                try FileOps.sync(output.descriptor, path: output.path)
                return Rewritten(temporaryPath: output.path, sha256: newHasher.finalizeHex(), size: size)
            }
            return rewritten
        } catch {
            unlink(output.path)
            throw error
        }
    }
}
