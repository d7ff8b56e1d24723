import Foundation
import Logging

/// The result of `snap verify`.
package struct VerifyReport: Codable, Sendable {
    /// A snapshot that failed (or could not be read), and why.
    package struct Failure: Codable, Sendable, Equatable {
        package var id: String
        package var node: String
        package var problem: String
    }

    /// Snapshots checked.
    package var checked: Int
    /// Snapshots that passed.
    package var ok: Int
    /// Snapshots that did not, each with the first problems found.
    package var failed: [Failure]
    /// Derived files that were missing or damaged and were written again from a sound
    /// bundle (the store's copies of manifests), each said in words.
    package var repaired: [String] = []
    /// Checked snapshots whose dates cannot be right (``ClockWarning``): reported, never a
    /// verification failure.
    package var clockWarnings: [ClockWarning] = []
    /// Encrypted snapshots checked without an identity: their file's SHA-256 and age header
    /// only, not what is inside.
    package var contentNotChecked: [String] = []
    /// With `--load`: each rehearsed snapshot and its verdict.
    package var loads: [LoadResult] = []
    /// Snapshots that could not be read for want of room (``SystemError/temporary`` under
    /// `$TMPDIR`, or a rehearsal's unpacking): not checked, their earlier verdict left as it was.
    package var unread: [Failure] = []
}

/// Re-reads bundles and records the verdict in each snapshot record.
package enum VerifyOperation {
    /// Verifies `records`, reading each distinct bundle once, and keeps going after the
    /// first failure so that every bad snapshot is reported.
    /// - Parameters:
    ///   - now: the time recorded as `verification.checked`.
    /// - Throws: ``Interrupted`` between two snapshots when a signal came.
    package static func run(
        _ records: [SnapshotRecord], in locked: LockedStore, now: Date = Date()
    ) throws -> VerifyReport {
        let store = locked.store
        let logger = locked.logger
        var checks: [String: BundleCheck] = [:]
        var repaired: [String] = []
        var sealedOnly: [String] = []
        // Node by node, oldest first, so that each delta's base was read just before it (and
        // failures are reported in the order asked).
        let cache = DeltaTarCache(records: records)
        var failed: [(index: Int, failure: VerifyReport.Failure)] = []
        var unread: [VerifyReport.Failure] = []
        let order = records.indices.sorted {
            (records[$0].node, records[$0].version) < (records[$1].node, records[$1].version)
        }
        for (done, index) in order.enumerated() {
            var record = records[index]
            try Interruption.check(
                leaving: "\(done - unread.count) of the \(records.count) snapshots were checked and keep their "
                    + "verdict (\(failed.count) failed); verify again to check the rest")
            let check: BundleCheck
            if let cached = checks[record.bundleSha256] {
                check = cached
            } else {
                logger.info("verifying bundle \(record.bundleSha256) of \(record.id)")
                check = repairingManifestCopy(
                    BundleCheck.run(record, in: store, cache: cache), of: record, in: locked, repaired: &repaired)
                checks[record.bundleSha256] = check
            }
            if let scratch = check.scratchError {
                // No room to read it is no verdict: the others are still checked.
                unread.append(.init(id: record.id, node: record.node, problem: "\(scratch)"))
                continue
            }
            try check.requireKey(for: record)
            let problems = problems(of: record, check: check)
            record.verification = SnapshotRecord.Verification(
                checked: now, ok: problems.isEmpty, problem: problems.isEmpty ? nil : summary(problems),
                contentChecked: check.contentChecked ? nil : false)
            if !check.contentChecked { sealedOnly.append(record.id) }
            if !problems.isEmpty {
                failed.append((index, .init(id: record.id, node: record.node, problem: summary(problems))))
            }
            // A record that vanished or was damaged meanwhile is reported, not resurrected.
            if FileOps.exists(store.recordPath(record.id)) { try locked.save(record) }
        }
        let failures = failed.sorted { $0.index < $1.index }.map(\.failure)
        return VerifyReport(
            checked: records.count, ok: records.count - failures.count - unread.count, failed: failures,
            repaired: repaired, contentNotChecked: sealedOnly, unread: unread)
    }

    /// The store's copy of a manifest is derived from its bundle: when the bundle is sound and
    /// is the one `record` names, a missing or damaged copy is written again from it.
    private static func repairingManifestCopy(
        _ check: BundleCheck, of record: SnapshotRecord, in locked: LockedStore, repaired: inout [String]
    ) -> BundleCheck {
        guard let problem = check.manifestCopyProblem, let bytes = check.manifestBytes, check.problems.isEmpty,
            check.sha256 == record.bundleSha256, check.manifest?.treeDigest == record.treeDigest
        else { return check }
        do {
            try locked.saveManifestCopy(bytes, of: record.bundleSha256)
        } catch {
            var failed = check
            failed.manifestCopyProblem = "\(problem), and writing it again from the bundle failed: \(error)"
            return failed
        }
        repaired.append("\(problem); wrote it again from the bundle, which verifies")
        var sound = check
        sound.manifestCopyProblem = nil
        return sound
    }

    /// Everything wrong with `record`: its bundle's own problems, then whether the bundle
    /// is the one the record names (hash, size, tree digest).
    package static func problems(of record: SnapshotRecord, check: BundleCheck) -> [String] {
        var problems = check.problems
        if let sha = check.sha256, sha != record.bundleSha256 {
            problems.insert(
                "bundle hash mismatch: \(check.path) hashes to \(sha), the record says \(record.bundleSha256)", at: 0)
        } else if let size = check.size, size != record.bundleSize {
            problems.insert("bundle \(check.path) is \(size) bytes, the record says \(record.bundleSize)", at: 0)
        }
        if let manifest = check.manifest, manifest.treeDigest != record.treeDigest {
            problems.append("the bundle's tree digest differs from the record's")
        }
        if let copy = check.manifestCopyProblem { problems.append(copy) }
        return problems
    }

    private static func summary(_ problems: [String]) -> String {
        let shown = problems.prefix(3).joined(separator: "; ")
        return problems.count > 3 ? shown + "; and \(problems.count - 3) more" : shown
    }
}
