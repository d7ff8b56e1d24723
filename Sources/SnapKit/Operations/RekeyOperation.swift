import Foundation
import Glibc

/// What `snap rekey` did.
package struct RekeyReport: Codable, Sendable {
    /// One bundle given new recipients, and the snapshots that use it.
    package struct Rewritten: Codable, Sendable, Equatable {
        package var from: String
        package var to: String
        package var snapshots: [String]
    }

    /// The recipients the bundles now open for.
    package var recipients: [String]
    /// Bundles whose header was written anew.
    package var rewritten: [Rewritten] = []
    /// Snapshots whose bundle was already encrypted to exactly these recipients.
    package var unchanged: [String] = []
    /// Snapshots with a plain bundle (made before encryption was turned on): left as they are.
    package var plain: [String] = []
    /// Snapshots whose bundle is damaged and was not touched, each with why.
    package var damaged: [VerifyReport.Failure] = []
    /// Whether the configured identity opens the new recipients; when not, switch it to one
    /// that does before the next capture (whose check reads the new bundle).
    package var identityOpensRecipients = true
}

/// The rekey use case: changes the recipients of encrypted bundles to snap.yaml's, without
/// re-encrypting their payloads.
package enum RekeyOperation {
    /// Rewrites the age header of each selected snapshot's bundle for the configured
    /// recipients, under the lock and audited as `rekey`.
    ///
    /// Per bundle: the new file is written beside the old one and fsynced, marked pending and
    /// renamed into place (a crash now leaves it unreferenced, and the next writer removes
    /// it); then every record that uses the old bundle is saved naming the new one; then the
    /// old bundle goes. A crash at any point leaves every record naming a whole bundle.
    /// Records lose their off-site copies (the copy there is the old file; the next copy
    /// sends the new one and the next remote prune removes the old).
    /// - Throws: ``RekeyRefused`` without recipients; ``BundleKeyError`` (exit 1) when the
    ///   identity opens no bundle; ``RekeyDamageFound`` (exit 4) after the run when a bundle
    ///   was damaged; ``Interrupted`` between two bundles.
    package static func run(_ selection: VerifySelection, in session: Session) throws -> RekeyReport {
        let store = try session.openStore()
        guard !store.keys.recipients.isEmpty else { throw RekeyRefused.noRecipients(config: session.config?.path) }
        return try store.withLock("rekey", by: session.invocation) { locked, facts in
            let set = try store.loadRecords()
            let cleanup = try locked.removeUnreferencedBundles(set)
            for path in cleanup.removed { locked.logger.info("removed unreferenced bundle \(path)") }
            let selected = try selection.records(in: set)
            var report = RekeyReport(recipients: store.keys.recipientNames)
            var bundles: [String] = []
            for record in selected {
                guard let encryption = record.encryption else {
                    report.plain.append(record.id)
                    continue
                }
                if Set(encryption.recipients) == Set(report.recipients) {
                    report.unchanged.append(record.id)
                } else if !bundles.contains(record.bundleSha256) {
                    bundles.append(record.bundleSha256)
                }
            }
            let users = Dictionary(grouping: set.records, by: \.bundleSha256)
            try BundleFetch.ensure(bundles.compactMap { users[$0]?.first }, in: locked, session: session)
            for (index, sha) in bundles.enumerated() {
                try Interruption.check(
                    leaving: "\(index) of the \(bundles.count) bundles were given the new recipients; "
                        + "run the rekey again to finish")
                guard let records = users[sha], let first = records.first else { continue }
                do {
                    let rewritten = try rekey(records, in: locked)
                    report.rewritten.append(.init(from: sha, to: rewritten, snapshots: records.map(\.id)))
                    facts.snapshots += records.map(\.id)
                    facts.nodes = Array(Set(facts.nodes + records.map(\.node))).sorted()
                } catch let error as BundleError {
                    report.damaged += records.map { .init(id: $0.id, node: $0.node, problem: error.description) }
                    locked.logger.warning("\(store.bundlePath(of: first)): \(error)")
                } catch let error as StoreError {
                    // The manifest copy beside it is missing or damaged (`verify` repairs it).
                    report.damaged += records.map { .init(id: $0.id, node: $0.node, problem: error.description) }
                } catch let error as BundleKeyError {
                    throw error.naming(recipients: first.encryption?.recipients ?? [])
                }
            }
            report.identityOpensRecipients = (try? store.keys.checkIdentityOpensRecipients()) != nil
            if !report.damaged.isEmpty { throw RekeyDamageFound(report: report) }
            return report
        }
    }

    /// Gives the bundle `records` share the configured recipients.
    /// - Returns: the new bundle's SHA-256.
    private static func rekey(_ records: [SnapshotRecord], in locked: LockedStore) throws -> String {
        let store = locked.store
        guard let first = records.first, let encryption = first.encryption else {
            preconditionFailure("only encrypted bundles are rekeyed")
        }
        let oldPath = store.bundlePath(of: first)
        guard FileOps.exists(oldPath) else {
            throw BundleError.encrypted(path: oldPath, detail: "the bundle is missing")
        }
        let manifest = try store.manifest(for: first).bytes
        let rewritten = try BundleRekey.rewrite(
            oldPath, recordedSha256: first.bundleSha256, keys: store.keys, to: store.keys.recipients,
            in: store.bundlesDirectory)
        defer { unlink(rewritten.temporaryPath) }  // renamed into place by now, or not needed
        try locked.markPending(rewritten.sha256)
        try locked.saveManifestCopy(manifest, of: rewritten.sha256)
        try FileOps.rename(rewritten.temporaryPath, to: store.bundlePath(rewritten.sha256, encrypted: true))
        try FileOps.syncDirectory(store.bundlesDirectory)
        // The old file goes the way a prune's freed bundles go: marked before any record
        // leaves it, so that a crash half way leaves nothing the next writer cannot place.
        try locked.markPending(first.bundleSha256)
        for var record in records {
            record.bundleSha256 = rewritten.sha256
            record.bundleSize = rewritten.size
            record.encryption = BundleEncryption(
                recipients: store.keys.recipientNames, payloadSha256: encryption.payloadSha256,
                payloadSize: encryption.payloadSize)
            // The copies off site are of the old file: the next copy sends the new one. A copy
            // that prune removed there stays marked, so that no copy sends it back.
            let pruned = record.copies?.filter { $0.pruned != nil } ?? []
            record.copies = pruned.isEmpty ? nil : pruned
            try locked.save(record)
        }
        try FileOps.syncDirectory(store.snapshotsDirectory)
        _ = try locked.removeUnreferencedBundles(try store.loadRecords(.withoutTables))
        return rewritten.sha256
    }
}

/// `snap rekey` cannot run as configured.
package enum RekeyRefused: SnapFailure {
    /// snap.yaml names no recipients to rekey to.
    case noRecipients(config: String?)

    package var description: String {
        switch self {
        case let .noRecipients(config):
            return "\(config ?? "snap.yaml") lists no encryption.recipients: add the age recipients (age1...) "
                + "the bundles should open for, then run snap rekey again"
        }
    }
}

/// Bundles that were damaged and kept their recipients (exit 4).
package struct RekeyDamageFound: SnapFailure {
    package var report: RekeyReport
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "\(report.damaged.count) snapshots kept their old recipients because their bundle is damaged: "
            + report.damaged.map { "\($0.id) (\($0.problem))" }.joined(separator: "; ")
    }
}
