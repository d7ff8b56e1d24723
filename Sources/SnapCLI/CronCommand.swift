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
        let entry = try CronEntry(
            policy: policy, binary: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
            lockWait: lockWait, metricsPath: metrics, in: try CommandContext(global).session)
        Output.line(
            "# snap: \(entry.policyPath). Silent on success; on failure one line per manager on stderr, which cron mails."
        )
        Output.line(entry.line)
    }
}
