import Foundation

extension OffsiteCopier {
    /// The audit segments a copy sends or reads back.
    struct AuditWork {
        /// Every entry of the local log is on the remote once the new segment is sent.
        var confirmedThrough: Int
        /// The entries the remote lacks, as one segment.
        var newSegment: (object: String, bytes: [UInt8], count: Int)?
        /// Segments there not yet read back (``RemoteState/auditConfirmed``), with the
        /// bytes they must hold.
        var unconfirmed: [(object: String, bytes: [UInt8])] = []
    }

    /// What the audit history needs on the remote, after checking that this store's chain
    /// holds (a damaged one sent off site would make the remote useless for `init --from`)
    /// and that what the remote has is a prefix of it.
    /// - Throws: ``LocalAuditBroken`` for a local chain that does not hold,
    ///   ``RemoteHistoryError`` when the remote's history is not this store's.
    func auditWork(_ listing: RemoteListing) throws -> AuditWork {
        let lines = try store.audit.read().lines
        let verification = AuditLog.verify(lines: lines, genesisHash: store.audit.genesisHash)
        if let problem = verification.problem { throw LocalAuditBroken(remote: remote.shown, problem: problem) }
        guard let head = listing.auditHead else {
            throw RemoteHistoryError(
                remote: remote.shown,
                problem: "its audit segments do not run from entry 1 without a gap: "
                    + listing.auditSegments.map(\.path).joined(separator: ", "))
        }
        if head.seq > 0 {
            guard head.seq <= lines.count, Self.hash(of: lines[head.seq - 1]).hasPrefix(head.hash) else {
                throw RemoteHistoryError(
                    remote: remote.shown,
                    problem: "its audit history differs from this store's at entry \(head.seq)"
                        + (head.seq > lines.count ? " (this store has only \(lines.count) entries)" : ""))
            }
        }
        func bytes(_ range: ClosedRange<Int>) -> [UInt8] {
            var bytes: [UInt8] = []
            for line in lines[(range.lowerBound - 1)...(range.upperBound - 1)] {
                bytes += line
                bytes.append(0x0a)
            }
            return bytes
        }
        var work = AuditWork(confirmedThrough: lines.count)
        let confirmed = store.remoteState(remote)?.auditConfirmed ?? 0
        for segment in listing.auditSegments where segment.to > confirmed {
            let expected = bytes(segment.from...segment.to)
            // Segments are moved into place whole: one of another size is not this store's.
            guard segment.size == Int64(expected.count) else {
                throw RemoteHistoryError(
                    remote: remote.shown, problem: "its audit segment \(segment.path) is not what this store wrote")
            }
            work.unconfirmed.append((segment.path, expected))
        }
        if lines.count > head.seq {
            let object = RemoteLayout.auditSegment(
                from: head.seq + 1, to: lines.count, hash: Self.hash(of: lines[lines.count - 1]))
            work.newSegment = (object, bytes((head.seq + 1)...lines.count), lines.count - head.seq)
        }
        return work
    }
}

/// This store's own audit chain does not hold: it is not sent off site (exit 4).
package struct LocalAuditBroken: SnapFailure, Equatable {
    package var remote: String
    package var problem: String
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "nothing was copied to remote \(remote): this store's audit log does not hold (\(problem)); "
            + "see \(Remedy.auditVerify) before copying a history that a rebuilt store would refuse"
    }
}
