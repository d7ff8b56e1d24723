import Foundation
import Glibc
import SnapKit
import SnapTestSupport
import Testing

@Suite struct LockTests {
    /// Starts a create that holds the lock for `seconds` and waits until it has it.
    func holdLock(_ fixture: StoreFixture, seconds: Double) throws -> RunningProcess {
        let holder = try SnapBinary.start(
            ["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--store", fixture.store],
            environment: ["SNAP_DEBUG_HOLD_LOCK_SECONDS": String(seconds)])
        for _ in 0..<200 {
            let note = (try? String(contentsOfFile: fixture.store + "/lock", encoding: .utf8)) ?? ""
            if note.contains("\"pid\":\(holder.process.processIdentifier)") { return holder }
            usleep(20_000)
        }
        Issue.record("the first writer never took the lock")
        return holder
    }

    @Test func secondWriterExits11NamingTheHolder() throws {
        let fixture = try StoreFixture("lock-busy")
        let holder = try holdLock(fixture, seconds: 3)
        let second = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_1"])
        #expect(second.status == 11)
        #expect(second.stderr.contains("locked by pid \(holder.process.processIdentifier)"), "\(second.stderr)")
        #expect(second.stderr.contains("snap create"))
        #expect(second.stderr.contains("--wait"))
        #expect(holder.wait().status == 0)
        #expect(try fixture.list().count == 1)
    }

    @Test func deletingTheLockFileLetsNoSecondWriterIn() throws {
        let fixture = try StoreFixture("lock-deleted")
        let holder = try holdLock(fixture, seconds: 3)
        try FileManager.default.removeItem(atPath: fixture.store + "/lock")
        let second = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_1"])
        #expect(second.status == 11, "\(second.stderr)")
        #expect(holder.wait().status == 0)
        #expect(try fixture.list().count == 1)
    }

    /// What `flock STORE/lock rsync ...` does, from this process.
    @Test func anOperatorsFlockOnTheLockFileKeepsWritersOut() throws {
        let fixture = try StoreFixture("lock-operator")
        let fd = open(fixture.store + "/lock", O_RDWR)
        try #require(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let blocked = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_1"])
        #expect(blocked.status == 11, "\(blocked.stderr)")
        close(fd)
        let after = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_1"])
        #expect(after.status == 0, "\(after.stderr)")
    }

    @Test func withWaitBothWritersSucceed() throws {
        let fixture = try StoreFixture("lock-wait")
        let holder = try holdLock(fixture, seconds: 1)
        let second = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_1", "--wait", "30"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(holder.wait().status == 0)
        let versions = try fixture.list().compactMap { $0["version"] as? Int }
        #expect(versions == [2, 1])
    }

    @Test func aKilledHolderBlocksNobody() throws {
        let fixture = try StoreFixture("lock-dead")
        let holder = try holdLock(fixture, seconds: 30)
        kill(holder.process.processIdentifier, SIGKILL)
        _ = holder.wait()
        let next = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_0"])
        #expect(next.status == 0, "\(next.stderr)")
    }

    @Test func leftoversOfACrashAreRemovedByTheNextWriter() throws {
        let fixture = try StoreFixture("leftovers")
        let leftover = fixture.store + "/bundles/.tmp-deadbeef"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: leftover))
        try Data("{".utf8).write(to: URL(fileURLWithPath: fixture.store + "/snapshots/.tmp-0123"))
        // A bundle whose record was never written (crash between the bundle and the record):
        // snap marks such a bundle pending before it writes it.
        let crashed = fixture.store + "/bundles/" + String(repeating: "ab", count: 32)
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: crashed + ".tar.zst"))
        try Data().write(to: URL(fileURLWithPath: crashed + ".pending"))
        // A bundle whose record went some other way (deleted by hand): kept, and said.
        let orphan = fixture.store + "/bundles/" + String(repeating: "cd", count: 32) + ".tar.zst"
        try Data(repeating: 2, count: 100).write(to: URL(fileURLWithPath: orphan))
        let created = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_0"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stderr.contains("\(orphan) is used by no snapshot record and was kept"), "\(created.stderr)")
        #expect(!FileManager.default.fileExists(atPath: crashed + ".tar.zst"))
        #expect(!FileManager.default.fileExists(atPath: crashed + ".pending"))
        #expect(FileManager.default.fileExists(atPath: orphan))
        #expect(try fixture.bundles().count == 2)
        #expect(try FileOps.listDirectory(fixture.store + "/bundles").allSatisfy { !$0.hasSuffix(".pending") })
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(!FileManager.default.fileExists(atPath: fixture.store + "/snapshots/.tmp-0123"))
    }
}
