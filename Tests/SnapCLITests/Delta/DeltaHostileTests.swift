import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// Delta bundles that are not what snap writes (a second frame, no content size, a content
/// size past the limit), sealed into their records as if snap had written them, and a
/// `$TMPDIR` without room: each is refused with what is wrong, the store is left as it was,
/// and a restore refuses before it stops a manager. And a `$TMPDIR` whose file system has no
/// `O_TMPFILE`, where the archives go to files unlinked as soon as they are made.
@Suite struct DeltaHostileTests {
    /// A chain of two captures (a whole bundle, then a delta of it) and both tars, decoded
    /// with zstd into `work`: `B0.tar` and `B1.tar`.
    static func chainOfTwo(_ label: String) throws -> (store: DeltaStore, ids: [String], work: String) {
        let store = try DeltaStore(label)
        let chain = try store.chain(2)
        let ids = try chain.map { try #require($0["id"] as? String) }
        try #require(DeltaStore.base(of: chain[1]) == ids[0])
        let work = store.fixture.directory("by-hand")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try DeltaRecoveryTests.run("/usr/bin/zstd", ["-q", "-d", store.bundle(of: chain[0]), "-o", "B0.tar"], in: work)
        try DeltaRecoveryTests.run(
            "/usr/bin/zstd", ["-q", "-d", "--patch-from=B0.tar", store.bundle(of: chain[1]), "-o", "B1.tar"], in: work)
        return (store, ids, work)
    }

    /// Puts the file at `forged` in the store as the bundle of snapshot `id`: under its
    /// SHA-256, with the manifest beside it, and the record naming it sealed again (what a
    /// writer that had the store's files, but not snap, could leave).
    static func forge(_ forged: String, as id: String, in store: DeltaStore) throws {
        let recordPath = store.store + "/snapshots/\(id).json"
        let record = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: recordPath)))
                as? [String: Any])
        let old = try #require(record["bundle_sha256"] as? String)
        let sha = try DeltaStore.sha256(forged)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: forged)[.size] as? Int)
        let bundles = store.store + "/bundles/"
        try FileManager.default.copyItem(atPath: forged, toPath: bundles + "\(sha).tar.zst")
        try FileManager.default.copyItem(
            atPath: bundles + "\(old).manifest.json", toPath: bundles + "\(sha).manifest.json")
        try RecordFile.edit(recordPath, store: store.store) {
            $0["bundle_sha256"] = sha
            $0["bundle_size"] = size
        }
    }

    /// The ways a delta can be other than one frame that says its size, and what snap says.
    enum Forgery: String, CaseIterable, Sendable, CustomStringConvertible {
        case secondFrame = "a second zstd frame after the delta"
        case noContentSize = "a delta frame without its content size"
        case pastTheLimit = "a delta frame whose content is past the base limit"

        var description: String { rawValue }

        /// What snap's refusal says.
        var said: String {
            switch self {
            case .secondFrame: "holds one zstd frame"
            case .noContentSize: "says its content size"
            case .pastTheLimit: "unpacking would exceed \(DeltaReference.maxBytes) bytes"
            }
        }

        /// Makes the forged bundle in `work` from `B0.tar` and `B1.tar`; returns its path.
        func make(in work: String) throws -> String {
            switch self {
            case .secondFrame:
                try Data("more\n".utf8).write(to: URL(fileURLWithPath: work + "/more.txt"))
                try DeltaRecoveryTests.run(
                    "/usr/bin/zstd", ["-q", "-f", "--patch-from=B0.tar", "B1.tar", "-o", "delta.zst"], in: work)
                try DeltaRecoveryTests.run("/usr/bin/zstd", ["-q", "-f", "more.txt", "-o", "more.zst"], in: work)
                let both =
                    try Data(contentsOf: URL(fileURLWithPath: work + "/delta.zst"))
                    + Data(contentsOf: URL(fileURLWithPath: work + "/more.zst"))
                try both.write(to: URL(fileURLWithPath: work + "/forged.zst"))
            case .noContentSize:
                try DeltaRecoveryTests.run(
                    "/usr/bin/zstd",
                    ["-q", "-f", "--patch-from=B0.tar", "--no-content-size", "B1.tar", "-o", "forged.zst"], in: work)
            case .pastTheLimit:
                // The tar with zeros after it: a few KiB of frame that declares 29 MiB.
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: work + "/B1.tar"))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(count: DeltaReference.maxBytes + (1 << 20)))
                try handle.close()
                try DeltaRecoveryTests.run(
                    "/usr/bin/zstd", ["-q", "-f", "--patch-from=B0.tar", "B1.tar", "-o", "forged.zst"], in: work)
            }
            return work + "/forged.zst"
        }
    }

    @Test(arguments: Forgery.allCases)
    func aForgedDeltaIsRefusedAndTheRestStaysReadable(forgery: Forgery) throws {
        let (store, ids, work) = try Self.chainOfTwo("delta-forged-\(Forgery.allCases.firstIndex(of: forgery)!)")
        try Self.forge(try forgery.make(in: work), as: ids[1], in: store)
        // Scratch on a small file system of its own: room for the base's tar, not for 29 MiB,
        // so a limit checked only after the space was taken would fail differently.
        let scratch = try SmallFileSystem("delta-forged-tmp", kilobytes: 8 * 1024)
        let environment = ["TMPDIR": scratch.path]

        let verify = try store.fixture.snap(["verify", ids[1]], environment: environment)
        #expect(verify.status == 4, "\(verify.stdout)\(verify.stderr)")
        #expect((verify.stdout + verify.stderr).contains(forgery.said), "\(verify.stdout)\(verify.stderr)")
        let out = store.fixture.directory("out")
        let extract = try store.fixture.snap(["extract", ids[1], "--to", out], environment: environment)
        #expect(extract.status == 4, "\(extract.stdout)\(extract.stderr)")
        #expect(extract.stderr.contains(forgery.said), "\(extract.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing unpacked")
        // The base still reads back whole.
        #expect(try store.fixture.snap(["verify", ids[0]], environment: environment).status == 0)
        try store.expectExtractMatchesSource(ids[0], version: 1)
    }

    @Test func aFullTemporaryDirectoryIsSaidAsSuchAndACaptureStaysWhole() throws {
        let (store, ids, _) = try Self.chainOfTwo("delta-tmp-full")
        let scratch = try SmallFileSystem("delta-tmp-full-tmp", kilobytes: 16 * 1024)
        try scratch.fill(leavingPages: 0)
        let environment = ["TMPDIR": scratch.path]
        let out = store.fixture.directory("out")

        let extract = try store.fixture.snap(["extract", ids[1], "--to", out], environment: environment)
        #expect(extract.status == 1, "\(extract.stdout)\(extract.stderr)")
        #expect(extract.stderr.contains("\(scratch.path) (TMPDIR): no space left"), "\(extract.stderr)")
        #expect(extract.stderr.contains("set TMPDIR"), "\(extract.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing unpacked")
        // No room to read is not damage: verify says what is wrong, and no snapshot failed.
        let verify = try store.fixture.snap(["verify", ids[1]], environment: environment)
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("UNREAD  \(ids[1])"), "\(verify.stdout)")
        #expect(verify.stderr.contains("could not be read or rehearsed for want of room"), "\(verify.stderr)")
        #expect((verify.stdout + verify.stderr).contains("(TMPDIR): no space left"), "\(verify.stdout)\(verify.stderr)")
        #expect(!verify.stdout.contains("FAILED"), "\(verify.stdout)")
        // Nor is it rehearsed (that needs the same room): listed once, and counted once.
        let load = try store.fixture.snap(["verify", "--load", ids[1]], environment: environment)
        #expect(load.status == 1, "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.components(separatedBy: "UNREAD").count == 2, "\(load.stdout)")
        #expect(load.stdout.contains("verified 1 snapshots: 0 ok, 0 failed, 1 could not be read"), "\(load.stdout)")
        // Among other snapshots, the rest are still checked, and damage found still fails (exit 4).
        let other = try #require(try store.capture(node: "manager_1").record["id"] as? String)
        var generator = SeededGenerator(seed: 27)
        let otherRecord = try #require(
            try JSONSerialization.jsonObject(with: Data(store.fixture.snap(["show", other, "--json"]).stdout.utf8))
                as? [String: Any])
        try FileDamage.flipByte.apply(
            to: store.bundle(of: try #require(otherRecord["snapshot"] as? [String: Any])), using: &generator)
        let all = try store.fixture.snap(["verify", "--all"], environment: environment)
        #expect(all.status == 4, "\(all.stdout)\(all.stderr)")
        #expect(all.stdout.contains("FAILED  \(other)"), "\(all.stdout)")
        #expect(all.stdout.contains("UNREAD  \(ids[1])"), "\(all.stdout)")
        #expect(all.stdout.contains("3 snapshots: 1 ok, 1 failed, 1 could not be read"), "\(all.stdout)")
        let listed = try #require(
            try JSONSerialization.jsonObject(with: Data(store.fixture.snap(["list", "--json"]).stdout.utf8))
                as? [[String: Any]])
        for record in listed where record["node"] as? String == "manager_0" {
            let verdict = record["verification"] as? [String: Any]
            #expect(verdict == nil || verdict?["ok"] as? Bool == true, "no verdict of damage recorded: \(record)")
        }

        // A capture without room for its base's tar is written whole, and says why without -v.
        try store.change(2)
        let created = try store.fixture.snap(
            [
                "create", "--from-dir", store.mnesia, "--node", "manager_0", "--dump", store.fixture.dump, "--policy",
                store.policy, "--json",
            ], environment: environment)
        #expect(created.status == 0, "\(created.stdout)\(created.stderr)")
        let record = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(record["delta_base"] == nil, "\(created.stdout)")
        #expect(
            created.stderr.contains("written as a whole bundle, not as a delta: the base v2"), "\(created.stderr)")
        #expect(created.stderr.contains("no space left"), "\(created.stderr)")

        // With the room back, every snapshot of the node verifies and the chain goes on from the whole one.
        try scratch.unfill()
        let node = try store.fixture.snap(["verify", ids[0], ids[1], "latest"], environment: environment)
        #expect(node.status == 0, "\(node.stdout)\(node.stderr)")
        try store.change(3)
        let next = try store.capture().record
        #expect(DeltaStore.base(of: next) == record["id"] as? String)
        try store.expectExtractMatchesSource(ids[1], version: 2)
    }

    @Test func aRestoreWithoutRoomToReadItsDeltaStopsNoManager() throws {
        let (pair, records, _) = try DeltaChainTests.liveChain("delta-restore-tmp", captures: 2)
        let chosen = try #require(records[1]["id"] as? String)
        #expect(DeltaStore.base(of: records[1]) == records[0]["id"] as? String)
        let before = try (0..<2).map { try DeltaChainTests.users(pair, $0) }
        let extra = try pair.console(0, "create-user \(DeltaChainTests.userNames[2])")
        try #require(extra.contains("access-key-id"), "\(extra)")
        let scratch = try SmallFileSystem("delta-restore-tmp-tmp", kilobytes: 16 * 1024)
        try scratch.fill(leavingPages: 0)

        let result = try pair.snap(
            ["restore", chosen, "--to", "manager_0", "--to", "manager_1", "--yes"],
            environment: ["TMPDIR": scratch.path])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("could not be read to check it, so nothing was touched"), "\(result.stderr)")
        #expect(result.stderr.contains("(TMPDIR): no space left"), "\(result.stderr)")
        // Both managers ran through it, holding what they held (the user made after the capture too).
        for index in 0..<2 {
            #expect(try pair.control(index, ["ping"]).status == 0)
            let users = try DeltaChainTests.users(pair, index)
            #expect(users.isSuperset(of: before[index]), "manager_\(index): \(users)")
        }
        #expect(try DeltaChainTests.users(pair, 0).contains(DeltaChainTests.userNames[2]))
    }

    @Test func aTemporaryDirectoryWithoutOTmpfileGetsUnlinkedFiles() throws {
        let store = try DeltaStore("delta-no-tmpfile")
        let chain = try store.chain(2)
        let ids = try chain.map { try #require($0["id"] as? String) }
        // bindfs (FUSE) passes files through to a directory and has no O_TMPFILE (EOPNOTSUPP).
        let scratch = try BindMount("delta-no-tmpfile-tmp")
        let probe = open(scratch.path, O_RDWR | 0o20_200_000, 0o600)
        #expect(probe < 0 && errno == EOPNOTSUPP, "bindfs gave O_TMPFILE a file (\(probe)), or another error")
        if probe >= 0 { close(probe) }
        let environment = ["TMPDIR": scratch.path]

        // A delta made there, of a delta, and every link read back there.
        try store.change(2)
        let created = try store.fixture.snap(
            [
                "create", "--from-dir", store.mnesia, "--node", "manager_0", "--dump", store.fixture.dump, "--policy",
                store.policy, "--json", "-v",
            ], environment: environment)
        #expect(created.status == 0, "\(created.stdout)\(created.stderr)")
        let record = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(DeltaStore.base(of: record) == ids[1], "\(created.stderr)")
        let all = try store.fixture.snap(["verify", "--all"], environment: environment)
        #expect(all.status == 0, "\(all.stdout)\(all.stderr)")
        let newest = try #require(record["id"] as? String)
        let out = store.fixture.directory("out")
        let extract = try store.fixture.snap(["extract", newest, "--to", out], environment: environment)
        #expect(extract.status == 0, "\(extract.stdout)\(extract.stderr)")
        try FileManager.default.copyItem(atPath: store.mnesia, toPath: store.source(3))
        #expect(
            try RestoreTests.relativeFingerprint(out + "/mnesia") == RestoreTests.relativeFingerprint(store.source(3)))
        // Nothing left behind, on the mount or in the directory under it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.backing) == [])
    }
}

extension DeltaHostileTests {
    @Test func aRehearsalWithoutRoomIsNoVerdict() throws {
        let fixture = try StoreFixture("load-no-room")
        let created = try fixture.snap(
            ["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", fixture.dump, "--json"])
        try #require(created.status == 0, "\(created.stderr)")
        let scratch = try SmallFileSystem("load-no-room-tmp", kilobytes: 1024)
        try scratch.fill(leavingPages: 0)

        let load = try fixture.snap(["verify", "--load", "latest"], environment: ["TMPDIR": scratch.path])
        #expect(load.status == 1, "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.contains("UNREAD") && load.stdout.contains("not rehearsed"), "\(load.stdout)")
        #expect(!load.stdout.contains("FAILED"), "\(load.stdout)")
        #expect(load.stdout.contains("verified 1 snapshots: 0 ok, 0 failed, 1 could not be read"), "\(load.stdout)")
        // The snapshot verified, and no load verdict was recorded.
        let shown = try fixture.snap(["show", "latest", "--json"])
        let record = try #require(
            (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["snapshot"]
                as? [String: Any])
        #expect(record["load"] == nil, "\(record)")
        #expect((record["verification"] as? [String: Any])?["ok"] as? Bool == true, "\(record)")
    }
}

/// A directory mounted with bindfs (FUSE) for one test, unmounted when released: a real file
/// system without `O_TMPFILE`. Mounting needs root and /dev/fuse, which CI has: without them
/// the test fails, it is not skipped.
final class BindMount: Sendable {
    let directory: TemporaryDirectory
    /// bindfs in the foreground (a daemon would hold open what the test runner waits on).
    private let process: RunningProcess
    var path: String { directory("mnt") }
    /// The directory the mount shows.
    var backing: String { directory("backing") }

    init(_ label: String) throws {
        directory = TemporaryDirectory(label)
        for name in ["mnt", "backing"] {
            try FileManager.default.createDirectory(atPath: directory(name), withIntermediateDirectories: true)
        }
        process = try ProcessRunner.start("/usr/bin/bindfs", ["-f", directory("backing"), directory("mnt")])
        let deadline = Date().addingTimeInterval(10)
        while !Self.isMounted(directory("mnt")) {
            guard process.process.isRunning, Date() < deadline else {
                process.signal(SIGKILL)
                let result = process.wait()
                throw FixtureError(
                    message: "cannot mount bindfs (apt-get install bindfs; run as root): \(result.stderr)")
            }
            usleep(20_000)
        }
    }

    deinit {
        if (try? ProcessRunner.run("/bin/umount", [path]))?.status != 0 {
            _ = try? ProcessRunner.run("/bin/umount", ["-l", path])
        }
        _ = process.wait()
    }

    private static func isMounted(_ path: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == Substring(path) }
    }
}
