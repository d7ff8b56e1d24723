import Foundation
import Synchronization

/// How a policy's captures chain as delta bundles (`delta: {max_chain, max_ratio}`).
package struct DeltaSettings: Sendable, Equatable {
    /// Deltas in a row after a whole bundle; the next capture is whole again.
    package var maxChain: Int
    /// A chain whose deltas' bytes would pass this many times its whole bundle's ends: the
    /// capture is written whole instead.
    package var maxRatio: Double

    package init(maxChain: Int, maxRatio: Double) {
        self.maxChain = maxChain
        self.maxRatio = maxRatio
    }

    /// What `delta:` means when it leaves a key out.
    package static let standard = DeltaSettings(maxChain: 24, maxRatio: 1.0)
    /// The longest chain a policy may ask for.
    static let chainLimit = 1000
}

/// A delta's base that cannot be used: gone, or damaged. Exit 4, as a damaged bundle.
package struct DeltaBaseError: SnapFailure {
    /// The snapshot whose content needs the base.
    package var snapshot: String
    /// The base (or the base's base...) at fault, as `v41 (id)`.
    package var base: String
    /// What is wrong with it.
    package var detail: String

    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "snapshot \(snapshot) is a delta that needs \(base), and \(detail); restore from another snapshot "
            + "(\(Remedy.verifyAll) lists every one this breaks)"
    }
}

/// Records by id and by the SHA-256 of their tar: where a chain's links are looked up.
package struct DeltaLinks: Sendable {
    let byId: [String: SnapshotRecord]
    let byTar: [String: SnapshotRecord]

    package init(_ records: [SnapshotRecord]) {
        byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        byTar = Dictionary(
            records.compactMap { record in record.tarSha256.map { ($0, record) } },
            uniquingKeysWith: { first, _ in first })
    }
}

extension Store {
    /// The snapshots `record`'s bundle needs to be read, base first: a whole bundle, then
    /// each delta up to `record`'s own base. Empty when `record` is a whole bundle.
    /// - Throws: ``DeltaBaseError`` when a base's record is gone.
    package func deltaChain(of record: SnapshotRecord, in records: [SnapshotRecord]) throws -> [SnapshotRecord] {
        try Self.deltaChain(of: record, in: records)
    }

    /// ``deltaChain(of:in:)`` of any set of records (the store's, or a remote's).
    package static func deltaChain(of record: SnapshotRecord, in records: [SnapshotRecord]) throws
        -> [SnapshotRecord]
    {
        try deltaChain(of: record, in: DeltaLinks(records))
    }

    /// ``deltaChain(of:in:)`` through an index made once, for callers that walk many chains.
    package static func deltaChain(of record: SnapshotRecord, in links: DeltaLinks) throws -> [SnapshotRecord] {
        var chain: [SnapshotRecord] = []
        var link = record
        while let base = link.deltaBase {
            guard
                let found = links.byId[base.snapshot]
                    ?? links.byTar[base.tarSha256].flatMap({ $0.id == link.id ? nil : $0 })
            else {
                throw DeltaBaseError(
                    snapshot: record.id, base: "v\(base.version) (\(base.snapshot))", detail: "its record is gone")
            }
            guard chain.count < DeltaSettings.chainLimit, !chain.contains(where: { $0.id == found.id }) else {
                throw DeltaBaseError(
                    snapshot: record.id, base: "v\(found.version) (\(found.id))", detail: "the chain loops")
            }
            chain.insert(found, at: 0)
            link = found
        }
        return chain
    }

    /// Decodes `record`'s chain and returns its base's tar, checked link by link: each bundle
    /// hashes to its record and each frame to its own checksum (a link decoded against any
    /// other base fails it); with `hashingContent` (`verify`), each decoded tar also hashes
    /// to the SHA-256 its dependent names. Nil for a whole bundle.
    /// - Throws: ``DeltaBaseError`` naming the first link that is gone or damaged.
    package func deltaReference(
        for record: SnapshotRecord, in records: [SnapshotRecord], hashingContent: Bool = false
    ) throws -> DeltaReference? {
        guard let base = record.deltaBase else { return nil }
        // A restore unpacks the same snapshot for each target, its managers stopped: the
        // chain is decoded once (the bundles were checked then; a file changed since fails
        // its frame's checksum).
        let key = root + "\u{0}" + base.snapshot + "\u{0}" + base.tarSha256
        if !hashingContent, let reference = Self.lastReference.withLock({ $0?.key == key ? $0?.reference : nil }) {
            return reference
        }
        let reference = try decodeChain(of: record, in: records, hashingContent: hashingContent)
        Self.lastReference.withLock { $0 = reference.map { (key, $0) } }
        return reference
    }

    /// The base tar ``deltaReference(for:in:hashingContent:)`` gave out last, by store, base
    /// snapshot and tar SHA-256.
    private static let lastReference = Mutex<(key: String, reference: DeltaReference)?>(nil)

    private func decodeChain(of record: SnapshotRecord, in records: [SnapshotRecord], hashingContent: Bool) throws
        -> DeltaReference?
    {
        let chain = try deltaChain(of: record, in: records)
        var reference: DeltaReference?
        for (index, link) in chain.enumerated() {
            let named = "v\(link.version) (\(link.id))"
            let expected = (chain.indices.contains(index + 1) ? chain[index + 1] : record).deltaBase?.tarSha256
            let path = bundlePath(of: link)
            guard FileOps.exists(path) else {
                throw DeltaBaseError(snapshot: record.id, base: named, detail: "its bundle \(path) is missing")
            }
            do {
                // A damaged age header is damage, not a missing key.
                let spooled = try BundleKeyError.sayingDamage(of: path, recorded: link.bundleSha256) {
                    try BundleArchive.spool(path, keys: keys, reference: reference, hashing: hashingContent)
                }
                // The base this link was decoded against goes before the link's own tar comes in.
                reference = nil
                reference = try spooled.load(sha256: hashingContent ? nil : expected)
                let digest = spooled.digest
                guard digest.file.sha256 == link.bundleSha256 else {
                    throw DeltaBaseError(
                        snapshot: record.id, base: named,
                        detail: "its bundle hashes to \(digest.file.sha256), not to its name")
                }
                guard !hashingContent || digest.tar.sha256 == expected else {
                    throw DeltaBaseError(
                        snapshot: record.id, base: named,
                        detail: "its content hashes to \(digest.tar.sha256), not \(expected ?? "?")")
                }
            } catch let error as DeltaBaseError {
                throw error
            } catch let error as BundleKeyError {
                throw error
            } catch let error as Interrupted {
                throw error
            } catch let error as SystemError where error.path != path {
                // The temporary files' space, not the link: said as it is, not as damage.
                throw error
            } catch {
                throw DeltaBaseError(snapshot: record.id, base: named, detail: "it is damaged: \(error)")
            }
        }
        return reference
    }
}
