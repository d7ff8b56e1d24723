import Foundation
import SnapKit
import Testing

@Suite struct CommandRunnerTests {
    @Test func exitCodesOutputAndSignals() throws {
        let runner = CommandRunner()
        let ok = try runner.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], timeout: 10)
        #expect(ok.status == 3)
        #expect(ok.stdout == "out\n")
        #expect(ok.stderr == "err\n")
        let killed = try runner.run(["/bin/sh", "-c", "kill -9 $$"], timeout: 10)
        #expect(killed.status == 137)
    }

    @Test func aHangingCommandIsKilledWithItsChildrenAtTheDeadline() throws {
        let started = Date()
        #expect(throws: CommandError.self) {
            try CommandRunner().run(["/bin/sh", "-c", "sleep 300 & sleep 300"], timeout: 1)
        }
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func aDaemonLeftBehindDoesNotHoldTheOutputOpen() throws {
        let started = Date()
        // The background child keeps running; only the shell's own descriptors were ours.
        let result = try CommandRunner().run(["/bin/sh", "-c", "sleep 5 >/dev/null 2>&1 & echo started"], timeout: 30)
        #expect(result.stdout == "started\n")
        #expect(Date().timeIntervalSince(started) < 4)
    }
}
