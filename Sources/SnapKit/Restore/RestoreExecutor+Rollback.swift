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
    package mutating func rollback(after failure: String) throws {
        journal.phase = .rollingBack
        try locked.save(journal)
        // Hosts that could not be reached are left for a later rollback; the rest is done.
        var unreachable: [String: HostUnreachable] = [:]
        func reach(_ name: String, _ body: (any ManagerHost) throws -> Void) throws {
            guard unreachable[name] == nil else { return }
            do {
                try body(try host(name))
            } catch let error as HostUnreachable {
                logger.warning("\(name): \(error); rolling back the others")
                unreachable[name] = error
            }
        }
        do {
            for name in journal.plan.pair {
                try reach(name) { manager in if try manager.isRunning() { try manager.stop() } }
            }
            for name in journal.plan.pair { try reach(name) { try confirmDown($0) } }
            for name in journal.plan.targets where journal.rescueBegan(name) && !journal.hasReturned(name) {
                try Interruption.check()
                try reach(name) { manager in
                    try putBack(manager)
                    journal.returned = (journal.returned ?? []) + [name]
                    try locked.save(journal)
                }
            }
            for (name, backup) in journal.confBackups { try reach(name) { try $0.restoreConf(backup) } }
            for name in journal.plan.pair { try reach(name) { try $0.start() } }
            for name in journal.plan.pair { try reach(name) { try $0.waitReady() } }
        } catch let interrupted as Interrupted {
            throw interrupted.leaving(
                "the rollback of restore \(journal.plan.id) stopped; \(whereabouts()); finish it with "
                    + "\(Remedy.rollBackRestore(journal.plan.id))")
        } catch {
            journal.phase = .rollbackFailed
            try? locked.save(journal)
            throw RestoreError.rollbackFailed(
                id: journal.plan.id, failure: failure, rollback: "\(error)", whereabouts: whereabouts())
        }
        guard unreachable.isEmpty else {
            journal.phase = .rollbackFailed
            try? locked.save(journal)
            throw RestoreError.rolledBackExcept(
                id: journal.plan.id, failure: failure,
                unreachable: unreachable.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.host))" },
                whereabouts: whereabouts())
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
            let live = hosts[name]?.node.mnesiaDirectory ?? name
            let snapshot = journal.preRestoreSnapshots[name].map { "pre-restore snapshot \($0)" }
            if journal.originals?[name]?.existed == false || journal.originals?[name]?.files == 0 {
                return "\(name) had no Mnesia files before the restore"
            }
            if journal.hasReturned(name) {
                return "\(name)'s previous files are back in \(live)" + (snapshot.map { " (and in \($0))" } ?? "")
            }
            var places: [String] = []
            if let host = hosts[name], let names = try? host.rescuedNames(in: rescue(of: host)), !names.isEmpty {
                places.append(rescue(of: host))
            }
            if let snapshot { places.append(snapshot) }
            if places.isEmpty { places.append(live) }
            return "\(name)'s previous files are in \(places.joined(separator: " and "))"
        }.joined(separator: "; ")
    }

    /// Puts the previous files of one target back in place.
    private func putBack(_ manager: any ManagerHost) throws {
        let original = try original(manager)
        let replaced = journal.liveWasReplaced(manager.name)
        // Only a directory the restore may have written into needs the snapshot to check the copy.
        let preRestore =
            replaced && original.existed
            ? try journal.preRestoreSnapshots[manager.name].map {
                try SnapshotRef.idPrefix($0).resolve(in: store.loadRecords(.withoutTables))
            } : nil
        try manager.putBack(
            PreviousMnesiaFiles(
                rescue: rescue(of: manager), original: original, liveWasReplaced: replaced,
                preRestore: preRestore),
            from: store)
    }

    /// Once the restore is over (completed or rolled back): verifies every pre-restore
    /// snapshot and, when all of them do, removes the rescued files, which those snapshots
    /// now hold. A snapshot that does not verify keeps the rescue, and says so.
    mutating func releaseRescue() {
        let rescued = journal.plan.targets.filter(journal.rescueBegan)
        let holding = rescued.contains { name in
            hosts[name].map { !((try? $0.rescuedNames(in: rescue(of: $0))) ?? []).isEmpty } ?? false
        }
        // A rescue folder on a manager's host stays (empty) after a rollback put its files back.
        guard FileOps.exists(layout.rescueRoot) || holding || !rescued.isEmpty else { return }
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
            let unsure =
                report.failed.first.map { "\($0.id) does not verify (\($0.problem))" }
                ?? report.unread.first.map { "\($0.id) could not be read back to check it (\($0.problem))" }
            if let unsure {
                journal.findings.append(
                    "the rescued files stay in \(layout.rescueRoot): pre-restore snapshot \(unsure)")
                try locked.save(journal)
                return
            }
            // A rescue that holds files no pre-restore snapshot records (a kill came between
            // the move and the record) is the only copy of them: it stays.
            var kept: [String] = []
            for name in rescued {
                let manager = try host(name)
                let folder = rescue(of: manager)
                if journal.preRestoreSnapshots[name] == nil, try !manager.rescuedNames(in: folder).isEmpty {
                    kept.append(folder)
                    continue
                }
                try manager.discardRescue(folder)
            }
            guard kept.isEmpty else {
                journal.findings.append(
                    "the rescued files stay in \(kept.joined(separator: ", ")): no pre-restore snapshot records them")
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
