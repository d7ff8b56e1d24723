/// The tar of the snapshot `verify` checked last, kept for the next one: checked in version
/// order, each delta of a chain is read against the tar of the link before it, so a chain of
/// N is decoded once instead of N times (N²/2 links).
package final class DeltaTarCache {
    private var tar: DeltaReference?
    private let bases: Set<String>

    /// - Parameter records: the snapshots being checked; those that are a base of another
    ///   have their tar kept even when whole (read by streaming otherwise).
    package init(records: [SnapshotRecord]) {
        bases = Set(records.compactMap { $0.deltaBase?.snapshot })
    }

    /// The kept tar when it is `base`'s: it hashes as `base` names it (which holds too when
    /// the snapshot checked last shares its bundle with the base).
    func reference(for base: SnapshotRecord.DeltaBase) -> DeltaReference? {
        guard let tar, tar.sha256 == base.tarSha256 else { return nil }
        return tar
    }

    /// Whether some snapshot being checked is a delta of `record`.
    func isBase(_ record: SnapshotRecord) -> Bool { bases.contains(record.id) }

    /// Keeps `tar`, letting the one kept before go; nil keeps nothing.
    func keep(_ tar: DeltaReference?) {
        self.tar = tar
    }
}
