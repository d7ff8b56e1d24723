import Foundation
import Glibc

/// Checks made before a restore touches anything; run once to show the plan, and again
/// under the store lock, which the restore then keeps to its last step.
enum RestorePreflight {
    /// The snapshot verifies (bundle and every file) and, in copy mode, holds a Mnesia
    /// schema; every running manager's console answers (the restore checks it at the end);
    /// there is room for the unpacked content beside each target and for the rescued files
    /// in the store.
    /// - Parameters:
    ///   - targets: the managers whose Mnesia content is replaced.
    ///   - pair: every manager of the pair.
    /// - Returns: notes for the operator: a missing Mnesia directory, a console not probed.
    /// - Throws: ``RestoreError`` saying what to fix, with nothing touched.
    package static func check(
        _ record: SnapshotRecord, in locked: LockedStore, plan: RestorePlan, targets: [any ManagerHost],
        pair: [any ManagerHost]
    ) throws -> [String] {
        let store = locked.store
        // The files a restore replaces are kept as a snapshot sealed like any new one; putting
        // them back (a rollback) needs an identity that opens it.
        try store.keys.checkIdentityOpensRecipients()
        if !store.keys.recipients.isEmpty && store.keys.identityPath == nil {
            throw BundleKeyError.noIdentity(bundle: "the pre-restore snapshot this restore would take")
        }
        let check = BundleCheck.run(record, in: store, contentRequired: true)
        if let scratch = check.scratchError { throw RestoreError.unreadable(snapshot: record.id, cause: "\(scratch)") }
        try check.requireKey(for: record)
        let problems = VerifyOperation.problems(of: record, check: check)
        if let first = problems.first { throw RestoreError.snapshotDamaged(snapshot: record.id, problem: first) }
        if plan.mode == .copy, !MnesiaFilesCheck.hasSchema(try store.manifest(for: record).manifest) {
            throw RestoreError.noSchema(snapshot: record.id)
        }
        var notes: [String] = []
        for host in pair {
            let manager = host.node
            guard try host.isRunning() else {
                notes.append("\(manager.name) is stopped, so its console was not probed")
                continue
            }
            do {
                let status = ClusterStatus(parsing: try host.console("status"))
                if status.currentRingHash == nil && status.previousRingHash == nil && status.clusterId == nil {
                    throw RestoreCheckFailed(detail: "its reply is not a LeoFS status")
                }
            } catch {
                throw RestoreError.consoleUnreachable(
                    node: manager.name, address: "\(manager.consoleHost):\(manager.consolePort)", cause: "\(error)")
            }
        }
        var rescued: Int64 = 0
        for host in targets {
            let target = host.node
            let directory = try host.surveyMnesia()
            if !directory.existed {
                notes.append(
                    "\(target.name): \(target.mnesiaDirectory) is missing; the restore creates it (owner and mode "
                        + "\(directory.ownerText), those of its parent), and a rollback removes it again")
            } else if directory.files == 0 {
                notes.append("\(target.name): \(target.mnesiaDirectory) is empty; there are no previous files to keep")
            }
            rescued += directory.bytes
            // The snapshot's files, a rollback's copy of the previous ones, and the bundle
            // where a host receives it first.
            let needed = record.unpackedSize.addingReportingOverflow(directory.bytes).partialValue
            try requireSpace(
                needed.addingReportingOverflow(host.unpackOverhead(of: record)).partialValue,
                in: host.spaceBesideMnesia())
        }
        // The rescued files and their pre-restore bundle (at most as large) go to the store.
        try requireSpace(rescued * 2, in: freeSpace(at: store.root))
        return notes
    }

    private static func freeSpace(at path: String) throws -> FreeSpace {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw SystemError("check free space of", path, .last) }
        return FreeSpace(path: path, available: Int64(info.f_bavail) * Int64(info.f_frsize))
    }

    private static func requireSpace(_ needed: Int64, in space: FreeSpace) throws {
        let (path, available) = (space.path, space.available)
        // Keep a margin: the file system should not end the restore full.
        let margin: Int64 = 16 << 20
        // `needed` comes from the record, which a damaged store may hold any number in.
        let (total, overflow) = needed.addingReportingOverflow(margin)
        if overflow || available < total {
            throw RestoreError.noSpace(path: path, needed: overflow ? .max : total, available: available)
        }
    }
}
