import Foundation
import Glibc

/// One private Erlang node that loads Mnesia data and writes every table back out
/// (``RehearsalScript``), run to its end, its deadline or snap's interruption.
///
/// The node can never meet another: it starts distribution under the snapshot's node name
/// (the schema demands it) without a listening socket (`-dist_listen false`), so it
/// registers with no epmd and starts none (`-start_epmd false`); it never connects on its
/// own (`dist_auto_connect never`), its `ERL_EPMD_PORT` is a port nobody listens on, and
/// its cookie is random. Two rehearsals of the same node, and a rehearsal beside the running
/// manager of that name, therefore never see each other. The VM runs in a process group of
/// its own in the rehearsal's directory (where Mnesia would write a core file), is killed
/// with its group at the deadline or on SIGINT/SIGTERM, and halts by itself when its
/// standard input, whose write end only snap holds, closes.
struct MnesiaRehearsal: Sendable {
    /// What to load.
    enum Source: Sendable {
        /// A Mnesia directory, booted as `node` (nil: the schema's node that is not `partner`).
        case files(directory: String, node: String?, partner: String?)
        /// A `dump-mnesia-data` file, loaded into a fresh schema in `directory`.
        case dump(file: String, directory: String, node: String?)
    }

    /// How the run went.
    struct Outcome: Sendable {
        /// The tables as loaded, when the VM wrote them out.
        var dump: String?
        /// Tables force-loaded because they are also held on the absent partner.
        var forced: [String] = []
        /// Tables whose force load Mnesia refused, with its answer.
        var refused: [String: String] = [:]
        /// Tables that did not load within the deadline.
        var notLoaded: [String] = []
        /// Why the VM gave up (its own words), when it did.
        var failure: String?
        /// The VM's exit status.
        var status: Int32 = 0
        /// The VM's last lines (stdout and stderr), for a report.
        var lastLines: [String] = []
    }

    var runtime: ErlangRuntime
    /// The deadline for the whole run, in seconds (the manager's `timeout`).
    var timeout: Double

    /// Runs `source`; the tables go to `output`.
    /// - Returns: what the VM said; one that missed its deadline was killed, and its
    ///   outcome says so.
    /// - Throws: ``RehearsalError/noMnesia(erl:)``, ``Interrupted`` (the VM killed first),
    ///   or ``CommandError`` when the VM cannot start.
    func run(_ source: Source, output: String, workDirectory: String) throws -> Outcome {
        // Nothing of the caller's Erlang settings reaches the VM: flags that could name it,
        // give it a cookie or a listener (ERL_FLAGS and kin), code (ERL_LIBS), or a
        // `~/.erlang` to run (HOME is the private directory).
        var environment = ErlangRuntime.environment(home: workDirectory).filter {
            !$0.key.hasPrefix("SNAP_REHEARSAL_")
        }
        environment["ERL_EPMD_PORT"] = String(Self.unusedPort())
        environment["SNAP_REHEARSAL_WAIT_MS"] = String(Int(max(1, timeout - 5) * 1000))
        environment["SNAP_REHEARSAL_DUMP_OUT"] = output
        switch source {
        case .files(let directory, let node, let partner):
            environment["SNAP_REHEARSAL_MODE"] = "files"
            environment["SNAP_REHEARSAL_MNESIA_DIR"] = directory
            environment["SNAP_REHEARSAL_NODE"] = node ?? ""
            environment["SNAP_REHEARSAL_PARTNER"] = partner ?? ""
        case .dump(let file, let directory, let node):
            environment["SNAP_REHEARSAL_MODE"] = "dump"
            environment["SNAP_REHEARSAL_MNESIA_DIR"] = directory
            environment["SNAP_REHEARSAL_DUMP_IN"] = file
            environment["SNAP_REHEARSAL_NODE"] = node ?? ""
        }
        let arguments = [
            runtime.erl, "-noshell", "-dist_listen", "false", "-start_epmd", "false", "-setcookie", Self.randomCookie(),
            "-kernel", "dist_auto_connect", "never", "-kernel", "logger_level", "error", "-eval", RehearsalScript.text,
        ]
        let (stdout, stderr, status, timedOut) = try runVM(
            arguments, environment: environment, directory: workDirectory)
        var outcome = Outcome(status: status)
        let lines = (stdout + "\n" + stderr).split(separator: "\n").map(String.init)
        // Mnesia's own error lines say why first; the end of the output says how it ended.
        let said = lines.filter { !$0.hasPrefix(Self.prefix) && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let errors = said.filter { $0.contains("** ERROR **") || $0.contains("** FATAL **") }.prefix(3)
        outcome.lastLines = (errors + said.suffix(errors.isEmpty ? 8 : 3)).map { String($0.prefix(300)) }
        for line in lines where line.hasPrefix(Self.prefix) {
            let words = line.dropFirst(Self.prefix.count).split(separator: " ", maxSplits: 2).map(String.init)
            switch words.first {
            case "forced" where words.count > 2 && words[2] == "yes": outcome.forced.append(words[1])
            case "forced" where words.count > 2: outcome.refused[words[1]] = String(words[2].prefix(200))
            case "not-loaded" where words.count > 1: outcome.notLoaded.append(words[1])
            case "dumped": outcome.dump = output
            case "no-mnesia": throw RehearsalError.noMnesia(erl: runtime.erl)
            case "failed": outcome.failure = String(words.dropFirst().joined(separator: " ").prefix(400))
            default: break
            }
        }
        if timedOut {
            outcome.dump = nil
            outcome.failure = "the VM did not finish within \(Int(timeout)) s (the manager's timeout) and was killed"
        } else if outcome.dump != nil && status != 0 && outcome.failure == nil {
            outcome.failure = "the VM exited with status \(status)"
        }
        return outcome
    }

    static let prefix = "snap-rehearsal "

    /// Runs the VM and collects its output; kills its group at the deadline (then says it
    /// timed out) or a signal (then throws ``Interrupted``).
    private func runVM(_ arguments: [String], environment: [String: String], directory: String) throws
        -> (stdout: String, stderr: String, status: Int32, timedOut: Bool)
    {
        let display = "\(runtime.erl) (rehearsal)"
        let child: CapturedChild
        switch CapturedChild.spawn(
            arguments, environment: environment.map { "\($0.key)=\($0.value)" }, directory: directory,
            stdinPipe: true)
        {
        case .success(let started): child = started
        case .failure(let failure): throw CommandError.cannotStart(display, failure.reason)
        }
        defer {
            child.descriptors.forEach { close($0) }
            if let writer = child.stdinWriter { close(writer) }
        }
        let pid = child.pid
        func kill() {
            Glibc.kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        let deadline = Date().addingTimeInterval(timeout)
        var output: [[UInt8]] = [[], []]
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 65536)
        func text(_ index: Int) -> String { String(decoding: output[index], as: UTF8.self) }
        while open.contains(true) {
            if Interruption.received != nil {
                kill()
                try Interruption.check(leaving: "the rehearsal's Erlang node was stopped and its files removed")
            }
            if Date() >= deadline {
                kill()
                return (text(0), text(1), 128 + SIGKILL, true)
            }
            var fds = child.descriptors.enumerated().filter { open[$0.offset] }.map {
                pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0)
            }
            let ready = poll(&fds, nfds_t(fds.count), 200)
            if ready < 0 && errno != EINTR {
                kill()
                throw SystemError("wait for the rehearsal's VM", runtime.erl, .last)
            }
            for fd in fds where fd.revents != 0 {
                guard let index = child.descriptors.firstIndex(of: fd.fd) else { continue }
                let count = read(fd.fd, &buffer, buffer.count)
                if count <= 0 { open[index] = false } else { output[index] += buffer[0..<count] }
            }
        }
        // The VM closed its output (it halted): whatever it left in its group goes with it,
        // before it is reaped, while the group's number cannot have been given to another.
        Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (text(0), text(1), exitStatus, false)
    }

    /// 32 random hex digits.
    static func randomCookie() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// A loopback TCP port nothing listens on now, for `ERL_EPMD_PORT`: should anything in
    /// the VM look a node up, it finds no epmd rather than the machine's.
    static func unusedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 1
    }
}
