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
