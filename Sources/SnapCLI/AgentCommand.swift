import ArgumentParser
import Foundation
import Logging
import SnapKit

struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Serve a backup host's snap over SSH (stdin/stdout): run on a manager's host, never by hand.",
        discussion: """
            The backup host runs `ssh HOST snap agent` for each manager whose snap.yaml entry names a \
            host. For an authorized_keys forced command, name the manager homes it may serve: \
            command="/usr/local/bin/snap agent --home /usr/local/leofs/current/leo_manager_0",restrict ssh-ed25519 ...
            It then refuses any other home, any path outside them, console commands other than status \
            and update-managers, and every snap.yaml key sent to it but timeout, settle and role.
            """)

    @Option(
        name: .customLong("home"),
        help: ArgumentHelp("A manager home this agent serves (repeat for several); none: any.", valueName: "dir"))
    var homes: [String] = []

    @Flag(help: "Log what the agent does on stderr (ssh passes it to the backup host).")
    var verbose = false

    func run() throws {
        var logger = Logger(label: "snap-agent")
        logger.logLevel = verbose ? .info : .warning
        let environment = ProcessInfo.processInfo.environment
        let agent = Agent(
            homes: homes.isEmpty ? nil : homes, hooks: DebugHooks(environment: environment), logger: logger)
        let status = agent.serve()
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}
