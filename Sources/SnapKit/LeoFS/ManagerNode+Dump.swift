import Foundation
import Glibc

extension ManagerNode {
    /// Name prefix of the private dump directories snap makes in `<home>/work/`.
    static let dumpDirectoryPrefix = ".snap-dump-"

    /// Runs `body` with a dump path in a new private directory under `<home>/work/`, owned
    /// like the Mnesia directory because the node writes (and reads) dumps as its own user.
    /// The directory is removed afterwards.
    func withPrivateDumpPath<T>(_ body: (String) throws -> T) throws -> T {
        let directory = home + "/work/" + Self.dumpDirectoryPrefix + FileOps.randomHex(bytes: 6)
        try FileOps.makeDirectory(directory)
        defer { try? FileOps.removeTree(directory) }
        if let owner = try FileOps.status(mnesiaDirectory) { chown(directory, owner.st_uid, owner.st_gid) }
        return try body(directory + "/mnesia.dump")
    }

    /// Removes dump directories a crashed snap left in `<home>/work/`.
    func removeStaleDumpDirectories() {
        let work = home + "/work"
        for name in (try? FileOps.listDirectory(work)) ?? [] where name.hasPrefix(Self.dumpDirectoryPrefix) {
            try? FileOps.removeTree(work + "/" + name)
        }
    }
}
