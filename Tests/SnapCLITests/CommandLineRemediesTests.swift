import SnapKit
import Testing

@testable import SnapCLI

/// SnapKit's messages name remedies; only the command line spells them as commands and flags.
@Suite struct CommandLineRemediesTests {
    /// Every remedy, with how the command line has always spelled it.
    static let spelled: [(Remedy, String)] = [
        (.coldMode, "--mode cold"),
        (.fromDirectory, "--from-dir"),
        (
            .captureDirectory("/s/restores/ab12/rescue/manager_0"),
            "snap create --from-dir /s/restores/ab12/rescue/manager_0"
        ),
        (.allowIncomplete, "--allow-incomplete"),
        (.configPath, "--config PATH"),
        (.policyPath, "--policy PATH"),
        (.storePath, "--store PATH"),
        (.waitForLock, "--wait SECONDS"),
        (.initStore("/var/snap"), "`snap init --store /var/snap`"),
        (.verify("0f3a"), "`snap verify 0f3a`"),
        (.verify(nil), "`snap verify`"),
        (.verifyAll, "`snap verify --all`"),
        (.list(tag: "pre-restore"), "`snap list --tag pre-restore`"),
        (.list(tag: nil), "`snap list`"),
        (.prune, "`snap prune`"),
        (.resumeRestore("ab12"), "`snap restore --resume ab12`"),
        (.rollBackRestore("ab12"), "`snap restore --rollback ab12`"),
        (.continueRollback("ab12"), "--rollback ab12"),
        (.restore(snapshot: "v7", to: "manager_0"), "snap restore v7 --to manager_0"),
        (.copyMode, "--mode copy"),
        (.loadMode, "--mode load"),
        (.target("manager_1"), "--to manager_1"),
        (.target(nil), "--to"),
        (.dryRun, "--dry-run"),
        (.confirm, "--yes"),
    ]

    @Test(arguments: spelled)
    func theCommandLineSpellsTodaysTextAndPlainWordsNameNoFlag(remedy: Remedy, commandLine: String) {
        #expect(Remedy.commandLine(remedy) == commandLine)
        let plain = Remedy.plainWords(remedy)
        #expect(!plain.contains("--") && !plain.contains("`") && !plain.hasPrefix("snap "), "\(plain)")
    }
}
