import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// The restore executor and its rollback against in-memory managers: a failure or a kill
/// at every step, in both procedures.
@Suite struct RestoreExecutorTests {
    /// One step of one procedure.
    struct StepCase: Sendable, CustomTestStringConvertible {
        var mode: RestoreMode
        var step: Int
        var testDescription: String { "\(mode.rawValue) step \(step)" }
    }

    /// Steps of a restore of both managers: 18 in copy mode, 17 in load mode.
    static let steps =
        (1...18).map { StepCase(mode: .copy, step: $0) } + (1...17).map { StepCase(mode: .load, step: $0) }

    /// A store with a snapshot of manager_0, and the pair with files of their own.
    final class Fixture {
        let directory = TemporaryDirectory("executor")
        let store: Store
        let locked: LockedStore
        let snapshot: SnapshotRecord
        let snapshotFiles: InMemoryManagerHost.Files = [
            "schema.DAT": Array("snapshot schema".utf8), "leo_s3_users.DCD": Array("snapshot users".utf8),
            "LATEST.LOG": Array("snapshot log".utf8),
        ]
        let pair: [InMemoryManagerHost]
        let before: [String: InMemoryManagerHost.Files]
        let confBefore: [String: [String: String]]
        let plan: RestorePlan

        init(mode: RestoreMode) throws {
            store = try Store.initialize(at: directory("store"))
            locked = try LockedStore.acquire(store, by: .test)
            let nodes = [
                Self.node("manager_0", partner: "manager_1@127.0.0.1", role: "master"),
                Self.node("manager_1", partner: "manager_0@127.0.0.1", role: "slave"),
            ]
            let source = directory("snapshot")
            try InMemoryManagerHost.write(snapshotFiles, to: source)
            let dump = directory("snapshot.dump")
            try FileOps.writeAtomically(Array(InMemoryManagerHost.defaultDump.utf8), to: dump)
            var request = CaptureRequest(
                node: "manager_0", sources: BundleSources(mnesiaDirectory: source, dumpFile: dump),
                mode: .filesAndDump, role: "master", cluster: "leofs_1", partner: "manager_1@127.0.0.1",
                compression: .standard)
            request.nodename = "manager_0@127.0.0.1"
            request.ringHashes = .init(current: "41e0c107", previous: "41e0c107")
            request.summarizesDump = true
            snapshot = try SnapshotRecorder.record(request, in: locked)
            pair = nodes.map { node in
                InMemoryManagerHost(
                    node: node,
                    mnesia: [
                        "schema.DAT": Array("schema of \(node.name)".utf8),
                        "leo_s3_users.DCD": Array("users of \(node.name)".utf8),
                        "LATEST.LOG": Array("log of \(node.name)".utf8), "DECISION_TAB.LOG": [0, 1, 2],
                    ],
                    // A partner the load procedure changes, so that a rollback has a conf to put back.
                    conf: ["manager.partner": "manager_9@10.0.0.9", "nodename": node.nodename])
            }
            before = Dictionary(uniqueKeysWithValues: pair.map { ($0.name, $0.mnesia ?? [:]) })
            confBefore = Dictionary(uniqueKeysWithValues: pair.map { ($0.name, $0.conf) })
            let layout = RestoreLayout(store: store, id: "r1")
            plan = try RestorePlanner.plan(
                id: "r1", record: snapshot, targets: nodes, pair: nodes, requestedMode: mode,
                rescue: { layout.rescue($0.name) })
        }

        deinit { locked.release() }

        static func node(_ name: String, partner: String, role: String) -> ManagerNode {
            ManagerNode(
                name: name, home: "/leofs/\(name)", nodename: "\(name)@127.0.0.1", partner: partner, role: role,
                mnesiaDirectory: "/leofs/\(name)/work/mnesia/127.0.0.1", consoleHost: "127.0.0.1",
                consolePort: 10010, cookie: nil, cluster: "leofs_1", timeout: 5, settle: 0)
        }

        /// An executor of the plan (a new restore) or of the journal in the store.
        func executor(fromStore: Bool = false) throws -> RestoreExecutor {
            RestoreExecutor(
                store: locked, snapshot: snapshot, hosts: pair,
                journal: fromStore ? try store.journal(plan.id) : RestoreJournal(plan: plan, now: Date()))
        }

        /// Injects `fault` into the call that carries out step `number`, as that step starts.
        func arm(_ executor: inout RestoreExecutor, _ fault: InMemoryManagerHost.Fault, atStep number: Int) {
            let hosts = Dictionary(uniqueKeysWithValues: pair.map { ($0.name, $0) })
            executor.progress = { step, state in
                guard step.number == number, state == .started else { return }
                let (name, call) = Self.mainCall(of: step.action)
                hosts[name]?.inject(fault, at: call)
            }
        }

        /// The manager a step acts on, and the call of the seam that does its work.
        static func mainCall(of action: RestoreAction) -> (node: String, call: String) {
            switch action {
            case .stop(let node): return (node, "stop")
            case .confirmDown(let node): return (node, "isDown")
            case .rescue(let node): return (node, "rescueMnesia")
            case .recordPreRestore(let node): return (node, "withRescuedFiles")
            case .unpack(let node): return (node, "unpackSnapshot")
            case .swapIn(let node): return (node, "swapInStaging")
            case .setPartner(let node, _): return (node, "setPartner")
            case .start(let node): return (node, "start")
            case .waitReady(let node): return (node, "waitReady")
            case .checkStatus(let node): return (node, "console")
            case .loadDump(let node): return (node, "load")
            case .updateManagers(let node, _, _): return (node, "console")
            case .compareTables(let node): return (node, "dumpTables")
            }
        }

        /// Both managers run with the files and conf they had before the restore.
        func expectAsBefore(_ comment: Comment) {
            for host in pair {
                #expect(host.mnesia == before[host.name], comment)
                #expect(host.conf == confBefore[host.name], comment)
                #expect(host.running, comment)
            }
        }

        /// The restore is done: in copy mode both hold the snapshot's files, in load mode
        /// the master loaded its dump and each names the other as partner; both run.
        func expectRestored(_ comment: Comment) throws {
            let journal = try store.journal(plan.id)
            #expect(journal.phase == .completed, comment)
            for host in pair {
                #expect(host.running, comment)
                switch plan.mode {
                case .copy:
                    #expect(host.mnesia == snapshotFiles, comment)
                case .load:
                    let other = pair.first { $0.name != host.name }?.node.nodename
                    #expect(host.conf["manager.partner"] == other, comment)
                }
            }
            if plan.mode == .load {
                #expect(pair[0].loadedDump == Array(InMemoryManagerHost.defaultDump.utf8), comment)
            }
        }
    }

    @Test(arguments: [RestoreMode.copy, .load])
    func aRestoreWithoutFaultsCompletes(mode: RestoreMode) throws {
        let fixture = try Fixture(mode: mode)
        var executor = try fixture.executor()
        try executor.run()
        try fixture.expectRestored("\(mode)")
        #expect(fixture.pair.allSatisfy { $0.rescue == nil })
        #expect(try fixture.store.loadRecords().records.filter { $0.tags.contains("pre-restore") }.count == 2)
    }

    @Test(arguments: steps)
    func aFailureAtAnyStepRollsBackToThePreviousFiles(_ step: StepCase) throws {
        let fixture = try Fixture(mode: step.mode)
        var executor = try fixture.executor()
        fixture.arm(&executor, .fail(InMemoryManagerHost.InjectedFailure(call: "step \(step.step)")), atStep: step.step)
        let error = #expect(throws: RestoreError.self) { try executor.run() }
        switch error {
        case .rolledBack?, .stepFailed?: break
        default: Issue.record("\(step): \(String(describing: error))")
        }
        fixture.expectAsBefore("\(step)")
        #expect(try fixture.store.journal(fixture.plan.id).phase == .rolledBack)
    }

    @Test(arguments: steps)
    func aKillAtAnyStepIsFinishedByResume(_ step: StepCase) throws {
        let fixture = try Fixture(mode: step.mode)
        var executor = try fixture.executor()
        fixture.arm(&executor, .kill, atStep: step.step)
        #expect(throws: Interrupted.self) { try executor.run() }
        #expect(try fixture.store.journal(fixture.plan.id).phase == .running)
        var resumed = try fixture.executor(fromStore: true)
        try resumed.run()
        try fixture.expectRestored("\(step)")
    }

    @Test(arguments: steps)
    func aKillAtAnyStepIsUndoneByRollbackTwice(_ step: StepCase) throws {
        let fixture = try Fixture(mode: step.mode)
        var executor = try fixture.executor()
        fixture.arm(&executor, .kill, atStep: step.step)
        #expect(throws: Interrupted.self) { try executor.run() }
        for attempt in 1...2 {
            var undo = try fixture.executor(fromStore: true)
            let error = #expect(throws: RestoreError.self) { try undo.rollback(after: "interrupted") }
            guard case .rolledBack? = error else {
                Issue.record("\(step), rollback \(attempt): \(String(describing: error))")
                return
            }
            fixture.expectAsBefore("\(step), rollback \(attempt)")
        }
    }

    @Test func aKillInTheMiddleOfARollbackIsFinishedByTheNextOne() throws {
        let fixture = try Fixture(mode: .copy)
        var executor = try fixture.executor()
        fixture.arm(&executor, .fail(InMemoryManagerHost.InjectedFailure(call: "swap")), atStep: 10)
        fixture.pair[0].inject(.kill, at: "putBack")
        #expect(throws: Interrupted.self) { try executor.run() }
        #expect(try fixture.store.journal(fixture.plan.id).phase == .rollingBack)
        var undo = try fixture.executor(fromStore: true)
        #expect(throws: RestoreError.self) { try undo.rollback(after: "interrupted") }
        fixture.expectAsBefore("rollback after a killed rollback")
    }
}
