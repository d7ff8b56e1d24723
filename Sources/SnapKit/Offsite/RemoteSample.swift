import Crypto
import Foundation

/// Which bundles a sampled `verify --remote --sample PERCENT` reads, so that every bundle is
/// read within ceil(100 / PERCENT) runs.
///
/// Each bundle falls in one of N = ceil(100 / PERCENT) slices by a keyed hash of its SHA-256
/// (the key is random per store and remote, kept in `remotes/<name>.json`), and run k reads
/// slice k mod N: the slices are random-looking, disjoint and cover every bundle, so N
/// consecutive runs read each bundle there at least once. A bundle added later is read
/// within N runs of its arrival. Each N keeps its own round, so runs with another PERCENT
/// in between (a weekly 25% beside a daily 10%) do not restart it.
struct RemoteSample: Sendable, Equatable {
    /// The number of slices.
    var slices: Int
    /// The slice this run reads.
    var slice: Int
    /// The key of the slicing hash.
    var salt: String

    /// The sample for `percent` (in 1...100), going on from `state`.
    init(percent: Int, state: RemoteState?) {
        slices = max(1, Int((100.0 / Double(percent)).rounded(.up)))
        salt = state?.sampleSalt ?? FileOps.randomHex(bytes: 16)
        slice = (state?.nextSlices?[String(slices)] ?? 0) % slices
    }

    /// Whether this run reads the bundle `sha256`.
    func includes(_ sha256: String) -> Bool {
        Self.slice(of: sha256, salt: salt, slices: slices) == slice
    }

    static func slice(of sha256: String, salt: String, slices: Int) -> Int {
        let digest = Array(SHA256.hash(data: Array((salt + ":" + sha256).utf8)))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(value % UInt64(slices))
    }

    /// `state` after this run completed.
    func advanced(_ state: RemoteState) -> RemoteState {
        var next = state
        next.sampleSalt = salt
        next.nextSlices = (state.nextSlices ?? [:]).merging([String(slices): (slice + 1) % slices]) { $1 }
        return next
    }
}
