import Glibc
import Synchronization

/// The first of SIGINT, SIGTERM and SIGHUP received; 0 until one is.
private let receivedSignal = Atomic<Int32>(0)
/// Set once ``Interrupted`` was thrown (or reported) for the received signal.
private let signalActedOn = Atomic<Bool>(false)
/// The self-pipe: the handler writes a byte to wake a `poll` loop (``Interruption/readLine(from:)``).
private let wakeReadEnd = Atomic<Int32>(-1)
private let wakeWriteEnd = Atomic<Int32>(-1)

/// What the handler writes on stderr when a second signal comes while snap finishes.
private let stillFinishing: StaticString =
    "snap: still finishing; a stopped manager is started again before snap exits\n"

/// The signal handler: only async-signal-safe work (atomic operations and `write(2)`).
private func recordSignal(_ number: Int32) {
    let saved = errno
    defer { errno = saved }
    if receivedSignal.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent).exchanged {
        var byte: UInt8 = 1
        _ = write(wakeWriteEnd.load(ordering: .sequentiallyConsistent), &byte, 1)
    } else {
        _ = write(STDERR_FILENO, stillFinishing.utf8Start, stillFinishing.utf8CodeUnitCount)
    }
}

/// SIGINT, SIGTERM and SIGHUP end a command at its next safe point instead of killing it.
///
/// The handlers only record the first signal; long-running work calls ``check(leaving:)``
/// where stopping leaves nothing half-done (between managers, between files of a bundle,
/// never between a cold capture's stop and start), and the executable exits with the
/// signal's status (130, 143, 129) once the command has cleaned up. Only the executable
/// installs the handlers; without them ``check(leaving:)`` never throws.
package enum Interruption {
    /// The signals that interrupt a command.
    package static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers (with `SA_RESTART`, so ordinary system calls carry on) and the
    /// self-pipe. Call once, from the executable, before any command runs.
    package static func install() {
        // Touch every global now: a global first read in the handler would be initialized there.
        _ = receivedSignal.load(ordering: .relaxed)
        _ = signalActedOn.load(ordering: .relaxed)
        _ = stillFinishing.utf8CodeUnitCount
        var ends: [Int32] = [-1, -1]
        // Made before any thread or child exists, so setting the flags afterwards races nothing.
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            }
            wakeReadEnd.store(ends[0], ordering: .sequentiallyConsistent)
            wakeWriteEnd.store(ends[1], ordering: .sequentiallyConsistent)
        }
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { recordSignal($0) }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
        // A parent may have started snap with them blocked (a thread of a Foundation
        // `Process` does); threads made later inherit this mask.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for number in signals { sigaddset(&wanted, number) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
    }

    /// The signal received so far, if any (whether or not it was acted on).
    static var received: Int32? {
        let number = receivedSignal.load(ordering: .acquiring)
        return number == 0 ? nil : number
    }

    /// A safe point: throws if a signal came. One atomic load when none did.
    /// - Parameter state: what stopping here leaves behind, in the operator's words.
    /// - Throws: ``Interrupted``.
    @inline(__always)
    package static func check(leaving state: @autoclosure () -> String = Interrupted.defaultState) throws {
        let number = receivedSignal.load(ordering: .acquiring)
        if number != 0 { throw interrupted(by: number, leaving: state()) }
    }

    /// The signal received and not yet acted on by a ``check(leaving:)``, marked acted on
    /// now: a command that finished before reaching a safe point still exits with its status.
    package static func unhandled() -> Interrupted? {
        let number = receivedSignal.load(ordering: .acquiring)
        guard number != 0, !signalActedOn.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        return Interrupted(signal: number, state: "the command had finished before it could stop: its results stand")
    }

    /// Reads one line (without its newline) from `descriptor`, waking up for a signal.
    ///
    /// Meant for prompts: a signal while the operator is asked a question ends the wait at
    /// once, where a plain blocking read would carry on (the handlers restart it).
    /// - Parameter descriptor: where to read; standard input by default. Not closed.
    /// - Returns: the line, or nil at end of input with nothing read.
    /// - Throws: ``Interrupted`` when a signal comes; ``SystemError`` when reading fails.
    package static func readLine(from descriptor: Int32 = STDIN_FILENO) throws -> String? {
        var line: [UInt8] = []
        while true {
            try check(leaving: "nothing was changed")
            var watched = [
                pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeReadEnd.load(ordering: .acquiring), events: Int16(POLLIN), revents: 0),
            ]
            if poll(&watched, nfds_t(watched.count), -1) < 0 {
                if errno == EINTR { continue }
                throw SystemError("wait for", "standard input", .last)
            }
            guard watched[0].revents != 0 else { continue }
            var byte: UInt8 = 0
            let count = read(descriptor, &byte, 1)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw SystemError("read", "standard input", .last)
            }
            if count == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    private static func interrupted(by number: Int32, leaving state: String) -> Interrupted {
        signalActedOn.store(true, ordering: .releasing)
        return Interrupted(signal: number, state: state)
    }
}
