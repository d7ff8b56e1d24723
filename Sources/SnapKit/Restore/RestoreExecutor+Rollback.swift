import Foundation
import Glibc

extension RestoreExecutor {
    /// Puts the pair back as it was: stop both, each target's previous files back in place
    /// (a target already put back is left alone), the old conf files back, start both.
    ///
    /// Run again after a kill or a failure, it only finishes what is left: a target is
    /// marked returned in the journal once its previous files are in place, and a target
    /// whose directory the restore may have written into is replaced only by a copy of its
    /// previous files checked against its pre-restore snapshot.
    /// - Throws: ``RestoreError/rolledBack(id:failure:whereabouts:)`` when it worked (exit 5),
    ///   or ``RestoreError/rollbackFailed(id:failure:rollback:whereabouts:)``.
    public mutating func rollback(after failure: String) throws {
        journal.phase = .rollingBack
        try locked.save(journal)
        do {
            for name in journal.plan.pair {
                let control = ManagerControl(try node(name), runner: runner)
                if try control.isRunning() { try control.stop() }
            }
            for name in journal.plan.pair { try confirmDown(try node(name)) }
            for name in journal.plan.targets where journal.rescueBegan(name) && !journal.hasReturned(name) {
                try Interruption.check()
                try putBack(try node(name))
                journal.returned = (journal.returned ?? []) + [name]
                try locked.save(journal)
            }
            for backup in journal.confBackups.values where FileOps.exists(backup.backup) {
                try FileOps.rename(backup.backup, to: backup.file)
            }
            for name in journal.plan.pair { try ManagerControl(try node(name), runner: runner).start() }
            for name in journal.plan.pair { try ManagerControl(try node(name), runner: runner).waitReady() }
        } catch let interrupted as Interrupted {
            throw interrupted.leaving(
                "the rollback of restore \(journal.plan.id) stopped; \(whereabouts()); finish it with "
                    + "`snap restore --rollback \(journal.plan.id)`")
        } catch {
            journal.phase = .rollbackFailed
            try? locked.save(journal)
            throw RestoreError.rollbackFailed(
                id: journal.plan.id, failure: failure, rollback: "\(error)", whereabouts: whereabouts())
        }
        journal.phase = .rolledBack
        try locked.save(journal)
        releaseRescue()
        throw RestoreError.rolledBack(id: journal.plan.id, failure: failure, whereabouts: whereabouts())
    }

    /// Where each target's previous files are now, in words that name only places that hold
    /// them: the live directory once put back, else the rescue folder while it holds them,
    /// and the pre-restore snapshot.
    func whereabouts() -> String {
        journal.plan.targets.filter(journal.rescueBegan).map { name in
            let live = nodes[name]?.mnesiaDirectory ?? name
            let snapshot = journal.preRestoreSnapshots[name].map { "pre-restore snapshot \($0)" }
            if journal.originals?[name]?.existed == false || journal.originals?[name]?.files == 0 {
                return "\(name) had no Mnesia files before the restore"
            }
            if journal.hasReturned(name) {
                return "\(name)'s previous files are back in \(live)" + (snapshot.map { " (and in \($0))" } ?? "")
            }
            var places: [String] = []
            let rescue = layout.rescue(name)
            if let names = try? FileOps.listDirectory(rescue), !names.isEmpty { places.append(rescue) }
            if let snapshot { places.append(snapshot) }
            if places.isEmpty { places.append(live) }
            return "\(name)'s previous files are in \(places.joined(separator: " and "))"
        }.joined(separator: "; ")
    }

    /// Puts the previous files of one target back in place.
    private func putBack(_ manager: ManagerNode) throws {
        let live = manager.mnesiaDirectory
        try FileOps.removeTree(RestoreLayout.staging(live))  // the snapshot's files, never swapped in
        let original = try original(manager)
        guard journal.liveWasReplaced(manager.name) else {
            // Nothing but the rescue touched the directory: what it holds is the part of the
            // previous files not yet moved, the rescue folder the rest.
            let rescue = layout.rescue(manager.name)
            let names = ((try? FileOps.listDirectory(rescue)) ?? []).filter { !$0.hasSuffix(".snap-partial") }
            if !names.isEmpty && !FileOps.exists(live) { try original.makeDirectory(live) }
            for name in names { try FileOps.move(rescue + "/" + name, to: live + "/" + name) }
            if FileOps.exists(live) {
                try FileOps.syncDirectory(live)
                if !original.existed, try FileOps.listDirectory(live).isEmpty, rmdir(live) != 0 {
                    throw SystemError("remove directory", live, .last)
                }
            }
            return
        }
        // The directory may hold the restore's files: it is swapped out only for a complete,
        // checked copy of the previous ones.
        let replacement = RestoreLayout.rollbackStaging(live)
        let discard = RestoreLayout.discard(live)
        try FileOps.removeTree(discard)
        try FileOps.removeTree(replacement)
        if original.existed {
            try buildReplacement(for: manager, at: replacement, owner: original)
        }
        if FileOps.exists(live) { try FileOps.rename(live, to: discard) }
        if FileOps.exists(replacement) { try FileOps.rename(replacement, to: live) }
        try FileOps.syncDirectory((live as NSString).deletingLastPathComponent)
        try FileOps.removeTree(discard)
    }

    /// A copy of the target's previous files at `path`, checked file by file against its
    /// pre-restore snapshot: from the rescue folder when that is whole, else unpacked from
    /// the snapshot's bundle.
    private func buildReplacement(for manager: ManagerNode, at path: String, owner: TargetDirectory) throws {
        guard let id = journal.preRestoreSnapshots[manager.name] else {
            guard owner.files > 0 else {
                try owner.makeDirectory(path)
                return
            }
            throw RestoreCheckFailed(
                detail: "no pre-restore snapshot of \(manager.name) records its previous files, so they cannot be "
                    + "checked; nothing was changed in \(manager.mnesiaDirectory), they are in \(layout.rescue(manager.name))"
            )
        }
        let record = try SnapshotRef.idPrefix(id).resolve(in: store.loadRecords(.withoutTables))
        let manifest = try store.manifest(for: record).manifest
        let rescue = layout.rescue(manager.name)
        if FileOps.exists(rescue) {
            try FileOps.copyTree(from: rescue, to: path)
            if try MnesiaFilesCheck.problem(of: path, against: manifest, hashes: true) == nil {
                try owner.apply(to: path)
                try FileOps.syncTree(path)
                return
            }
            logger.warning("\(rescue) does not match pre-restore snapshot \(id); unpacking the snapshot instead")
            try FileOps.removeTree(path)
        }
        try unpackMnesia(of: record, to: path, owner: owner)
    }

    /// Once the restore is over (completed or rolled back): verifies every pre-restore
    /// snapshot and, when all of them do, removes the rescued files, which those snapshots
    /// now hold. A snapshot that does not verify keeps the rescue, and says so.
    mutating func releaseRescue() {
        guard FileOps.exists(layout.rescueRoot) else { return }
        do {
            // Whole records: verifying writes the verdict into them.
            let records = try store.loadRecords().records
            let ids = Set(journal.preRestoreSnapshots.values)
            let made = records.filter { ids.contains($0.id) }
            guard made.count == ids.count else {
                journal.findings.append(
                    "the rescued files stay in \(layout.rescueRoot): a pre-restore snapshot is missing")
                try locked.save(journal)
                return
            }
            let report = try VerifyOperation.run(made, in: locked)
            if let failed = report.failed.first {
                journal.findings.append(
                    "the rescued files stay in \(layout.rescueRoot): pre-restore snapshot \(failed.id) does not verify "
                        + "(\(failed.problem))")
                try locked.save(journal)
                return
            }
            try FileOps.removeTree(layout.rescueRoot)
            journal.rescueReleased = true
            try locked.save(journal)
        } catch {
            logger.warning("the rescued files stay in \(layout.rescueRoot): \(error)")
        }
    }
}
