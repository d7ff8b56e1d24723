import Crypto
import Foundation

/// What the local store remembers about one remote (`remotes/<name>.json`): whose copies the
/// remote holds, as last checked, and where `verify --remote --sample` goes on.
struct RemoteState: Codable, Sendable, Equatable, SnakeCaseKeys {
    /// The SHA-256 of the remote's path when its `store.json` was last read (another path is
    /// read again); a digest, since a path may carry credentials.
    var pathDigest: String
    /// True once the remote's `store.json` was seen to carry this store's id.
    var storeConfirmed: Bool
    /// The random salt that spreads objects over the sample's slices.
    var sampleSalt: String?
    /// The slice the next sampled verify reads, by the number of slices it cuts the bundles
    /// into (100 / percent, rounded up): runs with different percentages each keep their round.
    var nextSlices: [String: Int]?
    /// The last audit entry whose segment on the remote was read back good.
    var auditConfirmed: Int?

    enum CodingKeys: String, CodingKey {
        case pathDigest = "path_digest", storeConfirmed = "store_confirmed", sampleSalt = "sample_salt"
        case nextSlices = "next_slices", auditConfirmed = "audit_confirmed"
    }
}

extension RemoteState {
    /// A fresh state for `remote`.
    init(for remote: RemoteEntry, storeConfirmed: Bool) {
        self.init(pathDigest: Self.digest(of: remote), storeConfirmed: storeConfirmed)
    }

    static func digest(of remote: RemoteEntry) -> String { SHA256.hex(of: Array(remote.path.utf8)) }
}

extension Store {
    /// `remotes/`: what the store keeps about its remotes.
    var remotesDirectory: String { root + "/remotes" }

    func remoteStatePath(_ name: String) -> String { remotesDirectory + "/\(name).json" }

    /// What the store remembers of `remote`, if anything (a damaged file is forgotten: it is
    /// only a cache of what the remote says).
    func remoteState(_ remote: RemoteEntry) -> RemoteState? {
        guard let bytes = try? FileOps.readFile(remoteStatePath(remote.name)),
            let state = try? JSONCoding.decode(RemoteState.self, from: bytes, path: remoteStatePath(remote.name)),
            state.pathDigest == RemoteState.digest(of: remote)
        else { return nil }
        return state
    }
}

extension LockedStore {
    /// Writes what the store remembers of a remote.
    func save(_ state: RemoteState, of remote: RemoteEntry) throws {
        try FileOps.makeDirectory(store.remotesDirectory)
        try FileOps.writeAtomically(try JSONCoding.encode(state), to: store.remoteStatePath(remote.name))
    }

    /// A private directory under the store for one run's downloads and lists, removed by
    /// `body`'s end (and by the next locked run if snap dies first).
    func withScratch<T>(_ body: (String) throws -> T) throws -> T {
        let path = store.root + "/" + FileOps.temporaryPrefix + "offsite-" + FileOps.randomHex(bytes: 6)
        try FileOps.makeDirectory(path)
        defer { try? FileOps.removeTree(path) }
        return try body(path)
    }
}
