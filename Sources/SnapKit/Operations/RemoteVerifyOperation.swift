import Foundation

/// What `snap verify --remote` found.
package struct RemoteVerifyReport: Codable, Sendable, Equatable {
    package var remote: String
    /// Snapshots on the remote (records whose seal holds).
    package var snapshots: Int
    /// Audit entries whose chain was walked.
    package var auditEntries: Int
    /// Bundles the snapshots use, and how many of them this run read back and hashed.
    package var bundles: Int
    package var bundlesRead: Int
    /// With `--sample`: the slice read (1-based) and the number of slices (every bundle is
    /// read within that many runs).
    package var slice: Int?
    package var slices: Int?
    /// Everything wrong, one line each.
    package var problems: [String]
}

/// The remote verify use case: the remote's history and records checked in full, its bundles
/// (all, or a sample's slice) read back and hashed, manifests read and matched to the records.
/// The remote is read without the store lock (a long read must not make cron's captures
/// wait); the lock is taken to record the verdicts.
package enum RemoteVerifyOperation {
    /// - Parameter percent: read this share of the bundles (nil: all).
    /// - Throws: ``RemoteVerificationFailed`` (exit 4) carrying the report when anything is
    ///   wrong; ``OffsiteError`` when the remote cannot be read.
    package static func run(remote name: String, percent: Int?, in session: Session) throws -> RemoteVerifyReport {
        let remote = try session.remote(name)
        let store = try session.openStore()
        let scratch = try FileOps.makeTemporaryDirectory(prefix: "snap-verify")
        defer { try? FileOps.removeTree(scratch) }
        let remoteStore = RemoteStore(remote, scratch: scratch)
        let catalog = try remoteStore.catalog(in: scratch + "/read")
        var problems = catalog.historyProblems + catalog.damagedRecords
        if catalog.info.storeId != store.storeId {
            problems.append("it holds the copies of store \(catalog.info.storeId), not of this store")
        }
        var users: [String: [SnapshotRecord]] = [:]
        for record in catalog.records {
            if catalog.isComplete(record) {
                users[record.bundleSha256, default: []].append(record)
            } else {
                problems.append(
                    "snapshot \(record.id) (\(record.node) v\(record.version)): its bundle or manifest is missing "
                        + "or has the wrong size")
            }
        }
        let state = store.remoteState(remote) ?? RemoteState(for: remote, storeConfirmed: false)
        let sample = percent.map { RemoteSample(percent: $0, state: state) }
        let chosen = users.keys.filter { sample?.includes($0) ?? true }.sorted()
        try Interruption.check(leaving: "nothing was recorded")
        // Only complete snapshots were chosen: their bundle object is there, plain or encrypted.
        let objects = Dictionary(
            uniqueKeysWithValues: chosen.compactMap { sha in catalog.listing.bundleObject(sha).map { (sha, $0) } })
        let sums = try remoteStore.sha256(of: chosen.compactMap { objects[$0] })
        try remoteStore.download(chosen.map(RemoteLayout.manifest), to: scratch + "/manifests")
        var good: Set<String> = []
        for sha in chosen {
            let names = (users[sha] ?? []).map(\.id).joined(separator: ", ")
            guard let object = objects[sha], sums[object] == sha else {
                problems.append(
                    "bundle \(sha) (snapshots \(names)) reads back with another SHA-256: it was changed or damaged there"
                )
                continue
            }
            let path = scratch + "/manifests/" + RemoteLayout.manifest(sha)
            let manifest = (try? FileOps.readFile(path)).flatMap { try? BundleManifest.decode($0, source: path) }
            guard let manifest, (users[sha] ?? []).allSatisfy({ $0.treeDigest == manifest.treeDigest }) else {
                problems.append(
                    "the manifest of bundle \(sha) (snapshots \(names)) is missing, damaged or not the bundle's")
                continue
            }
            good.insert(sha)
        }
        let report = RemoteVerifyReport(
            remote: remote.name, snapshots: catalog.records.count, auditEntries: catalog.auditLines.count,
            bundles: users.count, bundlesRead: chosen.count, slice: sample.map { $0.slice + 1 },
            slices: sample?.slices, problems: problems)
        return try store.withLock("verify", by: session.invocation) { locked, facts in
            try markVerified(good, on: remote, in: locked)
            if let sample {
                let now = store.remoteState(remote) ?? state
                try locked.save(sample.advanced(now), of: remote)
            }
            facts.snapshots = catalog.records.filter { good.contains($0.bundleSha256) }.map(\.id)
            facts.nodes = Array(Set(catalog.records.map(\.node))).sorted()
            if !problems.isEmpty { throw RemoteVerificationFailed(report: report) }
            return report
        }
    }

    /// Notes in the local records that their copy on `remote` was read back good now.
    private static func markVerified(_ bundles: Set<String>, on remote: RemoteEntry, in locked: LockedStore) throws {
        let now = Date()
        for record in try locked.store.loadRecords().records where bundles.contains(record.bundleSha256) {
            guard var copy = record.copy(on: remote.name) else { continue }
            copy.verified = now
            var updated = record
            updated.setCopy(copy)
            try locked.save(updated)
        }
    }
}

/// A remote failed verification (exit 4); the report says where.
package struct RemoteVerificationFailed: SnapFailure {
    package var report: RemoteVerifyReport
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "remote \(report.remote) failed verification: " + report.problems.joined(separator: "; ")
    }
    package var lines: [String] { report.problems.map { "remote \(report.remote): \($0)" } }
}
