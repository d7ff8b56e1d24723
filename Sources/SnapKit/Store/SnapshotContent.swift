import Foundation
import Glibc

/// A snapshot's bundle file with what it must hold: in the store, or as it reached a
/// manager's host.
package struct BundleFile: Sendable {
    /// Where the bundle is.
    package var path: String
    /// The SHA-256 its record names.
    package var sha256: String
    /// Its manifest, trusted: from the store's copy, not from the bundle.
    package var manifest: BundleManifest
    /// The manifest's exact bytes.
    package var manifestBytes: [UInt8]
    /// How the file is encrypted, when it is an age file (`.tar.zst.age`).
    package var encryption: BundleEncryption?
    /// The keys that open it, when it is encrypted.
    package var keys: BundleKeys
    /// Its base's tar, when it is a delta bundle: decoded from the store's chain.
    package var reference: DeltaReference?
    /// True for a whole bundle ``whole(in:)`` wrote for this use only.
    package var isTemporaryWhole = false

    package init(
        path: String, sha256: String, manifest: BundleManifest, manifestBytes: [UInt8],
        encryption: BundleEncryption? = nil, keys: BundleKeys = .none
    ) {
        self.path = path
        self.sha256 = sha256
        self.manifest = manifest
        self.manifestBytes = manifestBytes
        self.encryption = encryption
        self.keys = keys
    }

    /// The SHA-256 of the `.tar.zst` inside: the file's own, or its decrypted payload's.
    package var payloadSha256: String { encryption?.payloadSha256 ?? sha256 }
}

extension Store {
    /// The bundle of `record` with its manifest, and its base's tar when it is a delta.
    /// - Throws: ``DeltaBaseError`` when a base it needs is gone or damaged.
    package func bundleFile(of record: SnapshotRecord) throws -> BundleFile {
        let (manifest, bytes) = try self.manifest(for: record)
        var file = BundleFile(
            path: bundlePath(of: record), sha256: record.bundleSha256, manifest: manifest, manifestBytes: bytes,
            encryption: record.encryption, keys: keys)
        if record.deltaBase != nil {
            file.reference = try deltaReference(for: record, in: loadRecords(.withoutTables).records)
        }
        return file
    }
}

/// Unpacking parts of a snapshot's bundle.
package enum SnapshotContent {
    /// The bundle's `mnesia/...` entries into `target` (without the `mnesia/` prefix).
    package static func unpackMnesia(of bundle: BundleFile, to target: String) throws {
        try extract(bundle, target) { path in
            path.hasPrefix(BundleBuilder.mnesiaPrefix + "/")
                ? String(path.dropFirst(BundleBuilder.mnesiaPrefix.count + 1)) : nil
        }
    }

    /// The bundle's dump to the file `path`.
    package static func unpackDump(of bundle: BundleFile, to path: String) throws {
        let directory = FileOps.parent(of: path)
        let name = FileOps.lastComponent(of: path)
        try extract(bundle, directory) { $0 == BundleBuilder.dumpPath ? name : nil }
    }

    private static func extract(_ bundle: BundleFile, _ target: String, select: (String) -> String?) throws {
        let digest = try BundleKeyError.sayingDamage(of: bundle.path, recorded: bundle.sha256) {
            try BundleExtractor.extract(
                bundlePath: bundle.path, keys: bundle.keys, reference: bundle.reference,
                expected: ExpectedContent(manifest: bundle.manifest, manifestBytes: bundle.manifestBytes),
                into: target, select: select)
        }
        guard digest.sha256 == bundle.sha256 else {
            throw BundleError.contentMismatch(path: bundle.path, detail: "bundle hash differs from the record")
        }
    }
}

extension BundleFile {
    /// This bundle as a whole `.tar.zst` that needs no base, for a host that does not hold
    /// the chain (a manager's host over SSH): itself when it is whole, else its tar decoded
    /// against its base and compressed again into a new temporary file in `directory` (the
    /// store's bundles, whose crashed writers' files the next writer removes), which the
    /// caller removes (``isTemporaryWhole``). The manifest is the same; what the receiver
    /// checks the stream against is the new file's SHA-256.
    /// - Throws: what decoding the delta or writing the file throws.
    package func whole(in directory: String) throws -> BundleFile {
        guard let reference else { return self }
        let output = try FileOps.createTemporary(in: directory)
        do {
            let written = try output.descriptor.closeAfter {
                let compressor = try ZstdCompressor(.standard)
                let sink = try SealingSink(descriptor: output.descriptor, path: output.path, recipients: [])
                let read = try BundleArchive.stream(path, keys: keys, reference: reference) { chunk in
                    try compressor.compress(chunk, end: false, emit: sink.write)
                }
                guard read.file.sha256 == self.sha256 else {
                    throw BundleError.contentMismatch(
                        path: path, detail: "the file hashes to \(read.file.sha256), the record says \(self.sha256)")
                }
                try compressor.compress(UnsafeRawBufferPointer(start: nil, count: 0), end: true, emit: sink.write)
                return try sink.finish().sha256
            }
            var whole = BundleFile(
                path: output.path, sha256: written, manifest: manifest, manifestBytes: manifestBytes)
            whole.isTemporaryWhole = true
            return whole
        } catch {
            unlink(output.path)
            throw error
        }
    }
}
