import Foundation
import SnapTestSupport
import Testing

/// Managers that hang must be abandoned at the timeout with a clear error: cron never hangs.
@Suite struct UnresponsiveManagerTests {
    /// A manager home whose `bin/leo_manager` never returns.
    static func hangingHome(in directory: TemporaryDirectory) throws -> String {
        let home = directory("leo_manager_0")
        try FileManager.default.createDirectory(atPath: home + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/etc", withIntermediateDirectories: true)
        try "nodename = hang@127.0.0.1\nconsole.port.cui = 1\n".write(
            toFile: home + "/etc/leo_manager.conf", atomically: true, encoding: .utf8)
        try "#!/bin/sh\nsleep 600 &\nsleep 600\n".write(
            toFile: home + "/bin/leo_manager", atomically: true, encoding: .utf8)
        chmod(home + "/bin/leo_manager", 0o755)
        return home
    }

    @Test func hangingControlScriptTimesOut() throws {
        let directory = TemporaryDirectory("hang")
        let home = try Self.hangingHome(in: directory)
        try """
        store: store
        managers:
          - name: manager_0
            home: \(home)
            timeout: 2
        """.write(toFile: directory("snap.yaml"), atomically: true, encoding: .utf8)
        #expect(try SnapBinary.run(["init", "--config", directory("snap.yaml")]).status == 0)
        let started = Date()
        let result = try SnapBinary.run(["create", "--config", directory("snap.yaml")])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 1)
        #expect(result.stderr.contains("manager_0: ping"), "\(result.stderr)")
        #expect(result.stderr.contains("did not finish within 2 s"))
        #expect(elapsed < 60)  // abandoned, not waited out (the script sleeps 600 s)
        let orphans = try ProcessRunner.shell("pgrep -fx 'sleep 600' | wc -l")
        #expect(orphans.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func silentConsoleIsReportedAndTheCaptureStillSucceeds() throws {
        let pair = try StandinPair("silent-console")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        // Point snap at a port where something accepts connections but never answers.
        let silent = try SilentServer()
        let yaml = try String(contentsOfFile: pair.config, encoding: .utf8)
            .replacingOccurrences(
                of: "home: \(pair.home(0))",
                with: "home: \(pair.home(0))\n    console_port: \(silent.port)\n    timeout: 3")
        try yaml.write(toFile: pair.config, atomically: true, encoding: .utf8)
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "files", "-v"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("no ring hashes recorded"), "\(result.stderr)")
        #expect(result.stderr.contains("no answer within"))
    }

    /// What a manager's `stop` does in ``coldCaptureRestartsTheNodeWhateverStopDid(_:)``.
    enum BadStop: String, CaseIterable, Sendable {
        /// Stops the node, then never returns (a script stuck after its work).
        case hangsAfterStopping
        /// Never returns and leaves the node running.
        case hangsWithoutStopping
        /// Stops the node and exits 1 anyway (the exit code lies).
        case failsAfterStopping
        /// Exits 1 and leaves the node running.
        case failsWithoutStopping

        /// The `stop` branch of the wrapper script; `sleep` gets a duration unique to the case
        /// so that leftover sleepers can be counted while other tests run.
        var sleep: String { "sleep \(611 + (Self.allCases.firstIndex(of: self) ?? 0))" }

        var script: String {
            switch self {
            case .hangsAfterStopping: return "\"$real\" stop; \(sleep) & \(sleep)"
            case .hangsWithoutStopping: return "\(sleep) & \(sleep)"
            case .failsAfterStopping: return "\"$real\" stop; echo 'stop: something went wrong'; exit 1"
            case .failsWithoutStopping: return "echo 'stop: refused'; exit 1"
            }
        }
    }

    @Test(arguments: BadStop.allCases)
    func coldCaptureRestartsTheNodeWhateverStopDid(_ stop: BadStop) throws {
        let pair = try StandinPair("cold-\(stop.rawValue)")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let control = pair.home(0) + "/bin/leo_manager"
        try FileManager.default.moveItem(atPath: control, toPath: control + ".real")
        defer {
            // The pair is stopped through the real script.
            try? FileManager.default.removeItem(atPath: control)
            try? FileManager.default.moveItem(atPath: control + ".real", toPath: control)
            _ = try? pair.stop()
        }
        try """
        #!/bin/sh
        real="$(dirname "$0")/leo_manager.real"
        if [ "$1" = stop ]; then \(stop.script); fi
        exec "$real" "$@"
        """.write(toFile: control, atomically: true, encoding: .utf8)
        chmod(control, 0o755)
        try pair.setTimeout(8, of: 0)

        let started = Date()
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.signal == nil)
        switch stop {
        case .failsAfterStopping:
            // The node went down all the same: the copy is good, the capture succeeds.
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("manager_0 cold"))
        case .hangsAfterStopping, .hangsWithoutStopping, .failsWithoutStopping:
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("manager_0: stop"), "\(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").isEmpty)
        }
        if stop == .hangsAfterStopping || stop == .hangsWithoutStopping {
            #expect(result.stderr.contains("did not finish within 8 s"), "\(result.stderr)")
            #expect(elapsed < 120)  // abandoned at the timeout, not waited out
        }
        // Whatever stop did, the node serves again, and nothing of the hung script is left.
        #expect(try pair.control(0, ["ping"]).status == 0, "manager_0 was left stopped: \(result.stderr)")
        #expect(try pair.console(0, "get-users").contains("_test_leofs"))
        let sleepers = try ProcessRunner.shell("pgrep -fx '\(stop.sleep)' | wc -l")
        #expect(sleepers.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: pair.store).filter { $0.hasPrefix(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}

/// Listens on a free loopback port and never reads or writes.
final class SilentServer: @unchecked Sendable {
    // Set once in init; closed in deinit.
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw FixtureError(message: "cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
