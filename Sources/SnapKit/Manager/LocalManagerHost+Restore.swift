import Foundation
import Glibc

extension LocalManagerHost {
    package func surveyMnesia() throws -> TargetDirectory { try TargetDirectory.survey(node.mnesiaDirectory) }

    package func spaceBesideMnesia() throws -> FreeSpace {
        var parent = FileOps.parent(of: node.mnesiaDirectory)
        while !FileOps.exists(parent) && parent.count > 1 {
            parent = FileOps.parent(of: parent)
        }
        var info = statvfs()
        guard statvfs(parent, &info) == 0 else { throw SystemError("check free space of", parent, .last) }
        return FreeSpace(path: parent, available: Int64(info.f_bavail) * Int64(info.f_frsize))
    }

    package func unpackOverhead(of record: SnapshotRecord) -> Int64 { 0 }

    package func rescueMnesia(to rescue: String) throws -> (files: Int, bytes: Int64) {
        let live = node.mnesiaDirectory
        try FileOps.makeDirectory(FileOps.parent(of: rescue))
        try FileOps.makeDirectory(rescue)
        if FileOps.exists(live) {
            for name in try FileOps.listDirectory(live) {
                try FileOps.move(live + "/" + name, to: rescue + "/" + name)
            }
            try FileOps.syncDirectory(live)
        }
        try FileOps.syncDirectory(rescue)
        return try TargetDirectory.contentSize(rescue)
    }

    package func rescuedNames(in rescue: String) throws -> [String] {
        try FileOps.listDirectory(rescue)
    }

    package func rescueDirectory(for layout: RestoreLayout) -> String { layout.rescue(node.name) }

    package func withRescuedFiles<T>(in rescue: String, _ body: (any CaptureBundler) throws -> T) throws -> T {
        try body(LocalBundler(BundleSources(mnesiaDirectory: rescue)))
    }

    package func discardRescue(_ rescue: String) throws { try FileOps.removeTree(rescue) }

    package func unpackSnapshot(_ record: SnapshotRecord, from store: Store, owner: TargetDirectory) throws {
        try unpackSnapshot(try store.bundleFile(of: record), owner: owner)
    }

    /// Unpacks the `mnesia/` files of `bundle` into the staging directory.
    func unpackSnapshot(_ bundle: BundleFile, owner: TargetDirectory) throws {
        let staging = RestoreLayout.staging(node.mnesiaDirectory)
        try FileOps.removeTree(staging)
        do {
            try unpackMnesia(of: bundle, to: staging, owner: owner)
        } catch {
            try? FileOps.removeTree(staging)  // half a snapshot is of no use to anyone
            throw error
        }
    }

    /// Unpacks the `mnesia/` files of `bundle` into a new directory `path`, every file
    /// checked as it is written, then owned and moded like `owner`, and fsynced.
    private func unpackMnesia(of bundle: BundleFile, to path: String, owner: TargetDirectory) throws {
        try owner.makeDirectory(path)
        try SnapshotContent.unpackMnesia(of: bundle, to: path)
        try FileOps.chownTree(path, uid: owner.uid, gid: owner.gid)
        try owner.apply(to: path)
        try FileOps.syncTree(path)
    }

    package func swapInStaging(expected: () throws -> BundleManifest) throws {
        let live = node.mnesiaDirectory
        let staging = RestoreLayout.staging(live)
        guard FileOps.exists(staging) else {
            // Renamed before an interruption: the snapshot's files must be what is in place.
            if let problem = try MnesiaFilesCheck.problem(of: live, against: try expected(), hashes: false) {
                throw RestoreCheckFailed(
                    detail: "\(staging) is gone and \(live) does not hold the snapshot's files (\(problem))")
            }
            return
        }
        if FileOps.exists(live) {
            guard try FileOps.listDirectory(live).isEmpty else {
                throw RestoreCheckFailed(detail: "\(live) is not empty after the rescue; something else wrote there")
            }
            if rmdir(live) != 0 { throw SystemError("remove directory", live, .last) }
        }
        try FileOps.rename(staging, to: live)
        try FileOps.syncDirectory(FileOps.parent(of: live))
    }

    package func putBack(_ previous: PreviousMnesiaFiles, from store: Store) throws {
        let needed = previous.liveWasReplaced && previous.original.existed
        let preRestore =
            needed ? try previous.preRestore.map { (id: $0.id, bundle: try store.bundleFile(of: $0)) } : nil
        try putBack(previous, preRestore: preRestore)
    }

    /// Puts the previous files back, checking a copy against `preRestore` (the pre-restore
    /// snapshot's id and bundle) where one is needed.
    func putBack(_ previous: PreviousMnesiaFiles, preRestore: (id: String, bundle: BundleFile)?) throws {
        let live = node.mnesiaDirectory
        try FileOps.removeTree(RestoreLayout.staging(live))  // the snapshot's files, never swapped in
        let original = previous.original
        guard previous.liveWasReplaced else {
            // Nothing but the rescue touched the directory: what it holds is the part of the
            // previous files not yet moved, the rescue folder the rest.
            let names = ((try? FileOps.listDirectory(previous.rescue)) ?? []).filter { !$0.hasSuffix(".snap-partial") }
            if !names.isEmpty && !FileOps.exists(live) { try original.makeDirectory(live) }
            for name in names { try FileOps.move(previous.rescue + "/" + name, to: live + "/" + name) }
            if FileOps.exists(live) {
                try FileOps.syncDirectory(live)
                if !original.existed, try FileOps.listDirectory(live).isEmpty, rmdir(live) != 0 {
                    throw SystemError("remove directory", live, .last)
                }
            }
            return
        }
        // The directory may hold the restore's files: it is swapped out only for a complete,
        // checked copy of the previous ones.
        let replacement = RestoreLayout.rollbackStaging(live)
        let discard = RestoreLayout.discard(live)
        try FileOps.removeTree(discard)
        try FileOps.removeTree(replacement)
        if original.existed {
            try buildReplacement(of: previous, at: replacement, from: preRestore)
        }
        if FileOps.exists(live) { try FileOps.rename(live, to: discard) }
        if FileOps.exists(replacement) { try FileOps.rename(replacement, to: live) }
        try FileOps.syncDirectory(FileOps.parent(of: live))
        try FileOps.removeTree(discard)
    }

    /// A copy of the previous files at `path`, checked file by file against their
    /// pre-restore snapshot: from the rescue folder when that is whole, else unpacked from
    /// the snapshot's bundle.
    private func buildReplacement(
        of previous: PreviousMnesiaFiles, at path: String, from preRestore: (id: String, bundle: BundleFile)?
    ) throws {
        let owner = previous.original
        guard let (id, bundle) = preRestore else {
            guard owner.files > 0 else {
                try owner.makeDirectory(path)
                return
            }
            throw RestoreCheckFailed(
                detail: "no pre-restore snapshot of \(node.name) records its previous files, so they cannot be "
                    + "checked; nothing was changed in \(node.mnesiaDirectory), they are in \(previous.rescue)")
        }
        let manifest = bundle.manifest
        let rescue = previous.rescue
        if FileOps.exists(rescue) {
            try FileOps.copyTree(from: rescue, to: path)
            if try MnesiaFilesCheck.problem(of: path, against: manifest, hashes: true) == nil {
                try owner.apply(to: path)
                try FileOps.syncTree(path)
                return
            }
            logger.warning(
                "\(rescue) does not match pre-restore snapshot \(id); unpacking the snapshot instead")
            try FileOps.removeTree(path)
        }
        try unpackMnesia(of: bundle, to: path, owner: owner)
    }
}
