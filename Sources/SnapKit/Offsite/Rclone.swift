import Foundation
import Glibc

/// Runs rclone for one remote: its rclone.conf and flags, the remote's deadline, snap's
/// signals, and errors turned into one line that names the remote (``OffsiteError``).
///
/// rclone does the work snap does not want to own (signing, retries, multipart, the 40-odd
/// backends); snap runs it once per batch (a listing, an upload, a read-back) and never
/// once per object.
struct Rclone: Sendable {
    /// The remote every run is about.
    let remote: RemoteEntry
    /// The program: `$SNAP_RCLONE`, else `rclone` on the PATH.
    var program: String = {
        let environment = ProcessInfo.processInfo.environment
        let name = environment["SNAP_RCLONE"] ?? "rclone"
        return ProcessSpawn.locate(name, path: environment["PATH"]) ?? name
    }()
    /// Receives what rclone is doing and its one-line transfer statistics (`upload: 12 MiB /
    /// 40 MiB, 31%, ...`), about once a second, for a progress line.
    var progress: (@Sendable (String) -> Void)?

    /// What a run printed.
    struct Output {
        var stdout: [UInt8]
        var stderr: String
    }

    /// The flags every run gets before the remote's own (which may override them): the
    /// config, the deadline for connecting and for each read or write, few retries (the next
    /// run finishes what this one did not), and statistics snap reads for progress.
    var commonFlags: [String] {
        let seconds = "\(Int(remote.timeout.rounded(.up)))s"
        var flags = [
            "--contimeout", seconds, "--timeout", seconds, "--retries", "1", "--low-level-retries", "3",
            "--stats", "1s", "--stats-one-line", "--stats-log-level", "NOTICE",
        ]
        if let config = remote.rcloneConfig { flags = ["--config", config] + flags }
        return flags + remote.flags
    }

    /// rclone's environment: snap's, without `AWS_CA_BUNDLE`, which Debian's rclone 1.60 cannot
    /// use with its S3 backend (every request fails with LoadCustomCABundleError); a remote
    /// that needs its own CA passes `--ca-cert` in `rclone_flags`.
    static func environment() -> [String] {
        ProcessInfo.processInfo.environment.filter { $0.key != "AWS_CA_BUNDLE" }.map { "\($0.key)=\($0.value)" }
    }

    /// Runs `rclone ARGUMENTS` and waits for it; `what` says what it was for in errors
    /// ("listing", "upload").
    /// - Throws: ``OffsiteError`` for a run that failed, hung (no output for longer than
    ///   the remote's deadline allows) or could not start; ``Interrupted`` after a signal
    ///   (rclone is stopped first).
    func run(_ arguments: [String], what: String, allowedStatuses: Set<Int32> = [0]) throws -> (Output, Int32) {
        let command = [program] + commonFlags + arguments
        let child: CapturedChild
        switch CapturedChild.spawn(command, environment: Self.environment()) {
        case .success(let started): child = started
        case .failure(let failure) where failure.code == ENOENT:
            throw OffsiteError.rcloneMissing(program: program)
        case .failure(let failure): throw OffsiteError.cannotRun(remote: remote.shown, detail: failure.reason)
        }
        defer { child.descriptors.forEach { close($0) } }
        let (stdout, stderr, status) = try collect(pid: child.pid, descriptors: child.descriptors, what: what)
        let output = Output(stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
        guard allowedStatuses.contains(status) else {
            throw OffsiteError.interpret(status: status, stderr: output.stderr, remote: remote, what: what)
        }
        return (output, status)
    }

    /// Reads both streams until rclone exits; kills it when it says nothing for too long
    /// or a signal comes.
    private func collect(pid: pid_t, descriptors: [Int32], what: String) throws -> ([UInt8], [UInt8], Int32) {
        // rclone enforces the deadline on each connection and read; this only catches an
        // rclone that hangs beyond that (its statistics come every second while it works).
        let silenceLimit = remote.timeout * 3 + 30
        var output: [[UInt8]] = [[], []]
        var open = [true, true]
        var lastHeard = Date()
        var pendingLine: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        func stop() {
            kill(-pid, SIGTERM)
            usleep(200_000)
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        while open.contains(true) {
            if Interruption.received != nil {
                stop()
                try Interruption.check(leaving: "rclone was stopped during the \(what); the next run finishes it")
            }
            if Date().timeIntervalSince(lastHeard) > silenceLimit {
                stop()
                throw OffsiteError.timedOut(remote: remote.shown, what: what, seconds: silenceLimit)
            }
            var fds = descriptors.enumerated().filter { open[$0.offset] }.map {
                pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0)
            }
            let ready = poll(&fds, nfds_t(fds.count), 500)
            if ready < 0 && errno != EINTR { break }
            for fd in fds where fd.revents != 0 {
                guard let index = descriptors.firstIndex(of: fd.fd) else { continue }
                let count = read(fd.fd, &buffer, buffer.count)
                if count <= 0 {
                    open[index] = false
                    continue
                }
                lastHeard = Date()
                output[index] += buffer[0..<count]
                if index == 1, let progress {
                    pendingLine += buffer[0..<count]
                    while let newline = pendingLine.firstIndex(of: 0x0a) {
                        let line = String(decoding: pendingLine[..<newline], as: UTF8.self)
                        pendingLine.removeSubrange(...newline)
                        if let stats = Self.statistics(in: line) { progress("\(what): \(stats)") }
                    }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (output[0], output[1], exitStatus)
    }

    /// The statistics part of one of rclone's `--stats-one-line` NOTICE lines
    /// (`12.5 MiB / 40 MiB, 31%, 10 MiB/s, ETA 2s`), or nil for any other line.
    static func statistics(in line: String) -> String? {
        guard let range = line.range(of: "NOTICE: ") else { return nil }
        let text = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard text.contains("%"), text.contains("/") else { return nil }
        return text
    }
}
