import Foundation
import Glibc
import Synchronization

/// Keeps the fuzz input being run where a dying process can still write it out: a crash
/// (a trap, a stack overflow, an abort) runs a signal handler that saves it, and a watchdog
/// thread saves it and aborts when one execution hangs. The file is named on stderr;
/// turning it into a regression test is the next step.
///
/// One fuzz run at a time: the fuzz suites are serialized.
package enum CrashGuard {
    static let capacity = 32 << 20
    static let signals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]

    /// Installs the handlers and starts the watchdog for one target.
    static func arm(target: String, seed: UInt64, hangAfter: Duration) {
        let path = FileManager.default.temporaryDirectory.path + "/snap-fuzz-crash-\(target).bin"
        let message =
            "\nfuzz \(target): CRASHED or HUNG (seed \(seed)); the input is in \(path): "
            + "make it a regression test\n"
        guardedInput = guardedInput ?? .allocate(capacity: capacity)
        crashFilePath = strdup(path)
        crashMessage = strdup(message)
        hangNanoseconds = UInt64(hangAfter.components.seconds) * 1_000_000_000
        // A stack overflow can only be reported from another stack.
        alternateStack = alternateStack ?? .allocate(byteCount: 1 << 16, alignment: 16)
        var stack = stack_t(ss_sp: alternateStack, ss_flags: 0, ss_size: 1 << 16)
        sigaltstack(&stack, nil)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = crashHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(signal, &action, previousActions + Int(signal))
        }
        let generation = watchdogGeneration.add(1, ordering: .relaxed).newValue
        let thread = Thread { watch(generation: generation) }
        thread.start()
    }

    /// Puts the previous handlers back and stops the watchdog.
    static func disarm() {
        watchdogGeneration.add(1, ordering: .relaxed)
        for signal in signals { sigaction(signal, previousActions + Int(signal), nil) }
        var stack = stack_t(ss_sp: nil, ss_flags: Int32(SS_DISABLE), ss_size: 0)
        sigaltstack(&stack, nil)
    }

    /// Keeps `input` for the handler and starts the hang clock.
    static func willRun(_ input: [UInt8]) {
        let count = min(input.count, capacity)
        if let guardedInput {
            input.withUnsafeBufferPointer { buffer in
                if let base = buffer.baseAddress { guardedInput.update(from: base, count: count) }
            }
        }
        guardedCount = count
        runStarted.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// Stops the hang clock.
    static func didRun() {
        runStarted.store(0, ordering: .relaxed)
    }

    private static func watch(generation: Int) {
        while watchdogGeneration.load(ordering: .relaxed) == generation {
            sleep(1)
            let started = runStarted.load(ordering: .relaxed)
            if started != 0 && DispatchTime.now().uptimeNanoseconds - started > hangNanoseconds {
                saveInput()
                abort()
            }
        }
    }
}

// Plain globals, because a signal handler can capture nothing. Written before the handlers
// are installed and by the one fuzzing thread; read by the handler and the watchdog.
nonisolated(unsafe) private var guardedInput: UnsafeMutablePointer<UInt8>?
nonisolated(unsafe) private var guardedCount = 0
nonisolated(unsafe) private var crashFilePath: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var crashMessage: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var hangNanoseconds: UInt64 = 0
nonisolated(unsafe) private var alternateStack: UnsafeMutableRawPointer?
/// The handlers found on arming, by signal number: put back on disarming, and chained to on a
/// crash so that the Swift runtime still prints its backtrace.
nonisolated(unsafe) private let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
private let runStarted = Atomic<UInt64>(0)
private let watchdogGeneration = Atomic<Int>(0)

/// Only async-signal-safe calls: open, write, close.
private func saveInput() {
    guard let path = crashFilePath, let input = guardedInput else { return }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd >= 0 {
        _ = write(fd, input, guardedCount)
        close(fd)
    }
    if let message = crashMessage { _ = write(2, message, strlen(message)) }
}

private let crashHandler: @convention(c) (Int32) -> Void = { signal in
    saveInput()
    sigaction(signal, previousActions + Int(signal), nil)
    raise(signal)
}
