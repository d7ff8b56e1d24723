import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// Live captures against an in-memory manager: every mode, a failure at each step of a cold
/// capture, and a hot copy whose files never settle.
@Suite struct LiveCaptureUnitTests {
    static let files: InMemoryManagerHost.Files = [
        "schema.DAT": Array("schema".utf8), "leo_s3_users.DCD": Array("users".utf8),
        "LATEST.LOG": Array("log".utf8),
    ]

    /// A store and one manager of the pair.
    final class Fixture {
        let directory = TemporaryDirectory("live-capture")
        let store: Store
        let locked: LockedStore
        let host: InMemoryManagerHost

        init(running: Bool) throws {
            store = try Store.initialize(at: directory("store"))
            locked = try LockedStore.acquire(store, by: .test)
            let node = ManagerNode(
                name: "manager_0", home: "/leofs/manager_0", nodename: "manager_0@127.0.0.1",
                partner: "manager_1@127.0.0.1", role: "master",
                mnesiaDirectory: "/leofs/manager_0/work/mnesia/127.0.0.1",
                consoleHost: "127.0.0.1", consolePort: 10010, cookie: nil, cluster: "leofs_1", timeout: 5, settle: 0)
            host = InMemoryManagerHost(node: node, mnesia: LiveCaptureUnitTests.files, running: running)
        }

        deinit { locked.release() }

        func capture(_ mode: SnapshotRecord.CaptureMode.Requested) throws -> SnapshotRecord {
            try LiveCapture(store: locked, host: host, compression: .standard)
                .capture(mode: mode, tags: [], note: nil, cluster: nil)
        }
    }

    struct ModeCase: Sendable, CustomTestStringConvertible {
        var requested: SnapshotRecord.CaptureMode.Requested
        var running: Bool
        var recorded: SnapshotRecord.CaptureMode
        var testDescription: String { "\(requested.rawValue) on a \(running ? "running" : "stopped") node" }
    }

    static let modes = [
        ModeCase(requested: .auto, running: true, recorded: .filesAndDump),
        ModeCase(requested: .auto, running: false, recorded: .cold),
        ModeCase(requested: .files, running: true, recorded: .files),
        ModeCase(requested: .dump, running: true, recorded: .dump),
        ModeCase(requested: .cold, running: true, recorded: .cold),
    ]

    @Test(arguments: modes)
    func everyModeRecordsTheManagersContent(_ mode: ModeCase) throws {
        let fixture = try Fixture(running: mode.running)
        let record = try fixture.capture(mode.requested)
        #expect(record.mode == mode.recorded)
        let content = try InMemoryManagerHost.content(of: record, from: fixture.store)
        #expect(content.mnesia == (mode.recorded == .dump ? [:] : Self.files))
        let dumped = [.dump, .filesAndDump].contains(mode.recorded)
        #expect(content.dump == (dumped ? Array(fixture.host.dumpText.utf8) : nil))
        #expect(record.tables?.isEmpty == (dumped ? false : nil))
        #expect(record.ringHashes?.current == (mode.running ? fixture.host.ringHash : nil))
        #expect(fixture.host.running == mode.running)
        if mode.recorded == .cold && mode.running { #expect(record.downtimeSeconds != nil) }
    }

    /// Calls of a cold capture that can fail; the start itself cannot leave the node running.
    @Test(arguments: ["isRunning", "checkMnesiaDirectory", "stop", "copy", "waitReady"])
    func aColdCaptureThatFailsAtAnyStepLeavesTheNodeRunningAndRecordsNothing(_ call: String) throws {
        let fixture = try Fixture(running: true)
        fixture.host.inject(.fail(InMemoryManagerHost.InjectedFailure(call: call)), at: call)
        #expect(throws: (any Error).self) { try fixture.capture(.cold) }
        #expect(fixture.host.running)
        #expect(fixture.host.calls.contains(call))
        #expect(try fixture.store.loadRecords().records.isEmpty)
    }

    @Test func aFailedStartIsReportedAsTheStartStep() throws {
        let fixture = try Fixture(running: true)
        fixture.host.inject(.fail(InMemoryManagerHost.InjectedFailure(call: "start")), at: "start")
        let error = #expect(throws: CaptureError.self) { try fixture.capture(.cold) }
        #expect(error?.step == "start")
        #expect(try fixture.store.loadRecords().records.isEmpty)
    }

    @Test func aHotCopyWhoseFilesKeepChangingIsRefusedAfterTheAttempts() throws {
        let fixture = try Fixture(running: true)
        fixture.host.keepChangingFiles()
        let error = #expect(throws: CaptureError.self) { try fixture.capture(.files) }
        #expect(error?.cause is HotCopyUnstable)
        #expect(fixture.host.calls.filter { $0 == "scan" }.count == LiveCapture.hotCopyAttempts)
        #expect(try fixture.store.loadRecords().records.isEmpty)
        #expect(fixture.host.running)
    }

    @Test(arguments: [SnapshotRecord.CaptureMode.Requested.files, .dump])
    func aModeThatNeedsARunningNodeRefusesAStoppedOne(_ mode: SnapshotRecord.CaptureMode.Requested) throws {
        let fixture = try Fixture(running: false)
        let error = #expect(throws: CaptureError.self) { try fixture.capture(mode) }
        #expect(error?.step == mode.rawValue)
        #expect(!fixture.host.running)
    }
}
