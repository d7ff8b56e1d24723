import Foundation
import SnapKit

/// What a finished process said and how it ended.
package struct ProcessResult: Sendable {
    /// The exit status, or the signal number when a signal ended the process (see ``signal``).
    package var status: Int32
    package var stdout: String
    package var stderr: String
    /// The signal that ended the process, if one did: a crash (SIGILL, SIGTRAP, SIGSEGV,
    /// SIGABRT) is told apart from exit codes 4, 5 and 11 only here.
    package var signal: Int32?
}

/// Runs programs for tests and collects their output.
package enum ProcessRunner {
    /// Runs `executable` with `arguments` to completion.
    @discardableResult
    package static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil
    ) throws -> ProcessResult {
        let process = try start(executable, arguments, environment: environment, directory: directory)
        return process.wait()
    }

    /// Starts `executable`; call ``RunningProcess/wait()`` for the result. Only for programs
    /// that leave no daemons behind (see ``run(_:_:environment:directory:)``).
    package static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil
    ) throws -> RunningProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningProcess(process: process, out: out, err: err)
    }

    /// Runs a shell command line; for tools like `tar` and `sha256sum`.
    @discardableResult
    package static func shell(_ command: String, directory: String? = nil) throws -> ProcessResult {
        try run("/bin/sh", ["-c", command], directory: directory)
    }
}

/// A started process whose output is being collected.
package final class RunningProcess: @unchecked Sendable {
    // The pipes are drained on background threads; results are read after both finish.
    package let process: Process
    private let group = DispatchGroup()
    private var outData = Data()
    private var errData = Data()

    init(process: Process, out: Pipe, err: Pipe) {
        self.process = process
        group.enter()
        DispatchQueue.global().async { [self] in
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async { [self] in
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }

    /// The process id, for signals.
    package var pid: Int32 { process.processIdentifier }

    /// Sends `number` (SIGINT, SIGTERM, ...) to the process alone, not its group.
    /// Whether the process has not ended yet.
    package var isRunning: Bool { process.isRunning }

    package func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Sends `number` to the process group the process leads (Foundation's `Process` starts
    /// each child in a group of its own, as a shell does a foreground job), as a terminal's
    /// Ctrl-C reaches every process of the job.
    package func signalGroup(_ number: Int32) {
        precondition(getpgid(pid) == pid, "\(pid) leads no process group: the test runner's would be signalled")
        kill(-pid, number)
    }

    /// Waits `seconds`, then sends `number` to the process (or its whole group); false
    /// when the process had already ended.
    @discardableResult
    package func signal(_ number: Int32, after seconds: Double, toGroup: Bool = false) -> Bool {
        Thread.sleep(forTimeInterval: seconds)
        guard process.isRunning else { return false }
        if toGroup { signalGroup(number) } else { signal(number) }
        return true
    }

    /// Waits for exit and returns the result.
    package func wait() -> ProcessResult {
        process.waitUntilExit()
        group.wait()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil)
    }
}
