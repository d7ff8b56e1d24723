/// What one `snap copy` did.
package struct CopyReport: Codable, Sendable, Equatable {
    /// The remote's name.
    package var remote: String
    /// Snapshots that reached the remote in this run (uploaded, read back, recorded).
    package var copied: [String] = []
    /// Snapshots that were on the remote already.
    package var present: [String] = []
    /// Objects uploaded, and their bytes.
    package var objects: Int = 0
    package var bytes: Int64 = 0
    /// Half-written objects an interrupted copy had left, removed and written again.
    package var repaired: [String] = []
    /// Records there that named an earlier bundle of their snapshot (rekeyed since): replaced.
    package var replaced: [String] = []
    /// Audit entries sent.
    package var auditEntries: Int = 0
    /// Snapshots that could not be copied, each with why: an object there changed since an
    /// earlier copy sent it (never rewritten), or the store's own bundle is damaged. Reported
    /// with exit 4 after the others were copied.
    package var damaged: [String] = []
    /// Objects of snapshots copied before that were gone from the remote, sent again.
    package var resent: [String] = []
}

/// A copy finished, but some snapshots could not be copied (exit 4); the report says which.
package struct RemoteDamageFound: SnapFailure {
    package var report: CopyReport
    /// The remote, as messages show it.
    package var remote: String
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String { lines.joined(separator: "\n") }
    package var lines: [String] {
        report.damaged.map { "remote \(remote): \($0)" }
            + [
                "copied \(report.copied.count) other snapshots; check the remote with \(Remedy.verifyRemote(report.remote))"
            ]
    }
}
