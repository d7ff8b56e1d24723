import Glibc
import Logging

extension SnapshotRecorder {
    /// A capture written as a delta of its node's newest snapshot.
    struct DeltaWritten {
        var bundle: BuiltBundle
        var base: SnapshotRecord.DeltaBase
        var tar: (sha256: String, size: Int64)
    }

    /// Writes `built` (a whole bundle in a temporary file) again as a delta of `base`, when
    /// `settings` allow it: the chain stays within `max_chain` deltas and `max_ratio` times
    /// its whole bundle's bytes, the base's tar within ``DeltaReference/maxBytes``, the base
    /// reads back intact, and the delta is smaller than the whole bundle. Otherwise nil, with
    /// the reason logged, and the capture stays whole.
    static func delta(
        of built: BuiltBundle, base: SnapshotRecord, settings: DeltaSettings, records: [SnapshotRecord],
        level: Int, in store: Store, logger: Logger
    ) -> DeltaWritten? {
        /// `problem`: a reason the operator should hear of without `-v` (the policy's limits
        /// and a store without the identity to read its bases are not).
        func whole(_ reason: String, problem: Bool = false) -> DeltaWritten? {
            if problem {
                logger.warning("written as a whole bundle, not as a delta: \(reason)")
            } else {
                logger.info("written as a whole bundle: \(reason)")
            }
            return nil
        }
        func isProblem(_ error: any Error) -> Bool {
            if case BundleKeyError.noIdentity = error { return false }
            return true
        }
        let chain: [SnapshotRecord]
        do {
            chain = try store.deltaChain(of: base, in: records)
        } catch {
            return whole("\(error)", problem: isProblem(error))
        }
        // The chain as it would stand: its whole bundle, then every delta up to the new one.
        let links = chain + [base]
        let deltas = links.count
        guard deltas <= settings.maxChain else {
            return whole("the chain from v\(links[0].version) holds max_chain (\(settings.maxChain)) deltas")
        }
        let estimate = base.tarSize ?? (base.unpackedSize + Int64(base.fileCount + 4) * 1536)
        guard estimate <= Int64(DeltaReference.maxBytes) else {
            return whole(
                "the base v\(base.version)'s archive (\(estimate) bytes) is larger than a delta's base may be "
                    + "(\(DeltaReference.maxBytes) bytes)")
        }
        var reference: DeltaReference?
        do {
            reference = try store.deltaReference(for: base, in: records)
            // The base's tar is named by its record once a delta create has hashed it.
            let spooled = try BundleArchive.spool(
                store.bundlePath(of: base), keys: store.keys, reference: reference, hashing: base.tarSha256 == nil)
            reference = nil
            reference = try spooled.load(sha256: base.tarSha256)
            guard spooled.digest.file.sha256 == base.bundleSha256 else {
                return whole("the base v\(base.version)'s bundle does not hash to its name", problem: true)
            }
        } catch {
            return whole("the base v\(base.version) could not be read: \(error)", problem: isProblem(error))
        }
        guard let reference else { return whole("the base v\(base.version) gave no archive") }
        let written: (delta: BuiltBundle, tar: (sha256: String, size: Int64))
        do {
            written = try DeltaBundle.write(
                from: built.temporaryPath, sourceEncrypted: built.encryption != nil, keys: store.keys,
                against: reference, level: level,
                recipients: store.keys.recipients, manifest: built.manifest, manifestBytes: built.manifestBytes,
                in: store.bundlesDirectory)
        } catch {
            return whole("the delta could not be written: \(error)", problem: isProblem(error))
        }
        let root = links[0]
        let chainBytes = links.dropFirst().reduce(written.delta.size) { $0 + $1.bundleSize }
        let budget = settings.maxRatio * Double(root.bundleSize)
        guard written.delta.size < built.size, Double(chainBytes) <= budget else {
            unlink(written.delta.temporaryPath)
            return whole(
                written.delta.size >= built.size
                    ? "the delta (\(written.delta.size) bytes) is no smaller than the whole bundle (\(built.size))"
                    : "the chain's deltas would hold \(chainBytes) bytes, past max_ratio (\(settings.maxRatio)) "
                        + "× the whole bundle v\(root.version)'s \(root.bundleSize)")
        }
        logger.info(
            "written as a delta of v\(base.version) (\(base.id)): \(written.delta.size) bytes, delta \(deltas) of the chain from v\(links[0].version)"
        )
        return DeltaWritten(
            bundle: written.delta,
            base: SnapshotRecord.DeltaBase(snapshot: base.id, version: base.version, tarSha256: reference.sha256),
            tar: written.tar)
    }
}
