import Foundation
import Glibc
import SnapTestSupport
import Testing

/// snap.yaml's `stop_command` / `start_command` (managers under a service manager) on a
/// stand-in pair: a cold capture, a Case 1 restore and its rollback stop and start the
/// managers only through them.
@Suite struct ManagerCommandTests {
    /// A running pair with a store and one user; each manager's `bin/leo_manager` logs every
    /// command it is given to `log` as `script CMD manager_N`, and `ctl` (the commands the
    /// tests configure) logs `CMD_command manager_N` before it stops or starts the node
    /// with the real launch script, as a systemd unit would: a start on a running node
    /// succeeds. `ctl` fails its next start of a manager once when `fail-start-N` exists.
    static func pair(_ label: String) throws -> StandinPair {
        let pair = try StandinPair(label)
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        _ = try pair.console(0, "create-user alice")
        let log = pair.directory("log")
        for index in 0..<2 {
            try pair.wrapControl(index, before: "echo \"script $1 manager_\(index)\" >> '\(log)'")
        }
        try """
        #!/bin/sh
        # ctl INDEX stop|start
        echo "$2_command manager_$1" >> '\(log)'
        real="\(pair.directory.path)/leo_manager_$1/bin/leo_manager.real"
        if [ "$2" = start ] && [ -e "\(pair.directory.path)/fail-start-$1" ]; then
            rm -f "\(pair.directory.path)/fail-start-$1"
            echo "unit leofs-manager@$1 entered failed state" >&2; exit 3
        fi
        out="$("$real" "$2" 2>&1)"; status=$?
        echo "$out"
        case "$out" in *"already running"*) exit 0 ;; esac
        exit $status
        """.write(toFile: pair.directory("ctl"), atomically: true, encoding: .utf8)
        chmod(pair.directory("ctl"), 0o755)
        return pair
    }

    /// Adds `lines` (snap.yaml manager keys) to manager `index`'s entry.
    static func configure(_ pair: StandinPair, _ index: Int, _ lines: [String]) throws {
        let home = "home: \(pair.home(index))"
        let yaml = try String(contentsOfFile: pair.config, encoding: .utf8)
            .replacingOccurrences(of: home, with: ([home] + lines).joined(separator: "\n    "))
        try yaml.write(toFile: pair.config, atomically: true, encoding: .utf8)
    }

    /// Both managers stopped and started by `ctl`.
    static func useCommands(_ pair: StandinPair) throws {
        for index in 0..<2 {
            let ctl = pair.directory("ctl")
            try configure(pair, index, ["stop_command: \(ctl) \(index) stop", "start_command: \(ctl) \(index) start"])
        }
    }

    static func log(_ pair: StandinPair) -> [String] {
        ((try? String(contentsOfFile: pair.directory("log"), encoding: .utf8)) ?? "").split(separator: "\n")
            .map(String.init)
    }

    /// Lines of the log where snap ran the launch script's own stop or start.
    static func scriptStopsAndStarts(_ pair: StandinPair) -> [String] {
        log(pair).filter { $0.hasPrefix("script stop") || $0.hasPrefix("script start") }
    }

    @Test func coldCaptureAndCaseOneRestoreUseTheCommands() throws {
        let pair = try Self.pair("ctlcmd-used")
        try Self.useCommands(pair)
        let snapshotState = try pair.console(0, "get-users")

        let created = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(
            Self.log(pair).filter { $0.hasSuffix("_command manager_0") } == [
                "stop_command manager_0", "start_command manager_0",
            ])
        // ping and wait_ready still go through the launch script.
        #expect(Self.log(pair).contains("script wait_ready manager_0"))
        #expect(Self.scriptStopsAndStarts(pair).isEmpty, "\(Self.log(pair))")

        _ = try pair.console(0, "create-user mallory", "delete-user alice")
        #expect(try pair.console(0, "get-users") != snapshotState)
        // Both targets: a slave that keeps its own files hands its tables to the restored master.
        let restored = try pair.snap([
            "restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes",
        ])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        // The plan shows what is run.
        #expect(restored.stdout.contains("\(pair.directory("ctl")) 1 stop"), "\(restored.stdout)")
        #expect(restored.stdout.contains("\(pair.directory("ctl")) 0 start"))
        #expect(try pair.console(0, "get-users") == snapshotState)
        #expect(try pair.console(1, "get-users") == snapshotState)
        let commands = Self.log(pair).filter { $0.contains("_command") }
        for line in ["stop_command manager_0", "stop_command manager_1", "start_command manager_1"] {
            #expect(commands.contains(line), "\(commands)")
        }
        #expect(commands.filter { $0 == "start_command manager_0" }.count == 2)
        #expect(Self.scriptStopsAndStarts(pair).isEmpty, "\(Self.log(pair))")
    }

    @Test func aStopCommandThatDoesNothingIsStillRunningAndTheNodeRuns() throws {
        let pair = try Self.pair("ctlcmd-noop")
        try Self.configure(pair, 0, ["stop_command: echo pretending to stop", "timeout: 5"])
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stderr.contains("manager_0: still running after stop"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").isEmpty)
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.console(0, "get-users").contains("alice"))
        #expect(!Self.log(pair).contains("script stop manager_0"))
    }

    @Test func aFailingStartCommandFailsTheColdCaptureNamingIt() throws {
        let pair = try Self.pair("ctlcmd-coldstart")
        try Self.useCommands(pair)
        _ = FileManager.default.createFile(atPath: pair.directory("fail-start-0"), contents: nil)
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(
            result.stderr.contains("start_command `\(pair.directory("ctl")) 0 start` failed (exit 3)"),
            "\(result.stderr)")
        #expect(result.stderr.contains("unit leofs-manager@0 entered failed state"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").isEmpty)
        // As after any failed start, the node is left for the operator; the next start works.
        #expect(try pair.control(0, ["ping"]).status != 0)
        #expect(Self.scriptStopsAndStarts(pair).filter { $0.hasSuffix("manager_0") }.isEmpty)
    }

    @Test func aFailingStartCommandRollsTheRestoreBackThroughTheCommands() throws {
        let pair = try Self.pair("ctlcmd-rollback")
        #expect(try pair.snap(["create", "--all"]).status == 0)
        _ = try pair.console(0, "create-user mallory")
        let changedState = try pair.console(0, "get-users")
        try Self.useCommands(pair)
        _ = FileManager.default.createFile(atPath: pair.directory("fail-start-1"), contents: nil)
        let result = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 5, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("rolled back"), "\(result.stderr)")
        #expect(result.stderr.contains("start_command `\(pair.directory("ctl")) 1 start` failed (exit 3)"))
        // The rollback stopped and started the pair with the commands too, and it runs on its previous data.
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.control(1, ["ping"]).status == 0)
        #expect(try pair.console(0, "get-users") == changedState)
        #expect(Self.log(pair).filter { $0 == "start_command manager_1" }.count == 2, "\(Self.log(pair))")
        #expect(Self.scriptStopsAndStarts(pair).isEmpty, "\(Self.log(pair))")
    }
}
