import Glibc

/// Writes delta bundles: the tar of a bundle, encoded against its base's tar and sealed as
/// the store's bundles are. The file is still a `.tar.zst` (or `.tar.zst.age`) whose
/// payload `zstd -d --patch-from=BASE.tar` turns back into the tar.
package enum DeltaBundle {
    /// Writes the tar inside the bundle at `source` as a delta of `reference`, into a new
    /// temporary file in `directory`.
    /// - Parameters:
    ///   - sourceEncrypted: whether `source` is an age file (its temporary name does not say).
    ///   - keys: what opens `source` when it is encrypted.
    ///   - recipients: the age recipients to seal the delta to; none writes a plain file.
    /// - Returns: the delta (as ``BuiltBundle`` with `manifest`) and the source's tar digest.
    /// - Throws: what reading `source` or writing the delta throws; the temporary file is
    ///   removed then.
    package static func write(
        from source: String, sourceEncrypted: Bool, keys: BundleKeys, against reference: DeltaReference, level: Int,
        recipients: [AgeRecipient], manifest: BundleManifest, manifestBytes: [UInt8], in directory: String
    ) throws -> (delta: BuiltBundle, tar: (sha256: String, size: Int64)) {
        let output = try FileOps.createTemporary(in: directory)
        do {
            return try output.descriptor.closeAfter {
                let sink = try SealingSink(descriptor: output.descriptor, path: output.path, recipients: recipients)
                let spooled = try BundleArchive.spool(
                    source, keys: keys, reference: nil, encrypted: sourceEncrypted)
                let input = try spooled.load()
                try DeltaEncoder().encode(input, against: reference, level: level, emit: sink.write)
                let digest = spooled.digest
                let sealed = try sink.finish()
                try FileOps.sync(output.descriptor, path: output.path)
                let delta = BuiltBundle(
                    temporaryPath: output.path, sha256: sealed.sha256, size: sealed.size,
                    encryption: sealed.encryption, manifest: manifest, manifestBytes: manifestBytes)
                return (delta, digest.tar)
            }
        } catch {
            unlink(output.path)
            throw error
        }
    }
}
