import Foundation
import SnapTestSupport
import Testing

/// The store on a file system that fills up: a create fails with exit 1 and a message that
/// says the disk is full, adds nothing to the store but its audit entry, leaves no
/// temporary file, and the audit chain stays whole even when its own append fails.
@Suite struct FullDiskTests {
    /// A store on a small tmpfs with one snapshot, and the Mnesia source it came from.
    final class Scene: Sendable {
        let disk: SmallFileSystem
        var store: String { disk.path + "/store" }
        var source: String { disk.directory("source") }

        init(_ label: String, kilobytes: Int) throws {
            disk = try SmallFileSystem(label, kilobytes: kilobytes)
            try MnesiaFixture.make(at: disk.directory("source"), rows: 40)
            try #require(try snap(["init"]).status == 0)
            let first = try snap(["create", "--from-dir", source, "--node", "manager_0"])
            try #require(first.status == 0, "\(first.stderr)")
        }

        @discardableResult
        func snap(_ arguments: [String]) throws -> ProcessResult {
            try SnapBinary.run(arguments + ["--store", store])
        }

        /// The store's files and bytes, but for the audit log, which a failed run may extend.
        func contentButAudit() throws -> StoreContent {
            var content = try StoreContent(store)
            content.files["audit.log"] = nil
            return content
        }

        func leftovers() -> [String] {
            (FileManager.default.subpaths(atPath: store) ?? []).filter { $0.contains(".tmp-") }
        }
    }

    @Test func aCreateTooBigForTheDiskFailsCleanlyAndLeavesTheStoreAsItWas() throws {
        let scene = try Scene("full-disk", kilobytes: 1024)
        // 3 MiB that zstd cannot shrink, on a 1 MiB file system.
        let big = scene.disk.directory("big")
        try FileManager.default.copyItem(atPath: scene.source, toPath: big)
        var generator = SeededGenerator(seed: 3)
        let noise = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: big + "/noise.DAT"))
        let before = try scene.contentButAudit()

        let result = try scene.snap(["create", "--from-dir", big, "--node", "manager_0"])
        #expect(result.status == 1 && result.signal == nil, "\(result.stderr)")
        #expect(result.stderr.contains("no space left on device (disk full)"), "\(result.stderr)")
        #expect(result.stderr.contains(scene.store + "/bundles/"), "names the file being written: \(result.stderr)")
        #expect(result.stderr.contains("`snap prune`"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line for cron: \(result.stderr)")
        #expect(try scene.contentButAudit() == before)
        #expect(scene.leftovers().isEmpty)

        // The failed create is in the audit log, which still verifies.
        let history = try scene.snap(["history", "--action", "create", "--json"])
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(entries.last?["outcome"] as? String == "failed")
        #expect((entries.last?["error"] as? String)?.contains("no space left on device") == true)
        #expect(try scene.snap(["audit", "verify"]).status == 0)
        #expect(try scene.snap(["verify", "--all"]).status == 0)
    }

    @Test func everyWriteOfACreateMeetsAFullDiskCleanly() throws {
        let scene = try Scene("full-disk-sweep", kilobytes: 1024)
        var failedAt: [String: Int] = [:]
        var succeeded = 0
        // From no free page up to enough for a whole create: each write of a create (the
        // bundle, its manifest, the record, store.json, the audit entry) meets the full disk.
        for freePages in 0...16 {
            try "round \(freePages)\n".write(toFile: scene.source + "/LATEST.LOG", atomically: true, encoding: .utf8)
            let before = try scene.contentButAudit()
            try scene.disk.fill(leavingPages: freePages)
            let result = try scene.snap(["create", "--from-dir", scene.source, "--node", "manager_0"])
            try scene.disk.unfill()
            #expect(result.signal == nil, "\(freePages) pages: \(result.stderr)")
            if result.status == 0 {
                succeeded += 1
            } else {
                #expect(result.status == 1, "\(freePages) pages: \(result.stderr)")
                #expect(result.stderr.contains("no space left on device"), "\(freePages) pages: \(result.stderr)")
                #expect(try scene.contentButAudit() == before, "\(freePages) pages: the store changed")
                let file = result.stderr.components(separatedBy: " ").first { $0.hasPrefix(scene.store) } ?? "?"
                let directory = (file as NSString).deletingLastPathComponent
                failedAt[String(directory.dropFirst(scene.store.count)), default: 0] += 1
            }
            #expect(scene.leftovers().isEmpty, "\(freePages) pages: \(scene.leftovers())")
            let audit = try scene.snap(["audit", "verify"])
            #expect(audit.status == 0, "\(freePages) pages: \(audit.stderr)")
            let list = try scene.snap(["list"])
            #expect(list.status == 0 && !list.stderr.contains("damaged"), "\(freePages) pages: \(list.stderr)")
        }
        // The sweep crossed every write: the bundle, the record, store.json; then success.
        #expect(Set(failedAt.keys).isSuperset(of: ["/bundles", "/snapshots", ""]), "\(failedAt)")
        #expect(succeeded > 0)
        #expect(try scene.snap(["verify", "--all"]).status == 0)
        let places = failedAt.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "/" : $0.key) \($0.value)" }
        print(
            "full disk: create failed cleanly at \(failedAt.values.reduce(0, +)) fill levels (\(places.joined(separator: ", "))), succeeded at \(succeeded)"
        )
    }

    @Test func anAuditAppendOnAFullDiskLeavesTheChainWhole() throws {
        let scene = try Scene("full-disk-audit", kilobytes: 512)
        let log = scene.store + "/audit.log"
        let before = try Data(contentsOf: URL(fileURLWithPath: log))
        // The same store through a path of some 3,800 characters: the audit entry, which
        // holds the command line, then needs a page of its own, and there is none.
        let longPath = scene.disk.path + String(repeating: "/", count: 3_800) + "store"
        try scene.disk.fill(leavingPages: 0)
        let result = try SnapBinary.run(["audit", "verify", "--store", longPath])
        try scene.disk.unfill()
        #expect(result.status == 1 && result.signal == nil, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("audit entry could not be written"), "\(result.stderr)")
        #expect(result.stderr.contains("no space left on device"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: log)) == before, "no torn line is left behind")
        let verified = try scene.snap(["audit", "verify", "--json"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(!verified.stderr.contains("torn"))
    }

    @Test func aFileSizeLimitFailsACreateLikeAFullDiskNotWithASignal() throws {
        let fixture = try StoreFixture("size-limit", rows: 40)
        try fixture.create()
        var generator = SeededGenerator(seed: 5)
        let noise = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: fixture.mnesia + "/noise.DAT"))
        var before = try StoreContent(fixture.store)
        before.files["audit.log"] = nil
        // `ulimit -f` counts 512-byte blocks: 256 KiB, less than the noise.
        let result = try ProcessRunner.run(
            "/bin/sh",
            [
                "-c", "ulimit -f 512 && exec \"$0\" \"$@\"", SnapBinary.path, "create", "--from-dir", fixture.mnesia,
                "--node", "manager_0", "--store", fixture.store,
            ], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"])
        #expect(result.status == 1 && result.signal == nil, "\(result.stderr)")
        #expect(result.stderr.contains("file too large"), "\(result.stderr)")
        #expect(result.stderr.contains("ulimit -f"))
        var after = try StoreContent(fixture.store)
        after.files["audit.log"] = nil
        #expect(after == before)
        #expect((FileManager.default.subpaths(atPath: fixture.store) ?? []).allSatisfy { !$0.contains(".tmp-") })
        #expect(try fixture.snap(["audit", "verify"]).status == 0)
    }
}

/// A tmpfs of a given size mounted for one test, unmounted when released. Mounting needs
/// root, which CI has: without it the test fails, it is not skipped.
final class SmallFileSystem: Sendable {
    let directory: TemporaryDirectory
    var path: String { directory("mnt") }
    private var filler: String { path + "/filler" }

    init(_ label: String, kilobytes: Int) throws {
        directory = TemporaryDirectory(label)
        try FileManager.default.createDirectory(atPath: directory("mnt"), withIntermediateDirectories: true)
        let mounted = try ProcessRunner.run(
            "/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", directory("mnt")])
        guard mounted.status == 0 else {
            throw FixtureError(message: "cannot mount a \(kilobytes) KiB tmpfs (run as root): \(mounted.stderr)")
        }
    }

    deinit {
        if (try? ProcessRunner.run("/bin/umount", [path]))?.status != 0 {
            _ = try? ProcessRunner.run("/bin/umount", ["-l", path])
        }
    }

    /// Takes all free space but `pages` blocks with a file of zeros.
    func fill(leavingPages pages: Int) throws {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw FixtureError(message: "statvfs \(path) failed") }
        let blocks = max(Int(info.f_bavail) - pages, 0)
        try Data(count: blocks * Int(info.f_bsize)).write(to: URL(fileURLWithPath: filler))
    }

    /// Gives the space back.
    func unfill() throws {
        try FileManager.default.removeItem(atPath: filler)
    }
}
