import Foundation

extension RemoteManagerHost {
    package func surveyMnesia() throws -> TargetDirectory {
        guard let target = try call(request(.surveyMnesia)).target else {
            throw RemoteError.failed(host: self.target.shown, message: "no survey in the reply", status: 1)
        }
        return target
    }

    package func spaceBesideMnesia() throws -> FreeSpace {
        guard let space = try call(request(.spaceBesideMnesia)).space else {
            throw RemoteError.failed(host: target.shown, message: "no free space in the reply", status: 1)
        }
        return FreeSpace(path: space.path, available: space.available)
    }

    /// The bundle (its `.tar.zst`, decrypted here when it is encrypted) is received into
    /// `<home>/work` before it is unpacked.
    package func unpackOverhead(of record: SnapshotRecord) -> Int64 {
        record.encryption?.payloadSize ?? record.bundleSize
    }

    /// Beside the Mnesia directory on the manager's host, so that the rescue moves files
    /// within one file system there: `<parent>/.snap-rescue-<restore id>`.
    package func rescueDirectory(for layout: RestoreLayout) -> String {
        FileOps.parent(of: node.mnesiaDirectory) + "/" + Self.rescuePrefix + layout.id
    }

    /// How rescue folders on a manager's host begin (the agent serves no other path there
    /// that a request names, but for conf files).
    static let rescuePrefix = ".snap-rescue-"

    package func rescueMnesia(to rescue: String) throws -> (files: Int, bytes: Int64) {
        let reply = try call(request(.rescue) { $0.path = rescue })
        return (reply.files ?? 0, reply.bytes ?? 0)
    }

    package func rescuedNames(in rescue: String) throws -> [String] {
        try call(request(.rescuedNames) { $0.path = rescue }).names ?? []
    }

    package func discardRescue(_ rescue: String) throws { try call(request(.discardRescue) { $0.path = rescue }) }

    package func unpackSnapshot(_ record: SnapshotRecord, from store: Store, owner: TargetDirectory) throws {
        let bundle = try store.bundleFile(of: record).whole(in: store.bundlesDirectory)
        defer { if bundle.isTemporaryWhole { unlink(bundle.path) } }
        try call(
            request(.unpack) {
                $0.owner = owner
                $0.bundle = Self.payload(bundle)
            }, sending: bundle)
    }

    package func swapInStaging(expected: () throws -> BundleManifest) throws {
        // Sent along in case staging is gone there; only read then.
        let manifest = try? expected().encoded()
        try call(
            request(.swapIn) {
                $0.bundle = manifest.map { BundlePayload(sha256: "", manifest: Data($0).base64EncodedString()) }
            })
    }

    package func putBack(_ previous: PreviousMnesiaFiles, from store: Store) throws {
        let needed = previous.liveWasReplaced && previous.original.existed
        let bundle =
            needed
            ? try previous.preRestore.map { try store.bundleFile(of: $0).whole(in: store.bundlesDirectory) } : nil
        defer { if let bundle, bundle.isTemporaryWhole { unlink(bundle.path) } }
        try call(
            request(.putBack) {
                $0.previous = PreviousPayload(
                    rescue: previous.rescue, original: previous.original, liveWasReplaced: previous.liveWasReplaced,
                    preRestoreId: previous.preRestore?.id)
                $0.bundle = bundle.map(Self.payload)
            }, sending: bundle)
    }

    static func payload(_ bundle: BundleFile) -> BundlePayload {
        BundlePayload(sha256: bundle.payloadSha256, manifest: Data(bundle.manifestBytes).base64EncodedString())
    }
}
