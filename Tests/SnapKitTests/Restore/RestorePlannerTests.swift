import Foundation
import Testing

@testable import SnapKit

@Suite struct RestorePlannerTests {
    static func node(_ name: String, _ nodename: String, partner: String?, role: String) -> ManagerNode {
        ManagerNode(
            name: name, home: "/leofs/\(name)", nodename: nodename, partner: partner, role: role,
            mnesiaDirectory: "/leofs/\(name)/work/mnesia/127.0.0.1", consoleHost: "127.0.0.1", consolePort: 10010,
            cookie: nil, cluster: "leofs_1", timeout: 60, settle: 2.5)
    }

    static let pair = [
        node("manager_0", "manager_0@10.0.0.1", partner: "manager_1@10.0.0.2", role: "master"),
        node("manager_1", "manager_1@10.0.0.2", partner: "manager_0@10.0.0.1", role: "slave"),
    ]
    static let newPair = [
        node("manager_0", "manager_2@10.0.0.3", partner: "manager_1@10.0.0.2", role: "master"),
        node("manager_1", "manager_3@10.0.0.4", partner: "manager_0@10.0.0.1", role: "slave"),
    ]

    static func record(nodename: String? = "manager_1@10.0.0.2", dump: Bool = true) -> SnapshotRecord {
        var record = SnapshotRecord(
            id: "abcdef0123456789", version: 7, created: Date(timeIntervalSince1970: 0), node: "manager_1",
            partner: "manager_0@10.0.0.1", mode: .filesAndDump, host: "h", user: "u", toolVersion: "0",
            bundleSha256: "b", bundleSize: 1, treeDigest: "t", deduplicated: false, fileCount: 1, unpackedSize: 1,
            hasDump: dump)
        record.nodename = nodename
        return record
    }

    func plan(_ record: SnapshotRecord, targets: [ManagerNode], pair: [ManagerNode], mode: RestoreMode? = nil) throws
        -> RestorePlan
    {
        try RestorePlanner.plan(
            id: "r1", record: record, targets: targets, pair: pair, requestedMode: mode,
            rescue: { "/store/restores/r1/rescue/\($0.name)" })
    }

    @Test func targetsInThePairDefaultToCopyInTheSeedsWords() throws {
        let plan = try plan(Self.record(), targets: [Self.pair[0]], pair: Self.pair)
        #expect(plan.mode == .copy)
        #expect(plan.modeReason.contains("belongs to the snapshot's pair"))
        #expect(plan.steps.map(\.number) == Array(1...plan.steps.count))
        #expect(plan.steps.first?.title == "Stop both the manager-master and the manager-slave")
        #expect(plan.steps.contains { $0.action == .rescue(node: "manager_0") })
        #expect(!plan.steps.contains { $0.action == .rescue(node: "manager_1") })
        #expect(plan.steps.filter { if case .start = $0.action { return true } else { return false } }.count == 2)
        #expect(plan.pair == ["manager_0", "manager_1"])
    }

    @Test func thePlanShowsTheConfiguredStopAndStartCommands() throws {
        var pair = Self.pair
        pair[0].stopCommand = "systemctl stop leofs-manager@0"
        pair[0].startCommand = "systemctl start leofs-manager@0"
        let plan = try plan(Self.record(), targets: [pair[0]], pair: pair)
        let operations = plan.steps.map(\.operation)
        #expect(operations.contains("systemctl stop leofs-manager@0"))
        #expect(operations.contains("systemctl start leofs-manager@0"))
        // manager_1 has neither: its launch script does it.
        #expect(operations.contains("/leofs/manager_1/bin/leo_manager stop"))
        #expect(operations.contains("/leofs/manager_1/bin/leo_manager start"))
        #expect(!operations.contains("/leofs/manager_0/bin/leo_manager stop"))
        #expect(operations.contains("/leofs/manager_0/bin/leo_manager wait_ready"))
    }

    @Test func newNodeNamesDefaultToLoad() throws {
        let plan = try plan(Self.record(), targets: Self.newPair, pair: Self.newPair)
        #expect(plan.mode == .load)
        #expect(plan.modeReason.contains("are not in the snapshot's pair"))
        #expect(plan.steps.contains { $0.action == .setPartner(node: "manager_0", partner: "manager_3@10.0.0.4") })
        #expect(plan.steps.contains { $0.action == .setPartner(node: "manager_1", partner: "manager_2@10.0.0.3") })
        #expect(
            plan.steps.contains {
                $0.action
                    == .updateManagers(node: "manager_0", master: "manager_2@10.0.0.3", slave: "manager_3@10.0.0.4")
            })
        #expect(plan.steps.last?.action == .compareTables(node: "manager_0"))
    }

    @Test(arguments: [
        ("copy outside the pair", "not in the pair"),
        ("load without a dump", "has no dump"),
        ("load on one manager", "both managers"),
        ("copy without node names", "does not record its node names"),
        ("unknown partner", "no manager.partner"),
    ])
    func refusals(name: String, message: String) {
        #expect {
            switch name {
            case "copy outside the pair":
                _ = try plan(Self.record(), targets: Self.newPair, pair: Self.newPair, mode: .copy)
            case "load without a dump":
                _ = try plan(Self.record(dump: false), targets: Self.newPair, pair: Self.newPair)
            case "load on one manager":
                _ = try plan(Self.record(), targets: [Self.newPair[0]], pair: Self.newPair)
            case "copy without node names":
                _ = try plan(Self.record(nodename: nil), targets: [Self.pair[0]], pair: Self.pair, mode: .copy)
            default:
                var lonely = Self.pair[0]
                lonely.partner = nil
                _ = try plan(Self.record(), targets: [lonely], pair: [lonely, Self.pair[1]])
            }
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func confEditKeepsCommentsAndOrder() {
        let text =
            "## Partner of manager's alias\nnodename = a@h\n# manager.partner = old@h\nmanager.partner = b@h\n\n## end\n"
        let edited = ConfEditor.setting("manager.partner", to: "c@h", in: text)
        #expect(
            edited
                == "## Partner of manager's alias\nnodename = a@h\n# manager.partner = old@h\nmanager.partner = c@h\n\n## end\n"
        )
        #expect(
            ConfEditor.setting("manager.partner", to: "c@h", in: "nodename = a@h")
                == "nodename = a@h\nmanager.partner = c@h\n")
    }

    @Test func tableComparisonNamesEveryDifference() {
        let expected = [
            TableSummary(name: "a", rows: 2, digest: "x"), TableSummary(name: "b", rows: 1, digest: "y"),
            TableSummary(name: "c", rows: 3, digest: "z"),
        ]
        let found = [TableSummary(name: "a", rows: 2, digest: "x"), TableSummary(name: "b", rows: 1, digest: "q")]
        #expect(
            TableComparison.differences(expected: expected, found: found) == [
                "table b: same row count, different rows", "table c is missing (3 rows in the snapshot)",
            ])
    }

    /// After a takeover, rows the fresh schema held are merged with the dump's: up to that
    /// many extra rows are expected; missing rows and rows beyond both are not.
    @Test(
        arguments: [
            (found: 5, fresh: 0, digest: "s", expected: nil),
            (found: 6, fresh: 0, digest: "f", expected: "table t: 6 rows, the snapshot had 5"),
            (found: 6, fresh: 2, digest: "f", expected: nil),
            (found: 7, fresh: 2, digest: "f", expected: nil),
            (found: 8, fresh: 2, digest: "f", expected: "table t: 8 rows, the snapshot had 5 and the fresh schema 2"),
            (found: 4, fresh: 2, digest: "f", expected: "table t: 4 rows, the snapshot had 5"),
            (found: 5, fresh: 2, digest: "f", expected: "table t: same row count, different rows"),
        ] as [(found: Int, fresh: Int, digest: String, expected: String?)])
    func tableComparisonAllowsTheFreshSchemasRows(found: Int, fresh: Int, digest: String, expected: String?) {
        let differences = TableComparison.differences(
            expected: [TableSummary(name: "t", rows: 5, digest: "s")],
            found: [TableSummary(name: "t", rows: found, digest: digest)],
            freshSchema: fresh > 0 ? [TableSummary(name: "t", rows: fresh, digest: "d")] : [])
        #expect(differences == (expected.map { [$0] } ?? []))
    }
}
