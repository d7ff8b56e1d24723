import Foundation
import Glibc

/// What an external command printed and how it ended.
package struct CommandResult: Sendable, Equatable {
    /// Exit status (128 + signal when killed).
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

/// Runs external programs (`bin/leo_manager`) with a hard deadline.
///
/// Each command runs in its own process group, so on timeout the whole tree (the control
/// script and the Erlang VMs it started) is killed: cron must never hang.
package protocol CommandRunning: Sendable {
    /// Runs `arguments[0]` with the rest as its arguments.
    /// - Throws: ``CommandError/timedOut(_:seconds:)`` when the deadline passes.
    func run(_ arguments: [String], timeout: Double) throws -> CommandResult
}

/// Failures to run a command at all.
package enum CommandError: SnapFailure, Equatable {
    case timedOut(String, seconds: Double)
    case cannotStart(String, String)

    package var description: String {
        switch self {
        case let .timedOut(command, seconds):
            return "\(command) did not finish within \(Int(seconds)) s and was killed; check the node and its logs"
        case let .cannotStart(command, reason):
            return "cannot run \(command): \(reason)"
        }
    }
}

/// The real runner: `posix_spawn` into a new process group, output collected with `poll`.
package struct CommandRunner: CommandRunning {
    package init() {}

    package func run(_ arguments: [String], timeout: Double) throws -> CommandResult {
        try run(arguments, environment: nil, directory: nil, timeout: timeout)
    }

    /// Runs with a given environment (`nil`: snap's own) and working directory.
    package func run(_ arguments: [String], environment: [String: String]?, directory: String?, timeout: Double) throws
        -> CommandResult
    {
        guard !arguments.isEmpty else { throw CommandError.cannotStart("(nothing)", "empty command") }
        let display = arguments.joined(separator: " ")
        let child: CapturedChild
        switch CapturedChild.spawn(
            arguments, environment: environment.map { $0.map { "\($0.key)=\($0.value)" } }, directory: directory)
        {
        case .success(let started): child = started
        case .failure(let failure): throw CommandError.cannotStart(display, failure.reason)
        }
        defer { child.descriptors.forEach { close($0) } }
        let pid = child.pid
        let descriptors = child.descriptors
        let deadline = Date().addingTimeInterval(timeout)
        var output: [[UInt8]] = [[], []]
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.contains(true) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                kill(-pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw CommandError.timedOut(display, seconds: timeout)
            }
            var fds = descriptors.enumerated().filter { open[$0.offset] }.map {
                pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0)
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            for fd in fds where fd.revents != 0 {
                guard let index = descriptors.firstIndex(of: fd.fd) else { continue }
                let count = read(fd.fd, &buffer, buffer.count)
                if count <= 0 {
                    open[index] = false
                } else {
                    output[index] += buffer[0..<count]
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CommandResult(
            status: exitStatus, stdout: String(decoding: output[0], as: UTF8.self),
            stderr: String(decoding: output[1], as: UTF8.self))
    }
}
