import Foundation

extension CreateOperation {
    /// One create run's captures, made under its lock.
    struct Capture {
        var options: CreateOptions
        var session: Session
        var compression: CompressionSettings
        /// The policy's `delta:`.
        var delta: DeltaSettings?
        /// How live managers are captured.
        var mode: SnapshotRecord.CaptureMode.Requested
        var verify: Bool

        /// Archives a Mnesia directory captured elsewhere as a snapshot of `options.nodes[0]`.
        func archive(_ directory: String, in locked: LockedStore, facts: inout AuditFacts) throws -> [SnapshotRecord] {
            guard let name = options.nodes.first else { throw LeoFSError.noManagersConfigured }
            facts.nodes = [name]
            try locked.refuseWhileRestoring("create", nodes: [name])
            var request = CaptureRequest(
                node: name, sources: BundleSources(mnesiaDirectory: directory, dumpFile: options.dumpFile),
                mode: .fromDir, tags: options.tags, note: options.note, cluster: session.config?.cluster,
                compression: compression)
            // Read as a live capture reads its own dump: a damaged one is refused now, not
            // found by a restore, and the record gets the table summary `diff` compares.
            request.summarizesDump = true
            request.delta = delta
            request.requiresMnesiaSchema = !options.allowIncomplete
            let record = try SnapshotRecorder.record(request, in: locked)
            facts.snapshots = [record.id]
            if verify { try verifyCreated([record], in: locked) }
            return [record]
        }

        /// Captures each of `managers` in turn; one that fails does not stop the others.
        /// - Throws: ``CaptureFailed`` when any failed, after verifying the others.
        func managers(_ managers: [ManagerEntry], in locked: LockedStore, facts: inout AuditFacts) throws
            -> [SnapshotRecord]
        {
            facts.nodes = managers.map(\.name)
            try locked.refuseWhileRestoring("create", nodes: managers.map(\.name))
            var records: [SnapshotRecord] = []
            var failures: [String] = []
            // After one cold copy hung (a stuck store disk, likely), stopping the next
            // manager, often its partner, would only take it down into the same hang.
            var hungCopy: String?
            for manager in managers {
                do {
                    try Interruption.check()
                } catch let interrupted as Interrupted {
                    facts.snapshots = records.map(\.id)
                    throw interrupted.leaving(Self.interruptedBefore(manager.name, records, failures))
                }
                if mode == .cold, let hungCopy {
                    failures.append(
                        "\(manager.name): cold copy: not stopped, because the cold copy of \(hungCopy) hung")
                    continue
                }
                do {
                    let capture = LiveCapture(
                        store: locked, host: try session.host(manager), compression: compression, delta: delta)
                    records.append(
                        try capture.capture(
                            mode: mode, tags: options.tags, note: options.note, cluster: session.config?.cluster,
                            requiresMnesiaSchema: !options.allowIncomplete))
                } catch let error as CaptureError {
                    if error.coldCopyHung { hungCopy = manager.name }
                    failures.append(error.description)
                } catch let interrupted as Interrupted {
                    facts.snapshots = records.map(\.id)
                    throw interrupted.leaving(interrupted.state + Self.earlier(records, failures))
                } catch {
                    let text = "\(error)"
                    failures.append(text.hasPrefix(manager.name + ": ") ? text : "\(manager.name): \(text)")
                }
            }
            facts.snapshots = records.map(\.id)
            if verify { try verifyCreated(records, in: locked) }
            if !failures.isEmpty { throw CaptureFailed(records: records, failures: failures) }
            return records
        }

        /// The policy's `verify_after_create`: re-reads the new bundles while still holding the lock.
        private func verifyCreated(_ records: [SnapshotRecord], in locked: LockedStore) throws {
            let report: VerifyReport
            do {
                report = try VerifyOperation.run(records, in: locked)
            } catch let interrupted as Interrupted {
                throw interrupted.leaving(
                    "\(Self.recorded(records)), but not verified; run "
                        + "\(Remedy.verify(records.map(\.id).joined(separator: " ")))"
                )
            }
            if !report.failed.isEmpty { throw VerificationFailed(report: report) }
            if !report.unread.isEmpty { throw VerificationIncomplete(report: report) }
        }

        /// What an interruption before capturing `name` leaves.
        private static func interruptedBefore(_ name: String, _ records: [SnapshotRecord], _ failures: [String])
            -> String
        {
            let done = records.isEmpty ? "; no snapshot was recorded" : ""
            return "stopped before \(name), which was not touched\(done)\(earlier(records, failures))"
        }

        /// What the managers captured before the one being captured when the signal came gave.
        private static func earlier(_ records: [SnapshotRecord], _ failures: [String]) -> String {
            (records.isEmpty ? "" : "; " + recorded(records))
                + failures.map { "; failed before the signal: \($0)" }.joined()
        }

        /// The snapshots a run recorded before it was interrupted; they stand.
        private static func recorded(_ records: [SnapshotRecord]) -> String {
            "recorded before the signal, and kept: "
                + records.map { "\($0.id) v\($0.version) \($0.node)" }.joined(separator: ", ")
        }
    }
}
