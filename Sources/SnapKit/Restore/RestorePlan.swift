import Foundation

/// Which recovery procedure a restore carries out (the seed's Case 1 and Case 2).
package enum RestoreMode: String, Codable, Sendable, CaseIterable {
    /// Case 1: copy the Mnesia files back, both managers stopped.
    case copy
    /// Case 2 (takeover): fresh schema, load the dump, re-point the partner and the cluster.
    case load
}

/// One action of a restore. Every action can be run again after a crash (see
/// ``RestoreExecutor``): resuming re-runs the step that was interrupted.
package enum RestoreAction: Codable, Sendable, Equatable {
    case stop(node: String)
    case confirmDown(node: String)
    case rescue(node: String)
    case recordPreRestore(node: String)
    case unpack(node: String)
    case swapIn(node: String)
    case setPartner(node: String, partner: String)
    case start(node: String)
    case waitReady(node: String)
    case checkStatus(node: String)
    case loadDump(node: String)
    case updateManagers(node: String, master: String, slave: String)
    case compareTables(node: String)
}

/// A numbered step: the operator's words, the exact operation, the action.
package struct RestoreStep: Codable, Sendable, Equatable {
    package var number: Int
    /// The recovery procedure's wording ("Stop both the manager-master and the manager-slave").
    package var title: String
    /// The exact command or file operation.
    package var operation: String
    package var action: RestoreAction
}

/// Everything a restore will do, decided before anything is touched.
package struct RestorePlan: Codable, Sendable, Equatable {
    /// The restore's id (its folder under `restores/`).
    package var id: String
    package var snapshot: String
    var snapshotVersion: Int
    package var mode: RestoreMode
    /// Why this mode: chosen by the operator, or implied by the node names.
    package var modeReason: String
    /// Managers whose Mnesia content is replaced.
    package var targets: [String]
    /// Every manager of the pair (all of them are stopped and started).
    package var pair: [String]
    package var steps: [RestoreStep]
    /// What the operator should know about the result (nil in journals of earlier versions).
    package var notes: [String]?
}

/// Builds restore plans. Pure: everything it needs is passed in.
package enum RestorePlanner {
    /// Plans restoring `record` onto `targets` among the configured `pair`.
    /// - Parameters:
    ///   - requestedMode: the operator's `--mode`, or nil to choose from the node names.
    ///   - rescue: where each target's current files go (`restores/<id>/rescue/<node>` for a
    ///     manager on snap's host).
    /// - Throws: ``RestoreError`` when the restore cannot work, before anything is touched.
    package static func plan(
        id: String, record: SnapshotRecord, targets: [ManagerNode], pair: [ManagerNode],
        requestedMode: RestoreMode?, rescue: (ManagerNode) -> String
    ) throws -> RestorePlan {
        if let lonely = targets.first(where: { $0.partner == nil }) {
            throw RestoreError.partnerUnknown(node: lonely.name)
        }
        let snapshotPair = Set([record.nodename, record.partner].compactMap { $0 })
        let outside = targets.filter { !snapshotPair.contains($0.nodename) }
        let mode: RestoreMode
        let reason: String
        switch requestedMode {
        case .copy?:
            guard record.nodename != nil else { throw RestoreError.pairUnknown(snapshot: record.id) }
            if let stranger = outside.first {
                throw RestoreError.notInPair(
                    node: stranger.name, nodename: stranger.nodename, pair: snapshotPair.sorted(), snapshot: record.id)
            }
            mode = .copy
            reason = Remedy.copyMode.description
        case .load?:
            mode = .load
            reason = Remedy.loadMode.description
        case nil where record.nodename != nil && outside.isEmpty:
            mode = .copy
            reason = "every target belongs to the snapshot's pair (\(snapshotPair.sorted().joined(separator: ", ")))"
        case nil:
            mode = .load
            reason =
                record.nodename == nil
                ? "the snapshot does not record its node names, so its files cannot be copied safely"
                : "\(outside.map { "\($0.name) (\($0.nodename))" }.joined(separator: ", ")) \(outside.count == 1 ? "is" : "are") not in the snapshot's pair: Mnesia files carry their node names"
        }
        if mode == .load {
            guard record.hasDump else { throw RestoreError.noDump(snapshot: record.id) }
            guard Set(targets.map(\.name)) == Set(pair.map(\.name)), pair.count == 2 else {
                throw RestoreError.loadNeedsPair(pair: pair.map(\.name))
            }
        }
        var steps: [RestoreStep] = []
        func add(_ title: String, _ operation: String, _ action: RestoreAction) {
            steps.append(RestoreStep(number: steps.count + 1, title: title, operation: operation, action: action))
        }
        let ordered = pair.sorted { ($0.role == "master" ? 0 : 1, $0.name) < ($1.role == "master" ? 0 : 1, $1.name) }
        for node in ordered {
            add(
                "Stop both the manager-master and the manager-slave", node.stopOperation,
                .stop(node: node.name))
        }
        for node in ordered {
            add(
                "Confirm \(node.name) is down", "\(node.controlScript) ping fails; no VM named \(node.nodename)",
                .confirmDown(node: node.name))
        }
        for node in targets {
            add(
                "Move mnesia-files which is under work/mnesia/127.0.0.1 to another directory (backup)",
                "mv \(node.mnesiaDirectory)/* \(rescue(node))/", .rescue(node: node.name))
            add(
                "Record the moved files as a pre-restore snapshot",
                Remedy.captureDirectory(rescue(node)).description,
                .recordPreRestore(node: node.name))
        }
        switch mode {
        case .copy:
            for node in targets {
                add(
                    "Copy mnesia-files of snapshot \(record.id) (v\(record.version), \(record.node)) to \(node.name)",
                    "unpack mnesia/ of the bundle into \(node.mnesiaDirectory).snap-staging, fsync",
                    .unpack(node: node.name))
                add(
                    "Put the copied mnesia-files in place",
                    "rename \(node.mnesiaDirectory).snap-staging -> \(node.mnesiaDirectory)",
                    .swapIn(node: node.name))
            }
            for node in ordered {
                add(
                    "Restart both the manager-master and the manager-slave", node.startOperation,
                    .start(node: node.name))
            }
            for node in ordered {
                add("Wait until \(node.name) is ready", "\(node.controlScript) wait_ready", .waitReady(node: node.name))
            }
            for node in targets {
                add(
                    "Check the console of \(node.name)",
                    "status on \(node.consoleHost):\(node.consolePort)"
                        + (record.ringHashes?.current.map { "; ring-hash must be \($0)" } ?? ""),
                    .checkStatus(node: node.name))
            }
        case .load:
            for node in ordered {
                let partner = ordered.first { $0.name != node.name }?.nodename ?? ""
                add(
                    "Update the configuration of manager.partner to be able to communicate between manager-master and manager-slave",
                    "manager.partner = \(partner) in \(node.home)/etc/leo_manager.conf (old file kept beside it)",
                    .setPartner(node: node.name, partner: partner))
            }
            for node in ordered {
                add(
                    "Restart both manager-master and manager-slave", node.startOperation,
                    .start(node: node.name))
            }
            for node in ordered {
                add("Wait until \(node.name) is ready", "\(node.controlScript) wait_ready", .waitReady(node: node.name))
            }
            let master = ordered[0]
            let slave = ordered[1]
            add(
                "Import the mnesia-data from the back-up file",
                "\(master.controlScript) load-mnesia-data <dump of \(record.id)> (success read from its output)",
                .loadDump(node: master.name))
            add(
                "Update the manager nodes to be able to communicate with the storage and the gateway nodes",
                "update-managers \(master.nodename) \(slave.nodename) on \(master.consoleHost):\(master.consolePort)",
                .updateManagers(node: master.name, master: master.nodename, slave: slave.nodename))
            add(
                "Check that every table came back",
                "dump-mnesia-data; compare row counts and digests with \(record.id)",
                .compareTables(node: master.name))
        }
        var notes: [String] = []
        let untouched = ordered.filter { node in !targets.contains { $0.name == node.name } }
        if mode == .copy, let partner = untouched.first {
            let names = targets.map(\.name).joined(separator: ", ")
            notes.append(
                "only \(names) \(targets.count == 1 ? "gets" : "get") the snapshot's files; \(partner.name) keeps its own, "
                    + "and on start \(names) resyncs its tables from \(partner.name), so the pair ends up with "
                    + "\(partner.name)'s data (the way to recover a lost manager from its partner). To return the whole "
                    + "pair to the snapshot, pass \(Remedy.target(nil)) for every manager: "
                    + ordered.map { Remedy.target($0.name).description }.joined(separator: " "))
        }
        return RestorePlan(
            id: id, snapshot: record.id, snapshotVersion: record.version, mode: mode, modeReason: reason,
            targets: targets.map(\.name), pair: ordered.map(\.name), steps: steps, notes: notes)
    }
}
