import Foundation
import Glibc
import SnapTestSupport
import Testing

@testable import SnapKit

/// `stop_command` / `start_command` against a stub `bin/leo_manager` that logs what it is
/// asked and answers `ping` as told; no Erlang runs (the node name is one no VM has).
@Suite struct ManagerControlTests {
    /// A home whose `bin/leo_manager` appends its command to `calls` and answers ping with
    /// `pong` while the file `up` exists.
    static func stubbedNode(_ label: String, timeout: Double = 20) throws -> (ManagerNode, TemporaryDirectory) {
        let directory = TemporaryDirectory(label)
        try FileManager.default.createDirectory(atPath: directory("home/bin"), withIntermediateDirectories: true)
        let script = directory("home/bin/leo_manager")
        try """
        #!/bin/sh
        echo "$1" >> '\(directory("calls"))'
        if [ "$1" = ping ]; then
            if [ -e '\(directory("up"))' ]; then echo pong; exit 0; fi
            echo pang; exit 1
        fi
        exit 0
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let node = ManagerNode(
            name: "manager_0", home: directory("home"), nodename: "stub_\(UUID().uuidString.prefix(8))@127.0.0.1",
            partner: nil, role: "master", mnesiaDirectory: directory("home/work/mnesia"), consoleHost: "127.0.0.1",
            consolePort: 1, cookie: nil, cluster: nil, timeout: timeout, settle: 0)
        return (node, directory)
    }

    static func calls(_ directory: TemporaryDirectory) -> [String] {
        ((try? String(contentsOfFile: directory("calls"), encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    @Test func theStopCommandReplacesTheScriptsStop() throws {
        var (node, directory) = try Self.stubbedNode("ctl-stop")
        _ = FileManager.default.createFile(atPath: directory("up"), contents: nil)
        node.stopCommand = "rm '\(directory("up"))' && echo stopped"
        try ManagerControl(node).stop()
        #expect(!FileManager.default.fileExists(atPath: directory("up")))
        // Down is confirmed with the script's ping; its stop is never run.
        #expect(Self.calls(directory) == ["ping"])
    }

    @Test func aStopCommandThatLeavesTheNodeUpIsStillRunning() throws {
        var (node, directory) = try Self.stubbedNode("ctl-noop")
        _ = FileManager.default.createFile(atPath: directory("up"), contents: nil)
        node.stopCommand = "true"
        #expect(throws: LeoFSError.stillRunning(node: "manager_0")) { try ManagerControl(node).stop() }
        #expect(Self.calls(directory) == ["ping"])
    }

    @Test func aFailingStopCommandIsOneLineNamingItsStatusAndLastOutput() throws {
        var (node, directory) = try Self.stubbedNode("ctl-stopfail")
        _ = FileManager.default.createFile(atPath: directory("up"), contents: nil)
        let command = "echo stopping; echo 'Job for leofs-manager@0.service failed.' >&2; exit 5"
        node.stopCommand = command
        let error = try #require(throws: LeoFSError.self) { try ManagerControl(node).stop() }
        let message = "\(error)"
        #expect(message.hasPrefix("manager_0: stop_command `\(command)` failed (exit 5): "), "\(message)")
        #expect(message.hasSuffix("Job for leofs-manager@0.service failed."), "\(message)")
        #expect(!message.contains("\n"))
        #expect(Self.calls(directory).isEmpty)
    }

    @Test func aHangingStopCommandIsKilledAtTheTimeout() throws {
        var (node, _) = try Self.stubbedNode("ctl-stophang", timeout: 1)
        node.stopCommand = "sleep 37"
        let error = try #require(throws: LeoFSError.self) { try ManagerControl(node).stop() }
        #expect(
            "\(error)"
                == "manager_0: stop_command `sleep 37` failed (exit 124): did not finish within 1 s and was killed")
    }

    @Test func theStartCommandReplacesTheScriptsStartAndMustExitZero() throws {
        var (node, directory) = try Self.stubbedNode("ctl-start")
        node.startCommand = "touch '\(directory("up"))'"
        try ManagerControl(node).start()
        #expect(FileManager.default.fileExists(atPath: directory("up")))
        #expect(Self.calls(directory).isEmpty)

        node.startCommand = "echo 'unit leofs-manager@0 not found' >&2; exit 5"
        let error = try #require(throws: LeoFSError.self) { try ManagerControl(node).start() }
        #expect(
            "\(error)"
                == "manager_0: start_command `\(node.startCommand ?? "")` failed (exit 5): unit leofs-manager@0 not found"
        )
        #expect(Self.calls(directory).isEmpty)
    }
}
