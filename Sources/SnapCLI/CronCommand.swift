import ArgumentParser
import Foundation
import SnapKit

struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Print the crontab line for a policy's schedule (for `crontab -e`).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Policy name or path (default: the config's, else default).", valueName: "policy"))
    var policy: String?

    @Option(help: ArgumentHelp("Seconds a run waits for an overlapping one before exiting 11.", valueName: "seconds"))
    var lockWait: Int = 600

    @Option(help: ArgumentHelp("node_exporter textfile to write after each run.", valueName: "file"))
    var metrics: String?

    func run() throws {
        let entry: CronEntry
        do {
            entry = try CronEntry(policy: policy, in: try CommandContext(global).session)
        } catch let error as CronError {
            throw ValidationError(error.description)
        }
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var command = [
            binary, "create", "--prune", "--policy", entry.policyPath, "--config", entry.configPath, "--quiet",
            "--wait", String(lockWait),
        ]
        if let metrics { command += ["--metrics", URL(fileURLWithPath: metrics).standardizedFileURL.path] }
        Output.line(
            "# snap: \(entry.policyFile). Silent on success; on failure one line per manager on stderr, which cron mails."
        )
        if let offsite = entry.offsite {
            let copy = offsite.afterCreate ? "copies each new snapshot to remote \(offsite.remote)" : nil
            let prune = offsite.keep != nil ? "prunes remote \(offsite.remote) by offsite.keep" : nil
            let said = [copy, prune].compactMap { $0 }
            if !said.isEmpty { Output.line("# Each run also " + said.joined(separator: " and ") + ".") }
        }
        if let load = entry.loadSummary { Output.line("# Each run also \(load).") }
        Output.line("\(entry.schedule) \(command.map(Self.shellQuote).joined(separator: " "))")
    }

    /// Quotes for /bin/sh, which cron uses; `%` is special to cron and is escaped.
    static func shellQuote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:@,+".contains($0) }
        let quoted = safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return quoted.replacingOccurrences(of: "%", with: "\\%")
    }
}
