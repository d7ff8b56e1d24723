import Foundation
import Glibc
import SnapTestSupport
import Testing

/// A model-based test of the restore protocol: seeded random sequences, over a real
/// stand-in pair, of restores (both cases, one or two targets), `--resume`, `--rollback`,
/// captures, prunes, a second operator running one of them at the same time, and kills at
/// random instants. After every step the pair and the store are checked against
/// ``RestoreProtocolModel``: a pair with no unfinished restore runs, on both managers, the
/// data the last successful command says; no empty capture is a snapshot; the snapshots of
/// the data held before the sequence began still exist; the audit chain verifies (and
/// every few steps every bundle). At the end, snap alone brings that first data back.
///
/// `SNAP_PROTOCOL_STEPS` (default 200, shared between the sequences), `SNAP_PROTOCOL_SEED`
/// (default 1; sequence k uses seed + k) and `SNAP_PROTOCOL_SEQUENCES` (default 2, each on
/// its own pair, run at once) make a soak.
@Suite struct RestoreProtocolTests {
    static let environment = ProcessInfo.processInfo.environment
    static let steps = Int(environment["SNAP_PROTOCOL_STEPS"] ?? "") ?? 200
    static let firstSeed = UInt64(environment["SNAP_PROTOCOL_SEED"] ?? "") ?? 1
    static let sequences = max(Int(environment["SNAP_PROTOCOL_SEQUENCES"] ?? "") ?? 2, 1)

    @Test(arguments: 0..<sequences)
    func randomSequencesNeverLoseTheManagersData(sequence: Int) throws {
        let seed = Self.firstSeed + UInt64(sequence)
        let steps = Self.steps / Self.sequences
        var run = try ProtocolRun(seed: seed, label: "protocol-\(sequence)")
        for number in 1...max(steps, 1) {
            try run.step(number)
            // A soak's progress, should it be stopped before its end.
            if number % 50 == 0 { print("restore protocol, seed \(seed): \(number) of \(steps) steps checked") }
        }
        try run.finish()
        print("restore protocol, seed \(seed): \(steps) steps, \(run.model.tally.sorted { $0.key < $1.key })")
    }
}

/// One seeded sequence over its own pair.
struct ProtocolRun {
    var model: RestoreProtocolModel
    let pair: ProtocolPair
    var random: SeededGenerator
    let seed: UInt64
    /// The operations so far, for the failure message.
    var log: [String] = []
    var users = 0
    /// The data before the restore started last: what its pre-restore snapshots hold.
    var restoreBefore: Set<String> = []

    init(seed: UInt64, label: String) throws {
        self.seed = seed
        random = SeededGenerator(seed: seed)
        pair = ProtocolPair(pair: try StandinPair(label))
        try pair.pair.start()
        try #require(try pair.snap(["init"]).status == 0)
        _ = try pair.pair.console(0, "create-user origin", "add-bucket originals 05236")
        model = RestoreProtocolModel(data: try pair.data(0))
        let created = try pair.snap(["create", "--all", "--quiet"])
        try #require(created.status == 0, "\(created.stderr)")
        try absorbNewRecords(known: [])
        model.originals = Array(model.snapshots.keys)
        for id in model.originals { try #require(try pair.snap(["pin", id]).status == 0) }
    }

    // MARK: - Steps

    mutating func step(_ number: Int) throws {
        let known = Set(model.snapshots.keys)
        let roll = Int.random(in: 0..<100, using: &random)
        if model.unfinished != nil {
            switch roll {
            case 0..<60: try finishFlight(killed: Bool.random(using: &random) && roll < 25)
            case 60..<70: try refusedWhileUnfinished(["create", "--all", "--quiet"])
            case 70..<80: try refusedWhileUnfinished(["prune", "--keep-last", "2", "--quiet"])
            case 80..<90: try refusedWhileUnfinished(["restore", "latest@manager_0", "--to", "manager_0", "--yes"])
            default: try secondOperatorFinishes()
            }
        } else {
            // Restores take the most time (both managers stop and start): about a third of
            // the steps, half of those signalled at a random instant.
            switch roll {
            case 0..<22: try mutate()
            case 22..<42: try create(cold: roll < 25)
            case 42..<52: try prune()
            case 52..<65: try restore(killAfter: nil)
            case 65..<80: try restore(killAfter: Double.random(in: 0.05...12, using: &random))
            case 80..<87: try restoreWithACaptureBeside()
            default: try createAndPruneAtOnce()
            }
        }
        try absorbNewRecords(known: known)
        try check(number)
    }

    private mutating func note(_ text: String) {
        log.append(text)
        model.count(String(text.prefix { $0 != " " }))
    }

    private var context: String { "seed \(seed), last steps: " + log.suffix(8).joined(separator: " | ") }

    private mutating func mutate() throws {
        users += 1
        _ = try pair.pair.console(0, "create-user u\(users)")
        model.data.insert("u\(users)")
        note("mutate u\(users)")
    }

    private mutating func create(cold: Bool) throws {
        let result = try pair.snap(["create", "--all", "--quiet"] + (cold ? ["--mode", "cold"] : []))
        note("create\(cold ? " cold" : "") -> \(result.status)")
        #expect(result.status == 0, "\(result.stderr) \(context)")
    }

    private mutating func prune() throws {
        let result = try pair.snap(["prune", "--keep-last", "2", "--quiet"])
        note("prune -> \(result.status)")
        #expect(result.status == 0, "\(result.stderr) \(context)")
        let listed = Set(try pair.records().compactMap { $0["id"] as? String })
        model.snapshots = model.snapshots.filter { listed.contains($0.key) }
    }

    /// A restore of a random snapshot: both managers by copy or by load, or manager_0 alone.
    /// Returns its arguments and the data it brings.
    private mutating func chooseRestore() throws -> (arguments: [String], target: Set<String>)? {
        let records = try pair.records()
        let usable = records.filter { record in
            guard let id = record["id"] as? String, model.snapshots[id] != nil else { return false }
            return record["mode"] as? String != "dump"
        }
        guard !usable.isEmpty else { return nil }
        let record = usable[Int.random(in: 0..<usable.count, using: &random)]
        guard let id = record["id"] as? String, let data = model.snapshots[id] else { return nil }
        let kind = Int.random(in: 0..<4, using: &random)
        let pairTargets = ["--to", "manager_0", "--to", "manager_1"]
        if kind == 0 && record["has_dump"] as? Bool == true {
            return (["restore", id, "--mode", "load"] + pairTargets + ["--yes"], data)
        }
        if kind == 1 {
            // manager_0 alone resyncs from its running partner: the pair keeps its data.
            return (["restore", id, "--to", "manager_0", "--mode", "copy", "--yes"], model.data)
        }
        return (["restore", id, "--mode", "copy"] + pairTargets + ["--yes"], data)
    }

    private mutating func restore(killAfter delay: Double?) throws {
        guard let (arguments, target) = try chooseRestore() else { return try create(cold: false) }
        let before = model.data
        restoreBefore = before
        let restores = pair.restores()
        guard let delay else {
            let result = try pair.snap(arguments)
            note("restore \(arguments.dropFirst(2).prefix(3).joined(separator: " ")) -> \(result.status)")
            // One manager alone given files of another schema (a snapshot from before a
            // takeover made a fresh one) never loads its tables: the restore rolls back.
            let single = !arguments.contains("manager_1")
            #expect(result.status == 0 || (single && result.status == 5), "\(result.stdout)\(result.stderr) \(context)")
            if result.status == 0 { model.data = target }
            if result.status == 5 { model.data = before }
            return
        }
        let process = try pair.start(arguments)
        usleep(UInt32(delay * 1_000_000))
        // SIGKILL cuts anywhere; SIGINT stops at the next safe point.
        let signal = Bool.random(using: &random) ? SIGKILL : SIGINT
        kill(process.process.processIdentifier, signal)
        let result = process.wait()
        note(
            "restore \(signal == SIGKILL ? "killed" : "interrupted") after \(String(format: "%.2f", delay)) s -> \(result.status)"
        )
        if signal == SIGINT { #expect([0, 130].contains(result.status), "\(result.stderr) \(context)") }
        let made = pair.restores().subtracting(restores)
        #expect(made.count <= 1)
        guard let id = made.first else { return }
        land(Flight(id: id, before: before, target: target))
    }

    typealias Flight = RestoreProtocolModel.Flight

    /// Where a restore left the pair, from its journal: done, undone or in flight.
    private mutating func land(_ flight: Flight) {
        switch pair.phase(flight.id) {
        case "completed":
            model.data = flight.target
            model.unfinished = nil
        case "rolled-back":
            model.data = flight.before
            model.unfinished = nil
        default:
            model.unfinished = flight
        }
    }

    private mutating func finishFlight(killed: Bool) throws {
        guard let flight = model.unfinished else { return }
        let resume = pair.phase(flight.id) == "running" && Bool.random(using: &random)
        let arguments = ["restore", resume ? "--resume" : "--rollback", flight.id]
        if killed {
            let process = try pair.start(arguments)
            let delay = Double.random(in: 0.05...10, using: &random)
            usleep(UInt32(delay * 1_000_000))
            kill(process.process.processIdentifier, SIGKILL)
            let result = process.wait()
            note("\(arguments[1]) killed after \(String(format: "%.2f", delay)) s -> \(result.status)")
            land(flight)
            return
        }
        let result = try pair.snap(arguments)
        note("\(arguments[1]) -> \(result.status)")
        #expect([0, 5].contains(result.status), "\(result.stdout)\(result.stderr) \(context)")
        land(flight)
        #expect(model.unfinished == nil, "\(arguments[1]) left restore \(flight.id) unfinished \(context)")
    }

    /// With a restore unfinished, commands that would capture or prune its managers refuse.
    private mutating func refusedWhileUnfinished(_ arguments: [String]) throws {
        let result = try pair.snap(arguments)
        note("\(arguments[0]) while unfinished -> \(result.status)")
        #expect(result.status == 6, "\(result.stderr) \(context)")
        #expect(result.stderr.contains("--rollback"), "\(result.stderr)")
    }

    /// Two operators finish the same restore at once: one resumes, one rolls back (or
    /// both roll back). The lock makes one go first; the other finds the journal decided.
    private mutating func secondOperatorFinishes() throws {
        guard let flight = model.unfinished else { return }
        let running = pair.phase(flight.id) == "running"
        let first = try pair.start(["restore", running ? "--resume" : "--rollback", flight.id, "--wait", "300"])
        let second = try pair.start(["restore", "--rollback", flight.id, "--wait", "300"])
        let results = [first.wait(), second.wait()]
        note("two finish at once -> \(results.map(\.status))")
        for result in results { #expect([0, 1, 5].contains(result.status), "\(result.stderr) \(context)") }
        land(flight)
        #expect(model.unfinished == nil, "\(context)")
    }

    /// A restore and a capture at once: the capture waits for the lock and records the data
    /// the pair held when it ran, before or after the restore (the audit log tells which).
    private mutating func restoreWithACaptureBeside() throws {
        guard let (arguments, target) = try chooseRestore() else { return }
        let known = Set(model.snapshots.keys)
        let before = model.data
        restoreBefore = before
        let restore = try pair.start(arguments + ["--wait", "300"])
        usleep(UInt32(Double.random(in: 0...0.5, using: &random) * 1_000_000))
        let create = try pair.start(["create", "--all", "--quiet", "--wait", "300"])
        let restored = restore.wait()
        let created = create.wait()
        note("restore beside create -> \(restored.status), \(created.status)")
        let single = !arguments.contains("manager_1")
        #expect(restored.status == 0 || (single && restored.status == 5), "\(restored.stderr) \(context)")
        #expect(created.status == 0, "\(created.stderr) \(context)")
        let actions = try pair.auditActions().filter { $0.hasPrefix("restore") || $0.hasPrefix("create") }
        let createdFirst = actions.suffix(2).first?.hasPrefix("create") == true
        if restored.status == 0 { model.data = target }
        // The capture's records hold what the pair held when it ran.
        try absorbNewRecords(known: known, captured: createdFirst ? before : model.data, preRestore: before)
    }

    /// A capture and a prune at once (cron's two halves from two crontabs).
    private mutating func createAndPruneAtOnce() throws {
        let create = try pair.start(["create", "--all", "--quiet", "--wait", "300"])
        let prune = try pair.start(["prune", "--keep-last", "2", "--quiet", "--wait", "300"])
        let results = [create.wait(), prune.wait()]
        note("create beside prune -> \(results.map(\.status))")
        for result in results { #expect(result.status == 0, "\(result.stderr) \(context)") }
        let listed = Set(try pair.records().compactMap { $0["id"] as? String })
        model.snapshots = model.snapshots.filter { listed.contains($0.key) }
    }

    /// New records: captures hold `captured` (default: the data now), pre-restore
    /// snapshots the data before the restore that made them.
    private mutating func absorbNewRecords(
        known: Set<String>, captured: Set<String>? = nil, preRestore: Set<String>? = nil
    ) throws {
        for record in try pair.records() {
            guard let id = record["id"] as? String, !known.contains(id), model.snapshots[id] == nil else { continue }
            let tags = record["tags"] as? [String] ?? []
            if tags.contains("pre-restore") {
                model.snapshots[id] = preRestore ?? restoreBefore
            } else {
                model.snapshots[id] = captured ?? model.data
            }
        }
    }

    // MARK: - Invariants

    mutating func check(_ number: Int) throws {
        let place = "step \(number), \(context)"
        if model.unfinished == nil {
            // Both consoles answer only while both managers run.
            let master = try pair.data(0)
            try #require(
                master == model.data, "manager_0 holds \(master.sorted()), expected \(model.data.sorted()), \(place)")
            try #require(try pair.data(1) == model.data, "manager_1 differs, \(place)")
        }
        let records = try pair.records()
        for record in records {
            let files = record["file_count"] as? Int ?? 0
            let mode = record["mode"] as? String ?? ""
            try #require(files >= (mode == "dump" ? 1 : 2), "an empty capture became \(record["id"] ?? "?"), \(place)")
        }
        let ids = Set(records.compactMap { $0["id"] as? String })
        try #require(model.originals.allSatisfy(ids.contains), "a snapshot of the first data is gone, \(place)")
        let audit = try pair.snap(["audit", "verify"])
        try #require(audit.status == 0, "\(audit.stdout)\(audit.stderr) \(place)")
        if number % 10 == 0 {
            let verify = try pair.snap(["verify", "--all", "--quiet"])
            try #require(verify.status == 0, "\(verify.stdout)\(verify.stderr) \(place)")
        }
    }

    /// Ends what is in flight and brings the first data back with snap alone.
    mutating func finish() throws {
        if let flight = model.unfinished {
            let result = try pair.snap(["restore", "--rollback", flight.id])
            #expect(result.status == 0, "\(result.stderr) \(context)")
            land(flight)
        }
        let original = try #require(
            try pair.records().first {
                ($0["id"] as? String).map(model.originals.contains) == true && $0["node"] as? String == "manager_0"
            }?["id"]
                as? String)
        let result = try pair.snap(["restore", original, "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr) \(context)")
        #expect(try pair.data(0) == model.snapshots[original], "\(context)")
        #expect(try pair.data(1) == model.snapshots[original], "\(context)")
        #expect(try pair.snap(["verify", "--all", "--quiet"]).status == 0)
        #expect(try pair.snap(["audit", "verify"]).status == 0)
    }
}
