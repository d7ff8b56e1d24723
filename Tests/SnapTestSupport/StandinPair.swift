import Foundation
import Glibc

/// A LeoFS manager pair stand-in (`Tests/Testbed/leofs-testbed`) made for one test: its own
/// directory, node names and free ports, stopped when the value is released.
package final class StandinPair: @unchecked Sendable {
    // Fields are set once in init; deinit runs once.
    package let directory: TemporaryDirectory
    package let names: [String]
    package let basePort: Int
    private let reservation: PortReservation

    /// Lays out a pair; `names` defaults to fresh unique node names.
    package init(_ label: String, names: [String]? = nil, tableWait: Int = 180) throws {
        directory = TemporaryDirectory(label)
        let unique = UUID().uuidString.prefix(6).lowercased()
        self.names = names ?? ["m0_\(unique)@127.0.0.1", "m1_\(unique)@127.0.0.1"]
        reservation = try Self.freePortBlock()
        basePort = reservation.ports[0]
        let result = try ProcessRunner.run(
            PackagePaths.testbed,
            [
                "create", directory.path, "--names", self.names.joined(separator: ","), "--base-port", String(basePort),
                "--table-wait", String(tableWait),
            ])
        guard result.status == 0 else { throw FixtureError(message: "leofs-testbed create: \(result.stderr)") }
    }

    deinit { _ = try? stop() }

    package var config: String { directory("snap.yaml") }
    package var store: String { directory("store") }
    package func home(_ index: Int) -> String { directory("leo_manager_\(index)") }
    package func mnesia(_ index: Int) -> String { home(index) + "/work/mnesia/127.0.0.1" }
    package func consolePort(_ index: Int) -> Int { basePort + index }

    /// Starts both managers and waits until ready.
    package func start() throws {
        let result = try ProcessRunner.run(PackagePaths.testbed, ["start", directory.path])
        guard result.status == 0 else {
            throw FixtureError(
                message: "leofs-testbed start failed: \(result.stdout)\(result.stderr)" + nodeLogs())
        }
    }

    /// The last lines of both managers' Erlang logs, for a failure's message: why a node
    /// never became ready (a port taken, a table that would not load) is written there.
    package func nodeLogs(lines: Int = 15) -> String {
        (0..<2).map { index in
            let path = home(index) + "/log/erlang.log"
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log)"
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            return "\n\(path):\n" + tail.joined(separator: "\n")
        }.joined()
    }

    /// Stops both managers (what is not running is fine).
    @discardableResult
    package func stop() throws -> ProcessResult {
        try ProcessRunner.run(PackagePaths.testbed, ["stop", directory.path])
    }

    /// Runs `bin/leo_manager ARGS` of manager `index`.
    @discardableResult
    package func control(_ index: Int, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(home(index) + "/bin/leo_manager", arguments)
    }

    /// Wraps manager `index`'s `bin/leo_manager` so that the shell lines `before` run first
    /// (`$1` is the command); then the real script runs, unless they exited. Fault
    /// injection for tests: a `start` that fails, a `stop` that does nothing.
    package func wrapControl(_ index: Int, before: String) throws {
        let script = home(index) + "/bin/leo_manager"
        try FileManager.default.moveItem(atPath: script, toPath: script + ".real")
        try "#!/bin/sh\n\(before)\nexec '\(script).real' \"$@\"\n".write(
            toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
    }

    /// Sets manager `index`'s `timeout` in snap.yaml (every command, socket and cold copy).
    package func setTimeout(_ seconds: Int, of index: Int) throws {
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "home: \(home(index))", with: "home: \(home(index))\n    timeout: \(seconds)")
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Sends console commands (one per line) to manager `index` and returns the reply.
    package func console(_ index: Int, _ commands: String...) throws -> String {
        try Console.exchange(port: consolePort(index), commands.joined(separator: "\n") + "\n")
    }

    /// Runs snap with this pair's config.
    @discardableResult
    package func snap(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try SnapBinary.run(arguments + ["--config", config], environment: environment, directory: directory.path)
    }

    /// Starts snap with this pair's config without waiting for it (to signal it meanwhile).
    package func startSnap(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningProcess {
        try SnapBinary.start(arguments + ["--config", config], environment: environment, directory: directory.path)
    }

    /// Twelve consecutive free TCP ports (console and JSON ports of both managers), held
    /// for the pair's life.
    static func freePortBlock() throws -> PortReservation {
        // Below Linux's ephemeral range (32768+), so no outgoing connection can hold one of
        // these ports when the pair starts listening.
        guard
            let block = PortReservation.claim({
                let base = Int.random(in: 20_000...32_700)
                return Array(base..<(base + 12))
            })
        else { throw FixtureError(message: "no free block of 12 TCP ports") }
        return block
    }
}

/// A plain-socket client for the stand-in's text console, independent of snap's own.
package enum Console {
    /// Sends `text` to `host:port` (an IPv4 loopback address), half-closes, and reads until
    /// the server closes (at most 10 s).
    package static func exchange(port: Int, host: String = "127.0.0.1", _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port, host: host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw FixtureError(message: "console \(host):\(port) refused the connection") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        shutdown(fd, Int32(SHUT_WR))
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    /// Whether nothing listens on (or is bound to) `host:port`.
    package static func portIsFree(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port, host: host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    static func loopback(_ port: Int, host: String = "127.0.0.1") -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        precondition(inet_pton(AF_INET, host, &address.sin_addr) == 1, "not an IPv4 address: \(host)")
        return address
    }
}
