import ArgumentParser
import Foundation
import SnapKit

/// The `snap` command tree.
struct SnapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snap",
        abstract: "Backups and snapshots of LeoFS manager metadata (Mnesia).",
        discussion: """
            Exit codes: 0 ok, 1 error, 2 usage, 3 partial, 4 verification failed, \
            5 restore rolled back, 6 refused while a restore is unfinished, 11 store locked, \
            130 interrupted (SIGINT), 143 terminated (SIGTERM), 129 hung up (SIGHUP).
            Signals: SIGINT, SIGTERM and SIGHUP end a command at its next safe point: a node a cold \
            capture stopped is started again first, temporary files are removed, and the audit log \
            says interrupted.
            """,
        version: ToolInfo.version,
        subcommands: [
            InitCommand.self, CreateCommand.self, ListCommand.self, ShowCommand.self, VerifyCommand.self,
            DiffCommand.self, ExtractCommand.self, RestoreCommand.self, CopyCommand.self, PruneCommand.self,
            PinCommand.self, UnpinCommand.self, KeyCommand.self, RekeyCommand.self, CheckCommand.self, CronCommand.self,
            HistoryCommand.self, ReportCommand.self, AuditCommand.self,
            AgentCommand.self,
        ]
    )
}

/// Entry point used by the `snap` executable.
public enum SnapMain {
    /// Parses `arguments` (without the program name), runs the command, and returns the
    /// exit status of the contract.
    public static func run(_ arguments: [String]) -> Int32 {
        Remedy.spelling = Remedy.commandLine
        do {
            var command = try SnapCommand.parseAsRoot(moveGlobalOptions(arguments))
            try command.run()
            // A command with no safe point left when the signal came finished its work.
            if let interrupted = Interruption.unhandled() { return report(interrupted) }
            return 0
        } catch let interrupted as Interrupted {
            return report(interrupted)
        } catch let failure as any SnapFailure {
            for line in failure.lines {
                Output.error("snap: error: \(line)")
            }
            return failure.exitStatus.rawValue
        } catch {
            return report(error)
        }
    }

    /// One line on stderr, and the signal's status (130, 143, 129).
    private static func report(_ interrupted: Interrupted) -> Int32 {
        Output.error("snap: interrupted (\(interrupted.signalName)): \(interrupted.state)")
        return interrupted.exitStatus.rawValue
    }

    /// Help, version, usage errors and exit codes thrown by argument-parser.
    private static func report(_ error: any Error) -> Int32 {
        let code = SnapCommand.exitCode(for: error)
        let message = SnapCommand.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { Output.line(message) }
            return 0
        }
        if !message.isEmpty { Output.error(message) }
        if code == .validationFailure { return ExitStatus.usage.rawValue }
        return code.rawValue
    }

    /// Moves global options typed before the subcommand (`snap --store S list`) behind it,
    /// where every subcommand accepts them.
    static func moveGlobalOptions(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if GlobalOptions.flags.contains(argument) {
                moved.append(argument)
                index += 1
            } else if GlobalOptions.valued.contains(name) {
                moved.append(argument)
                if !argument.contains("="), index + 1 < arguments.count {
                    moved.append(arguments[index + 1])
                    index += 1
                }
                index += 1
            } else {
                break
            }
        }
        guard !moved.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        if let separator = rest.firstIndex(of: "--") {
            rest.insert(contentsOf: moved, at: separator)
        } else {
            rest += moved
        }
        return rest
    }
}
