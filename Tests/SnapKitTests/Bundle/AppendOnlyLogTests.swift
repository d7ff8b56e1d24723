import Foundation
import SnapKit
import SnapTestSupport
import Synchronization
import Testing

/// A running node's Mnesia transaction log grows during a hot copy: the bundle takes it as it
/// stood at the scan, and anything else that moves is still a change.
@Suite struct AppendOnlyLogTests {
    /// Appends to `path` every 2 ms until `stop`, from another thread.
    final class Appender: Sendable {
        let running = Atomic<Bool>(true)
        let appended = Atomic<Int>(0)

        init(_ path: String) {
            let thread = Thread { [self] in
                guard let handle = FileHandle(forWritingAtPath: path) else { return }
                defer { try? handle.close() }
                while running.load(ordering: .relaxed) {
                    _ = try? handle.seekToEnd()
                    try? handle.write(contentsOf: Data(repeating: 0x61, count: 100))
                    appended.add(1, ordering: .relaxed)
                    usleep(2_000)
                }
            }
            thread.start()
        }

        func stop() { running.store(false, ordering: .relaxed) }
    }

    func layout(_ directory: TemporaryDirectory) throws -> String {
        let mnesia = directory("mnesia")
        try MnesiaFixture.make(at: mnesia, rows: 50)
        try Data(repeating: 0x62, count: 4096).write(to: URL(fileURLWithPath: mnesia + "/LATEST.LOG"))
        try FileManager.default.createDirectory(atPath: directory("out"), withIntermediateDirectories: true)
        return mnesia
    }

    @Test func aGrowingLogIsTakenAsItStandsAfterTheSettlingWait() throws {
        let directory = TemporaryDirectory("append-only")
        let mnesia = try layout(directory)
        let log = mnesia + "/LATEST.LOG"
        let appender = Appender(log)
        defer { appender.stop() }
        usleep(20_000)
        let atStart = try #require(try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int)
        let built = try BundleBuilder.build(
            BundleSources(mnesiaDirectory: mnesia, stableFor: 0.2, appendOnly: ["LATEST.LOG"]),
            in: directory("out"), compression: .standard)
        // Let it append after the build took the log, then stop it.
        let taken = try #require(built.manifest.files.first { $0.path == "mnesia/LATEST.LOG" }).size
        while (try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int ?? 0) <= Int(taken) {
            usleep(2_000)
        }
        appender.stop()
        usleep(10_000)
        let entry = try #require(built.manifest.files.first { $0.path == "mnesia/LATEST.LOG" })
        let final = try Data(contentsOf: URL(fileURLWithPath: log))
        // Everything written before the build began, and what came during the wait.
        #expect(entry.size > Int64(atStart), "the log is taken after the settling wait")
        #expect(entry.size < Int64(final.count), "the log grew after it was taken")
        let target = directory("extracted")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        _ = try BundleExtractor.extract(
            bundlePath: built.temporaryPath, keys: .none,
            expected: ExpectedContent(manifest: built.manifest, manifestBytes: built.manifestBytes), into: target)
        let captured = try Data(contentsOf: URL(fileURLWithPath: target + "/mnesia/LATEST.LOG"))
        #expect(captured.count == Int(entry.size) && final.prefix(captured.count) == captured)
    }

    @Test func withoutTheMarkAGrowingLogIsAChange() throws {
        let directory = TemporaryDirectory("append-unmarked")
        let mnesia = try layout(directory)
        let appender = Appender(mnesia + "/LATEST.LOG")
        defer { appender.stop() }
        usleep(20_000)
        #expect(throws: BundleError.self) {
            try BundleBuilder.build(
                BundleSources(mnesiaDirectory: mnesia, stableFor: 0.2), in: directory("out"), compression: .standard)
        }
    }

    /// Mnesia dumps its log by starting a new file: the copy must not mix the two.
    @Test func aReplacedLogIsAChange() throws {
        let directory = TemporaryDirectory("append-replaced")
        let mnesia = try layout(directory)
        let replacing = Atomic<Bool>(true)
        // The log is replaced again and again, so one replacement lands during the build
        // whatever the machine's load.
        let replacer = Thread {
            var round: UInt8 = 0
            while replacing.load(ordering: .relaxed) {
                round &+= 1
                try? Data(repeating: round, count: 8192).write(
                    to: URL(fileURLWithPath: mnesia + "/LATEST.LOG"), options: .atomic)
                usleep(5_000)
            }
        }
        replacer.start()
        defer { replacing.store(false, ordering: .relaxed) }
        #expect(throws: BundleError.self) {
            try BundleBuilder.build(
                BundleSources(mnesiaDirectory: mnesia, stableFor: 0.3, appendOnly: ["LATEST.LOG"]),
                in: directory("out"), compression: .standard)
        }
    }

    /// A replaced log may get the old one's inode number back (the filesystem reuses it as
    /// soon as the old file is gone): the same inode rewritten in place stands for that.
    @Test func aLogWithTheSameInodeButOtherBytesIsAChange() throws {
        let directory = TemporaryDirectory("append-reused")
        let mnesia = try layout(directory)
        let log = mnesia + "/LATEST.LOG"
        let rewriting = Atomic<Bool>(true)
        let rewriter = Thread {
            guard let handle = FileHandle(forWritingAtPath: log) else { return }
            defer { try? handle.close() }
            var round: UInt32 = 0
            while rewriting.load(ordering: .relaxed) {
                round &+= 1
                let bytes = withUnsafeBytes(of: round.bigEndian) { Data($0) }
                try? handle.seek(toOffset: 0)
                try? handle.write(contentsOf: Data((0..<1024).flatMap { _ in bytes }))
                usleep(5_000)
            }
        }
        rewriter.start()
        defer { rewriting.store(false, ordering: .relaxed) }
        let before = try #require(try FileManager.default.attributesOfItem(atPath: log)[.systemFileNumber] as? Int)
        #expect(throws: BundleError.self) {
            try BundleBuilder.build(
                BundleSources(mnesiaDirectory: mnesia, stableFor: 0.3, appendOnly: ["LATEST.LOG"]),
                in: directory("out"), compression: .standard)
        }
        let after = try #require(try FileManager.default.attributesOfItem(atPath: log)[.systemFileNumber] as? Int)
        #expect(before == after, "the log kept its inode throughout")
    }
}
