import Foundation

/// A store's copy on an rclone remote (``RemoteLayout``), and the batch operations snap does
/// on it: one rclone process each, whatever the number of objects.
struct RemoteStore: Sendable {
    let remote: RemoteEntry
    let rclone: Rclone
    /// Where lists of object names are written for rclone's `--files-from` (a directory of
    /// the local store's, so that a crashed run's files are removed like other leftovers).
    let scratch: String

    init(_ remote: RemoteEntry, scratch: String, progress: (@Sendable (String) -> Void)? = nil) {
        self.remote = remote
        self.rclone = Rclone(remote: remote, progress: progress)
        self.scratch = scratch
    }

    /// The remote path of `object`.
    func path(_ object: String) -> String {
        remote.path.hasSuffix("/") || remote.path.hasSuffix(":") ? remote.path + object : remote.path + "/" + object
    }

    /// Every object under the remote's path, with its size; empty when nothing is there yet.
    func list() throws -> RemoteListing {
        // rclone's keys are capitalized.
        struct Item: Decodable {
            var path: String
            var size: Int64
            enum CodingKeys: String, CodingKey {
                case path = "Path", size = "Size"
            }
        }
        let (output, status) = try rclone.run(
            ["lsjson", "-R", "--files-only", "--no-mimetype", "--no-modtime", remote.path], what: "listing",
            allowedStatuses: [0, 3])
        guard status == 0 else { return RemoteListing() }
        do {
            let items = try JSONDecoder().decode([Item].self, from: Data(output.stdout))
            return RemoteListing(objects: Dictionary(items.map { ($0.path, $0.size) }, uniquingKeysWith: { a, _ in a }))
        } catch {
            throw OffsiteError.failed(
                remote: remote.shown, what: "listing", detail: "rclone lsjson printed no valid listing")
        }
    }

    /// Uploads `objects` (paths relative to `directory`, which are also their paths on the
    /// remote). An object already there is never rewritten (`--immutable`).
    func upload(_ objects: [String], from directory: String) throws {
        guard !objects.isEmpty else { return }
        try withList(objects) { list in
            _ = try rclone.run(
                ["copy", "--files-from-raw", list, "--no-traverse", "--immutable", directory, remote.path],
                what: "upload")
        }
    }

    /// Downloads `objects` into `directory` under their remote paths.
    func download(_ objects: [String], to directory: String) throws {
        guard !objects.isEmpty else { return }
        try withList(objects) { list in
            _ = try rclone.run(
                ["copy", "--files-from-raw", list, "--no-traverse", remote.path, directory], what: "download")
        }
    }

    /// Reads `objects` back from the remote and hashes them: their SHA-256 by path.
    /// - Throws: ``OffsiteError`` when any could not be read (nothing is judged then).
    func sha256(of objects: [String]) throws -> [String: String] {
        guard !objects.isEmpty else { return [:] }
        return try withList(objects) { list in
            let (output, _) = try rclone.run(
                ["hashsum", "sha256", "--download", "--files-from-raw", list, remote.path], what: "read-back")
            var sums: [String: String] = [:]
            for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].count == 64 else { continue }
                sums[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
            }
            return sums
        }
    }

    /// Moves `objects` (final paths, all in one directory) from under `incoming/` to their
    /// places, on the remote itself (a rename, or a server-side copy and delete).
    func moveIncoming(_ objects: [String]) throws {
        guard let first = objects.first, let slash = first.lastIndex(of: "/") else { return }
        let directory = String(first[..<slash])
        precondition(objects.allSatisfy { $0.hasPrefix(directory + "/") }, "one directory per move")
        try withList(objects.map { String($0.dropFirst(directory.count + 1)) }) { list in
            _ = try rclone.run(
                [
                    "move", "--files-from-raw", list, "--no-traverse", path(RemoteLayout.incoming + directory),
                    path(directory),
                ], what: "move into place")
        }
    }

    /// Deletes `objects` (what an interrupted copy left half-written, what a prune drops).
    func delete(_ objects: [String]) throws {
        guard !objects.isEmpty else { return }
        try withList(objects) { list in
            _ = try rclone.run(["delete", "--files-from-raw", list, remote.path], what: "deletion")
        }
    }

    /// The content of one small object.
    func read(_ object: String) throws -> [UInt8] {
        try rclone.run(["cat", path(object)], what: "read of \(object)").0.stdout
    }

    /// Runs `body` with a file listing `objects`, one per line, removed afterwards.
    private func withList<T>(_ objects: [String], _ body: (String) throws -> T) throws -> T {
        let list = scratch + "/" + FileOps.temporaryPrefix + "list-" + FileOps.randomHex(bytes: 6)
        try FileOps.writeAtomically(Array((objects.joined(separator: "\n") + "\n").utf8), to: list)
        defer { unlink(list) }
        return try body(list)
    }
}
