import Foundation
import SnapTestSupport
import Testing

/// `create`, `prune` and `verify` as real processes, SIGKILLed at random moments (seeded):
/// after every kill the store must still be whole.
@Suite struct CrashHarnessTests {
    /// Kills per run; `SNAP_CRASH_KILLS` raises it for a longer soak outside CI.
    static let kills = Int(ProcessInfo.processInfo.environment["SNAP_CRASH_KILLS"] ?? "") ?? 120

    /// Every listed snapshot verifies, no record points to a missing bundle, no record is
    /// damaged, and the audit chain verifies (a torn tail is repaired, not trusted).
    static func checkInvariants(_ fixture: StoreFixture, after what: String) throws {
        let list = try fixture.snap(["list", "--json"])
        #expect(list.status == 0, "\(what): list: \(list.stderr)")
        #expect(!list.stderr.contains("damaged"), "\(what): \(list.stderr)")
        let records = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
        for record in records {
            #expect(
                FileManager.default.fileExists(
                    atPath: fixture.store + "/bundles/" + StoreFixture.bundleName(of: record)),
                "\(what): bundle of \(record["id"] ?? "?")")
        }
        let verify = try fixture.snap(["verify", "--all", "--wait", "30"])
        #expect(verify.status == 0, "\(what): verify: \(verify.stdout)\(verify.stderr)")
        let audit = try fixture.snap(["audit", "verify", "--wait", "30"])
        #expect(audit.status == 0, "\(what): audit: \(audit.stdout)\(audit.stderr)")
    }

    /// Starts snap with `arguments` on the fixture's store (in its directory, so its snap.yaml
    /// counts) and SIGKILLs it after `delay` microseconds.
    /// - Returns: whether the kill landed while snap ran (rather than after it finished).
    @discardableResult
    static func kill(_ arguments: [String], after delay: UInt32, in fixture: StoreFixture) throws -> Bool {
        let process = try SnapBinary.start(arguments + ["--store", fixture.store], directory: fixture.directory.path)
        usleep(delay)
        Glibc.kill(process.process.processIdentifier, SIGKILL)
        return process.wait().signal == SIGKILL
    }

    /// The next writer removes what the kills left: no temporary file, no bundle without a record.
    static func checkTheNextWriterCleansUp(_ fixture: StoreFixture) throws {
        try fixture.create()
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: fixture.store).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let named = Set(try fixture.list().map(StoreFixture.bundleName(of:)))
        #expect(Set(try fixture.bundles()) == named, "every bundle file belongs to a record")
    }

    static func tally(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    @Test func killedAtRandomPointsTheStoreStaysWhole() throws {
        let fixture = try StoreFixture("crash", rows: 3000)
        // A larger file makes each create take long enough to be killed in the middle.
        var generator = SeededGenerator(seed: 20_261_129)
        let noise = (0..<(8 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: fixture.mnesia + "/noise.DAT"))
        try fixture.create()
        var counts: [String: Int] = [:]
        for round in 0..<Self.kills {
            let operation = ["create", "create", "prune", "verify"][Int.random(in: 0..<4, using: &generator)]
            if operation == "create" {
                // New content each time, so bundles are written rather than reused.
                try Data("round \(round)".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
            }
            let arguments: [String] =
                switch operation {
                case "create":
                    ["create", "--from-dir", fixture.mnesia, "--node", "manager_\(round % 2)", "--wait", "30"]
                case "prune": ["prune", "--keep-last", "2", "--wait", "30"]
                default: ["verify", "--all", "--wait", "30"]
                }
            if try Self.kill(arguments, after: UInt32.random(in: 0...400_000, using: &generator), in: fixture) {
                counts[operation, default: 0] += 1
            }
            try Self.checkInvariants(fixture, after: "round \(round) (\(operation))")
        }
        try Self.checkTheNextWriterCleansUp(fixture)
        print("crash harness: \(Self.kills) kills survived; landed while snap ran: \(Self.tally(counts))")
    }

    /// With encryption on: kills during `create` (the age file being written) and `rekey`
    /// (headers rewritten, records moved to the new file, the old one removed) leave every
    /// listed snapshot verifying, content and all.
    @Test func killedDuringEncryptedCreateAndRekeyEveryListedSnapshotVerifies() throws {
        let fixture = try StoreFixture("crash-age", rows: 3000)
        var generator = SeededGenerator(seed: 20_261_206)
        let noise = (0..<(8 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: fixture.mnesia + "/noise.DAT"))
        let first = try fixture.generateKey("a.key")
        let second = try fixture.generateKey("b.key")
        // One identity file holding both keys opens every bundle, whichever recipients it has.
        let both = fixture.directory("both.key")
        let text =
            try String(contentsOfFile: first.path, encoding: .utf8)
            + String(contentsOfFile: second.path, encoding: .utf8)
        try text.write(toFile: both, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: both)
        let recipientSets = [[first.recipient], [second.recipient], [first.recipient, second.recipient]]
        try fixture.encrypt(to: recipientSets[0], identity: both)
        try fixture.create()
        try fixture.create(node: "manager_1")
        let kills = max(Self.kills / 3, 10)
        var counts: [String: Int] = [:]
        for round in 0..<kills {
            let operation = ["create", "rekey", "rekey", "prune"][Int.random(in: 0..<4, using: &generator)]
            let arguments: [String]
            let delay: UInt32
            switch operation {
            case "create":
                try Data("round \(round)".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
                arguments = ["create", "--from-dir", fixture.mnesia, "--node", "manager_\(round % 2)", "--wait", "30"]
                delay = UInt32.random(in: 0...150_000, using: &generator)
            case "rekey":
                let recipients = recipientSets[Int.random(in: 0..<recipientSets.count, using: &generator)]
                try fixture.encrypt(to: recipients, identity: both)
                arguments = ["rekey", "--all", "--wait", "30"]
                delay = UInt32.random(in: 0...150_000, using: &generator)
            default:
                arguments = ["prune", "--keep-last", "3", "--wait", "30"]
                delay = UInt32.random(in: 0...200_000, using: &generator)
            }
            if try Self.kill(arguments, after: delay, in: fixture) { counts[operation, default: 0] += 1 }
            try Self.checkInvariants(fixture, after: "round \(round) (\(operation))")
        }
        try Self.checkTheNextWriterCleansUp(fixture)
        print("encrypted crash harness: \(kills) kills survived; landed while snap ran: \(Self.tally(counts))")
    }

    /// With delta bundles: kills during `create` (the base decoded, the delta written over
    /// it) and `prune` (which keeps every base a kept delta needs) leave every listed snapshot
    /// verifying, its whole chain read, and no delta without its base.
    @Test func killedDuringDeltaCreateAndPruneEveryListedSnapshotVerifies() throws {
        let fixture = try StoreFixture("crash-delta", rows: 3000)
        var generator = SeededGenerator(seed: 20_261_207)
        let noise = (0..<(8 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: fixture.mnesia + "/noise.DAT"))
        let policy = fixture.directory("delta.yaml")
        try "keep:\n  last: 2\nverify_after_create: false\ndelta:\n  max_chain: 4\n  max_ratio: 1.0\n".write(
            toFile: policy, atomically: true, encoding: .utf8)
        try Data("round start".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        #expect(
            try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--policy", policy]).status
                == 0)
        let kills = max(Self.kills / 3, 10)
        var counts: [String: Int] = [:]
        for round in 0..<kills {
            let operation = ["create", "create", "create", "prune"][Int.random(in: 0..<4, using: &generator)]
            let arguments: [String]
            let delay: UInt32
            if operation == "create" {
                try Data("round \(round)".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
                arguments = [
                    "create", "--from-dir", fixture.mnesia, "--node", "manager_\(round % 2)", "--policy", policy,
                    "--wait", "30",
                ]
                delay = UInt32.random(in: 0...120_000, using: &generator)
            } else {
                arguments = ["prune", "--policy", policy, "--wait", "30"]
                delay = UInt32.random(in: 0...40_000, using: &generator)
            }
            if try Self.kill(arguments, after: delay, in: fixture) { counts[operation, default: 0] += 1 }
            try Self.checkInvariants(fixture, after: "round \(round) (\(operation))")
            let records = try fixture.list()
            for record in records {
                guard let base = record["delta_base"] as? [String: Any], let id = base["snapshot"] as? String else {
                    continue
                }
                #expect(
                    records.contains { $0["id"] as? String == id }, "round \(round): the base of \(record["id"] ?? "?")"
                )
            }
        }
        let deltas = try fixture.list().filter { $0["delta_base"] != nil }.count
        try Self.checkTheNextWriterCleansUp(fixture)
        #expect(counts["create", default: 0] > 0)
        print(
            "delta crash harness: \(kills) kills survived; landed while snap ran: \(Self.tally(counts)); \(deltas) deltas listed at the end"
        )
    }

    @Test func eightProcessesAtOnceNeverCorruptTheStore() throws {
        let fixture = try StoreFixture("concurrency", rows: 500)
        try fixture.create()
        let deadline = Date().addingTimeInterval(20)
        let operations = ["create", "prune", "verify", "list", "history", "create", "list", "verify"]
        let results = ResultsBox()
        // One thread per worker: a thread pool sized to the cores would run them two at a time.
        let finished = DispatchGroup()
        for (worker, operation) in operations.enumerated() {
            finished.enter()
            let thread = Thread {
                var round = 0
                while Date() < deadline {
                    round += 1
                    let arguments: [String] =
                        switch operation {
                        case "create":
                            [
                                "create", "--from-dir", fixture.mnesia, "--node", "manager_\(worker)", "--tag",
                                "w\(worker)r\(round)",
                            ]
                        case "prune": ["prune", "--keep-last", "3"]
                        case "verify": ["verify", "--all"]
                        case "list": ["list", "--json"]
                        default: ["history", "--json"]
                        }
                    if let result = try? fixture.snap(arguments) {
                        results.add(operation: operation, status: result.status, stderr: result.stderr)
                    }
                }
                finished.leave()
            }
            thread.start()
        }
        finished.wait()
        let summary = results.summary()
        #expect(Set(summary.keys) == Set(operations), "\(summary)")
        for (operation, statuses) in summary {
            let allowed: Set<Int32> = ["list", "history"].contains(operation) ? [0] : [0, 11]
            #expect(Set(statuses.keys).isSubset(of: allowed), "\(operation): \(statuses) \(results.failures)")
            #expect(statuses[0, default: 0] > 0, "\(operation) never succeeded")
        }
        try Self.checkInvariants(fixture, after: "concurrency")
        print("concurrency: \(summary.map { "\($0.key) \($0.value)" }.sorted().joined(separator: "; "))")
    }
}

/// Collects results from concurrent workers.
final class ResultsBox: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var statuses: [String: [Int32: Int]] = [:]
    private(set) var failures: [String] = []

    func add(operation: String, status: Int32, stderr: String) {
        lock.lock()
        defer { lock.unlock() }
        statuses[operation, default: [:]][status, default: 0] += 1
        if status != 0 && status != 11 { failures.append("\(operation) \(status): \(stderr)") }
    }

    func summary() -> [String: [Int32: Int]] {
        lock.lock()
        defer { lock.unlock() }
        return statuses
    }
}
