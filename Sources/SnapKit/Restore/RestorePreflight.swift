import Foundation
import Glibc

/// Checks made before a restore touches anything.
public enum RestorePreflight {
    /// The snapshot verifies (bundle and every file) and there is room for the unpacked
    /// content beside each target and for the rescued files in the store.
    /// - Throws: ``RestoreError/snapshotDamaged(snapshot:problem:)`` or ``RestoreError/noSpace(path:needed:available:)``.
    public static func check(_ record: SnapshotRecord, in store: Store, targets: [ManagerNode]) throws {
        let problems = VerifyOperation.problems(of: record, check: BundleCheck.run(record, in: store))
        if let first = problems.first { throw RestoreError.snapshotDamaged(snapshot: record.id, problem: first) }
        var rescued: Int64 = 0
        for target in targets {
            let current = try treeSize(target.mnesiaDirectory)
            rescued += current
            let parent = (target.mnesiaDirectory as NSString).deletingLastPathComponent
            try requireSpace(record.unpackedSize, at: parent)
        }
        // The rescued files and their pre-restore bundle (at most as large) go to the store.
        try requireSpace(rescued * 2, at: store.root)
    }

    /// Bytes of the regular files under `path`.
    static func treeSize(_ path: String) throws -> Int64 {
        guard let info = try FileOps.status(path) else { return 0 }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return try FileOps.listDirectory(path).reduce(0) { $0 + (try treeSize(path + "/" + $1)) }
        }
        return (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
    }

    private static func requireSpace(_ needed: Int64, at path: String) throws {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw SystemError("check free space of", path, .last) }
        let available = Int64(info.f_bavail) * Int64(info.f_frsize)
        // Keep a margin: the file system should not end the restore full.
        let margin: Int64 = 16 << 20
        // `needed` comes from the record, which a damaged store may hold any number in.
        let (total, overflow) = needed.addingReportingOverflow(margin)
        if overflow || available < total {
            throw RestoreError.noSpace(path: path, needed: overflow ? .max : total, available: available)
        }
    }
}
