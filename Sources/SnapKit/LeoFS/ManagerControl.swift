import Foundation
import Glibc

/// Drives one manager through its own `bin/leo_manager` (its stop and start through
/// snap.yaml's `stop_command` / `start_command` when set), judging success by what the
/// script does, not only by its exit codes (several of them lie, see LEOFS.md).
struct ManagerControl: Sendable {
    let node: ManagerNode
    let runner: any CommandRunning

    init(_ node: ManagerNode, runner: any CommandRunning = CommandRunner()) {
        self.node = node
        self.runner = runner
    }

    /// True when `ping` answers `pong`.
    func isRunning() throws -> Bool {
        let result = try run("ping", step: "ping")
        return result.status == 0 && result.stdout.contains("pong")
    }

    /// Stops the node (snap.yaml's `stop_command` when set, else `bin/leo_manager stop`) and
    /// confirms it is down: no VM runs under its name, and, unless such a VM was seen before
    /// the stop and then seen to go (which is proof enough, and saves a cold capture the half
    /// second a `ping` VM takes to boot), ping fails.
    /// - Throws: ``LeoFSError/stillRunning(node:)`` when it does not go away, whatever the
    ///   stop said; ``LeoFSError/commandFailed(node:key:command:status:output:)`` when the
    ///   configured command exits non-zero.
    func stop() throws {
        let sawVM = !ErlangProcesses.running(nodename: node.nodename).isEmpty
        if let command = node.stopCommand {
            try runConfigured(command, key: "stop_command")
        } else {
            let result = try run("stop", step: "stop")
            if result.status != 0, try isRunning() {
                throw LeoFSError.controlFailed(
                    node: node.name, step: "stop", status: result.status,
                    output: result.stdout + result.stderr)
            }
        }
        let deadline = Date().addingTimeInterval(node.timeout)
        while !ErlangProcesses.running(nodename: node.nodename).isEmpty {
            guard Date() < deadline else { throw LeoFSError.stillRunning(node: node.name) }
            usleep(20_000)
        }
        if !sawVM, try isRunning() { throw LeoFSError.stillRunning(node: node.name) }
    }

    /// Starts the node and waits until it is ready.
    func startAndWait() throws {
        try start()
        try waitReady()
    }

    /// `start` (or snap.yaml's `start_command`, which must exit 0, on a running node too, as
    /// `systemctl start` does); returns before the node is ready. A node already running is fine.
    func start() throws {
        if let command = node.startCommand {
            try runConfigured(command, key: "start_command")
            return
        }
        let started = try run("start", step: "start")
        // `start` on a running node says so and exits 1; anything else non-zero is a failure.
        if started.status != 0 && !started.stdout.contains("already running") {
            throw LeoFSError.controlFailed(
                node: node.name, step: "start", status: started.status,
                output: started.stdout + started.stderr)
        }
    }

    /// `wait_ready`: the script polls up to 120 s.
    func waitReady() throws {
        let ready = try run("wait_ready", step: "wait_ready", timeout: max(node.timeout, 130))
        guard ready.status == 0 else {
            throw LeoFSError.controlFailed(
                node: node.name, step: "wait_ready", status: ready.status,
                output: ready.stdout + ready.stderr)
        }
    }

    /// `load-mnesia-data path`. Its exit code is 1 even on success, so success is read
    /// from the output: `{atomic,ok}`.
    func load(from path: String) throws {
        let result = try run("load-mnesia-data", path, step: "load-mnesia-data")
        guard result.stdout.contains("{atomic,ok}") else {
            throw LeoFSError.controlFailed(
                node: node.name, step: "load-mnesia-data", status: result.status,
                output: result.stdout + result.stderr)
        }
    }

    /// `dump-mnesia-data` into `path` (absolute, writable by the node's user), then checks
    /// that the file really is there: the script exits 0 on a usage error.
    func dump(to path: String) throws {
        let result = try run("dump-mnesia-data", path, step: "dump-mnesia-data")
        guard result.status == 0 else {
            throw LeoFSError.controlFailed(
                node: node.name, step: "dump-mnesia-data", status: result.status,
                output: result.stdout + result.stderr)
        }
        guard let status = try FileOps.status(path), status.st_size > 0 else {
            throw LeoFSError.dumpMissing(node: node.name, path: path)
        }
    }

    /// Runs snap.yaml's command line `key` with `/bin/sh -c`, within the node's `timeout`;
    /// anything but exit 0 is a failure (a service manager's exit status can be trusted).
    private func runConfigured(_ command: String, key: String) throws {
        let result: CommandResult
        do {
            result = try runner.run(["/bin/sh", "-c", command], timeout: node.timeout)
        } catch let CommandError.timedOut(_, seconds) {
            throw LeoFSError.commandFailed(
                node: node.name, key: key, command: command, status: 124,
                output: "did not finish within \(Int(seconds)) s and was killed")
        } catch let error as CommandError {
            throw LeoFSError.commandFailed(
                node: node.name, key: key, command: command, status: 127, output: error.description)
        }
        guard result.status == 0 else {
            throw LeoFSError.commandFailed(
                node: node.name, key: key, command: command, status: result.status,
                output: result.stdout + result.stderr)
        }
    }

    private func run(_ arguments: String..., step: String, timeout: Double? = nil) throws -> CommandResult {
        guard FileOps.exists(node.controlScript) else {
            throw LeoFSError.controlFailed(
                node: node.name, step: step, status: 127,
                output: "\(node.controlScript) does not exist; check `home` in snap.yaml")
        }
        do {
            return try runner.run([node.controlScript] + arguments, timeout: timeout ?? node.timeout)
        } catch let error as CommandError {
            throw LeoFSError.controlFailed(node: node.name, step: step, status: 124, output: error.description)
        }
    }
}
