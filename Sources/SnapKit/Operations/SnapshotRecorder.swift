import Foundation
import Glibc
import Logging

/// Records new snapshots: bundles what was captured and writes the snapshot record.
package enum SnapshotRecorder {
    /// Bundles `request.sources` and records a new snapshot.
    ///
    /// The bundle is written to a temporary file and renamed into `bundles/` under its
    /// SHA-256. When the sources look on disk exactly as for the node's newest snapshot
    /// (``ScannedSources/signature``), nothing is read and its bundle is reused. When the
    /// node's newest snapshot has the same tree digest (or the same bytes
    /// are already stored) the existing bundle is reused and the record says
    /// `deduplicated`; a stored bundle that no longer hashes to its name is never reused, and
    /// when the new bundle has the same bytes it takes the damaged one's place. The record is
    /// written last, so a crash leaves at most an unreferenced bundle that the next writer
    /// removes; a failure (a full disk) removes what this call added, leaving the store as it was.
    /// A Mnesia directory without `schema.DAT` or table files is refused unless
    /// `request.requiresMnesiaSchema` is false (``MnesiaDirectoryCheck``).
    /// - Parameters:
    ///   - now: the capture time to record.
    /// - Throws: ``IncompleteMnesiaDirectory``, or ``BundleError``, ``SystemError`` or
    ///   ``StoreError`` naming the file at fault.
    package static func record(_ request: CaptureRequest, in locked: LockedStore, now: Date = Date()) throws
        -> SnapshotRecord
    {
        let store = locked.store
        let logger = locked.logger
        let existing = try store.loadRecords()
        // What a crash between writing a bundle and its record left behind.
        let cleanup = try locked.removeUnreferencedBundles(existing)
        for path in cleanup.removed { logger.info("removed unreferenced bundle \(path)") }
        for path in cleanup.orphans { logger.warning("\(path) is used by no snapshot record and was kept") }
        let scanned = try request.sources.scan()
        if request.requiresMnesiaSchema, let directory = request.sources.shownAs {
            // What is about to be archived, as listed: an emptied directory must not become `latest`.
            if let missing = MnesiaDirectoryCheck.missing(in: scanned.topLevelFiles) {
                throw IncompleteMnesiaDirectory(node: request.node, directory: directory, missing: missing)
            }
        }
        // Only a directory that needs no settling can be judged by its signature; a live
        // node's may hold commits its log has not written yet.
        let signature = scanned.signature
        // A bundle is reused only when it is sealed as new ones are: turning encryption on
        // (or changing the recipients) never keeps new snapshots in an old bundle.
        let recipients = store.keys.recipientNames
        func sealedAsNew(_ record: SnapshotRecord) -> Bool {
            Set(record.encryption?.recipients ?? []) == Set(recipients)
        }
        if let signature, let newest = existing.newest(of: request.node), newest.sourceSignature == signature,
            sealedAsNew(newest),
            (try? FileOps.status(store.bundlePath(of: newest)))??.st_size == off_t(newest.bundleSize),
            let stored = try? store.manifest(for: newest)
        {
            // Not re-hashed here (that would read it all, which this path exists to avoid);
            // `verify_after_create`, on by default, re-reads it before the run ends.
            logger.info(
                "\(request.sources.shownAs ?? "the sources") unchanged on disk since \(newest.id); reusing its bundle"
            )
            var request = request
            if request.summarizesDump, let tables = try newest.tables ?? request.sources.tables() {
                request.tables = tables
            }
            return try record(
                request, bundle: (newest.bundleSha256, newest.bundleSize, newest.encryption),
                manifest: stored.manifest, deduplicated: true, signature: signature, sharing: newest, in: locked,
                existing: existing, now: now)
        }
        var request = request
        // The dump is read for its summary while the bundle is compressed, and waited for
        // before anything is renamed into the store: a damaged dump still fails the create,
        // with its own error even if the build failed too, and leaves the store as it was.
        let dumpSummary =
            request.summarizesDump
            ? BackgroundWork(name: "snap-dump-summary") { [sources = request.sources] in try sources.tables() } : nil
        var built: BuiltBundle
        do {
            built = try scanned.build(
                in: store.bundlesDirectory, compression: request.compression, recipients: store.keys.recipients)
        } catch {
            _ = try dumpSummary?.value()
            throw error
        }
        defer { unlink(built.temporaryPath) }  // renamed into place by now, or not needed
        if let dumpSummary { request.tables = try dumpSummary.value() }
        var intact: [String: Bool] = [:]
        func isIntact(_ sha256: String, encrypted: Bool) -> Bool {
            if let known = intact[sha256] { return known }
            let found = Self.isIntact(store.bundlePath(sha256, encrypted: encrypted), sha256, logger: logger)
            intact[sha256] = found
            return found
        }
        if let newest = existing.newest(of: request.node), newest.treeDigest == built.manifest.treeDigest,
            sealedAsNew(newest), isIntact(newest.bundleSha256, encrypted: newest.encryption != nil)
        {
            logger.info("content unchanged since \(newest.id); reusing its bundle")
            return try record(
                request, bundle: (newest.bundleSha256, newest.bundleSize, newest.encryption),
                manifest: built.manifest, deduplicated: true, signature: signature, sharing: newest, in: locked,
                existing: existing, now: now)
        }
        // With `delta:`, the whole bundle is written again as a delta of the node's newest
        // snapshot when the chain allows (and stays whole otherwise). A damaged newest is no
        // base: its own base is, so that the same content gives the damaged delta's very
        // bytes, which take its place.
        var delta: (base: SnapshotRecord.DeltaBase, tar: (sha256: String, size: Int64))?
        var base = existing.newest(of: request.node)
        if request.delta != nil, let newest = base, !isIntact(newest.bundleSha256, encrypted: newest.encryption != nil)
        {
            base = newest.deltaBase.flatMap { link in existing.records.first { $0.id == link.snapshot } }
        }
        if let settings = request.delta, let base, sealedAsNew(base),
            let written = Self.delta(
                of: built, base: base, settings: settings, records: existing.records,
                level: request.compression.level, in: store, logger: logger)
        {
            unlink(built.temporaryPath)
            built = written.bundle
            delta = (written.base, written.tar)
        }
        let encrypted = built.encryption != nil
        if isIntact(built.sha256, encrypted: encrypted) {
            return try record(
                request, bundle: (built.sha256, built.size, built.encryption), manifest: built.manifest,
                deduplicated: true, signature: signature,
                sharing: existing.records.first { $0.bundleSha256 == built.sha256 }, delta: delta, in: locked,
                existing: existing, now: now)
        }
        let bundlePath = store.bundlePath(built.sha256, encrypted: encrypted)
        let manifestPath = store.manifestPath(built.sha256)
        // A damaged or missing bundle that records name gets these very bytes back.
        let hadBundle = FileOps.exists(bundlePath)
        let hadManifest = FileOps.exists(manifestPath)
        do {
            // Until the record lands, the next writer may remove this bundle (and only then).
            if !hadBundle { try locked.markPending(built.sha256) }
            try locked.saveManifestCopy(built.manifestBytes, of: built.sha256)
            try FileOps.rename(built.temporaryPath, to: bundlePath)
            try FileOps.syncDirectory(store.bundlesDirectory)
            if hadBundle || existing.records.contains(where: { $0.bundleSha256 == built.sha256 }) {
                logger.warning(
                    "wrote the \(hadBundle ? "damaged" : "missing") bundle \(bundlePath) again from the same content")
            }
            let saved = try record(
                request, bundle: (built.sha256, built.size, built.encryption), manifest: built.manifest,
                deduplicated: false, signature: signature, delta: delta, in: locked, existing: existing, now: now)
            unlink(store.pendingPath(built.sha256))
            return saved
        } catch {
            // What this call added goes again, so a failed create leaves the store as it was.
            if !hadBundle { unlink(bundlePath) }
            if !hadManifest { unlink(manifestPath) }
            unlink(store.pendingPath(built.sha256))
            try? FileOps.syncDirectory(store.bundlesDirectory)
            throw error
        }
    }

    /// True when the bundle at `path` is there and still hashes to `sha256`, its name. A damaged
    /// one is reported and never reused: `snap verify` says which snapshots it breaks.
    private static func isIntact(_ path: String, _ sha256: String, logger: Logger) -> Bool {
        guard FileOps.exists(path) else { return false }
        guard let actual = try? FileOps.sha256(ofFile: path), actual.sha256 == sha256 else {
            logger.warning("bundle \(path) does not hash to its name: it is damaged and is not reused")
            return false
        }
        return true
    }

    private static func record(
        _ request: CaptureRequest, bundle: (sha256: String, size: Int64, encryption: BundleEncryption?),
        manifest: BundleManifest, deduplicated: Bool, signature: String?, sharing: SnapshotRecord? = nil,
        delta: (base: SnapshotRecord.DeltaBase, tar: (sha256: String, size: Int64))? = nil, in locked: LockedStore,
        existing: RecordSet, now: Date
    ) throws -> SnapshotRecord {
        let store = locked.store
        let info = try locked.info()
        let newest = max(info.lastVersion, existing.records.first?.version ?? 0)
        guard newest < Int.max else {
            throw StoreError.corruptFile(
                path: store.infoPath,
                detail: "last_version or a snapshot's version is \(newest), which leaves no next version; "
                    + "set last_version to the highest version \(Remedy.list(tag: nil)) shows")
        }
        let version = newest + 1
        var id = FileOps.randomHex(bytes: 8)
        while existing.records.contains(where: { $0.id.hasPrefix(String(id.prefix(SnapshotRef.minimumPrefix))) }) {
            id = FileOps.randomHex(bytes: 8)
        }
        var record = SnapshotRecord(
            id: id, version: version, created: now, node: request.node, role: request.role,
            cluster: request.cluster, partner: request.partner, mode: request.mode, tags: request.tags,
            note: request.note, host: request.host ?? ToolInfo.host, user: ToolInfo.user, toolVersion: ToolInfo.version,
            bundleSha256: bundle.sha256, bundleSize: bundle.size, treeDigest: manifest.treeDigest,
            deduplicated: deduplicated, fileCount: manifest.files.count, unpackedSize: manifest.unpackedSize,
            hasDump: manifest.hasDump)
        record.tables = request.tables
        record.ringHashes = request.ringHashes
        record.nodename = request.nodename
        record.sourceSignature = signature
        record.downtimeSeconds = request.downtimeSeconds
        record.coordinator = ToolInfo.host
        record.encryption = bundle.encryption
        // A reused bundle keeps the base it is a delta of (the one just checked first).
        record.deltaBase = delta?.base ?? sharing?.deltaBase
        record.tarSha256 = delta?.tar.sha256 ?? sharing?.tarSha256
        record.tarSize = delta?.tar.size ?? sharing?.tarSize
        try locked.save(record)
        var updated = info
        updated.lastVersion = version
        do {
            try locked.saveInfo(updated)
        } catch {
            // Without store.json's version the record must not stay: a failed create adds nothing.
            try? locked.removeRecord(record.id)
            try? FileOps.syncDirectory(store.snapshotsDirectory)
            throw error
        }
        return record
    }
}
