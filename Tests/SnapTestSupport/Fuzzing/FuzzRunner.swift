import Foundation
import SnapKit

/// One thing to fuzz: a small valid corpus and what to do with each mutant.
package struct FuzzTarget {
    /// Name in reports and file names (`dump`, `bundle`).
    package var name: String
    /// Valid inputs that mutations start from.
    package var corpus: [[UInt8]]
    /// Tokens of the target's own syntax.
    package var dictionary: [[UInt8]]
    /// No mutant is longer.
    package var maxLength: Int
    /// One execution slower than this is a finding: a parser must be linear on inputs this small.
    package var slowLimit: Duration
    /// Runs one input. Returning is success; throwing an operator-facing error (a
    /// `SnapFailure`) is a handled refusal; throwing ``FuzzFinding`` or anything else is a bug.
    package var execute: ([UInt8]) throws -> Void

    package init(
        name: String, corpus: [[UInt8]], dictionary: [[UInt8]] = [], maxLength: Int = 64 << 10,
        slowLimit: Duration = .seconds(2), execute: @escaping ([UInt8]) throws -> Void
    ) {
        self.name = name
        self.corpus = corpus
        self.dictionary = dictionary
        self.maxLength = maxLength
        self.slowLimit = slowLimit
        self.execute = execute
    }
}

/// A broken promise found by a target's own checks (something written outside the target,
/// a verify that passed a changed bundle, a round trip that changed a value).
package struct FuzzFinding: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// A refusal a target reports by value rather than by throwing (a damaged record set
/// aside, an audit chain that does not verify), thrown so that it is counted like one.
package struct FuzzRefusal: SnapFailure {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// What one fuzz run did.
package struct FuzzReport: Sendable {
    /// A failing input, minimized, with what went wrong.
    package struct Failure: Sendable {
        package var problem: String
        package var input: [UInt8]
        /// The input as a Swift array literal, ready to become a regression test.
        package var literal: String { "[" + input.map { String($0) }.joined(separator: ", ") + "]" }
    }

    package var target: String
    package var seed: UInt64
    package var executions: Int
    /// Different refusals seen (messages with numbers left out).
    package var distinctErrors: Int
    /// Executions that succeeded.
    package var accepted: Int
    package var failures: [Failure]

    /// `fuzz dump: 41234 executions, 57 distinct errors, seed 6`
    package var summary: String {
        "fuzz \(target): \(executions) executions, \(distinctErrors) distinct errors, seed \(seed)"
    }
}

/// A deterministic seeded mutation fuzzer run inside the test suite.
///
/// Every target runs for ``seconds`` (`SNAP_FUZZ_SECONDS`, default 8) or ``maximumRuns``
/// executions (`SNAP_FUZZ_RUNS`), from ``seed`` (`SNAP_FUZZ_SEED`, default 1): the inputs
/// tried are the same on every run with the same seed. `SNAP_FUZZ_VERBOSE` lists the kinds
/// of error seen. A crash or a hang cannot be
/// reported from inside the process, so the input being run is kept where a signal
/// handler and a watchdog thread can write it to a file before the process dies
/// (see ``CrashGuard``).
package enum FuzzRunner {
    package static var seconds: Double {
        ProcessInfo.processInfo.environment["SNAP_FUZZ_SECONDS"].flatMap(Double.init) ?? 8
    }

    package static var seed: UInt64 {
        ProcessInfo.processInfo.environment["SNAP_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1
    }

    package static var maximumRuns: Int {
        ProcessInfo.processInfo.environment["SNAP_FUZZ_RUNS"].flatMap(Int.init) ?? .max
    }

    /// Fuzzes `target`, then minimizes every failing input it found.
    package static func run(
        _ target: FuzzTarget, seconds: Double = seconds, seed: UInt64 = seed, maximumRuns: Int = maximumRuns
    ) -> FuzzReport {
        var mutator = ByteMutator(
            seed: seed ^ stableHash(target.name), dictionary: target.dictionary, maxLength: target.maxLength)
        var report = FuzzReport(
            target: target.name, seed: seed, executions: 0, distinctErrors: 0, accepted: 0, failures: [])
        var errorKinds: Set<String> = []
        var failureKinds: Set<String> = []
        // Inputs that showed something new; mutating them again reaches further.
        var pool: [[UInt8]] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        CrashGuard.arm(target: target.name, seed: seed, hangAfter: max(.seconds(30), target.slowLimit * 10))
        defer { CrashGuard.disarm() }

        // The corpus itself first: each entry must be accepted as it is.
        var inputs = target.corpus.makeIterator()
        while report.executions < maximumRuns, clock.now < deadline {
            let input: [UInt8]
            if let next = inputs.next() {
                input = next
            } else {
                let base =
                    pool.isEmpty || mutator.next(in: 0..<2) == 0
                    ? target.corpus[mutator.next(in: 0..<target.corpus.count)] : pool[mutator.next(in: 0..<pool.count)]
                let other = target.corpus[mutator.next(in: 0..<target.corpus.count)]
                input = mutator.mutate(base, splicingWith: other)
            }
            report.executions += 1
            let outcome = execute(target, input)
            switch outcome {
            case .accepted:
                report.accepted += 1
                if mutator.next(in: 0..<64) == 0 { remember(input, in: &pool, mutator: &mutator) }
            case .refused(let kind):
                if errorKinds.insert(kind).inserted { remember(input, in: &pool, mutator: &mutator) }
            case .failed(let problem):
                // One minimized example of each kind of failure is enough.
                let kind = normalized(problem)
                guard failureKinds.insert(kind).inserted else { continue }
                let minimal = minimize(input) { candidate in
                    if case .failed(let again) = execute(target, candidate) { return normalized(again) == kind }
                    return false
                }
                report.failures.append(.init(problem: String(problem.prefix(400)), input: minimal))
            }
        }
        report.distinctErrors = errorKinds.count
        if ProcessInfo.processInfo.environment["SNAP_FUZZ_VERBOSE"] != nil {
            for kind in errorKinds.sorted() { print("fuzz \(target.name): error kind: \(kind)") }
        }
        return report
    }

    enum Outcome {
        case accepted
        case refused(kind: String)
        case failed(String)
    }

    private static func execute(_ target: FuzzTarget, _ input: [UInt8]) -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        CrashGuard.willRun(input)
        defer { CrashGuard.didRun() }
        let outcome: Outcome
        do {
            try target.execute(input)
            outcome = .accepted
        } catch let finding as FuzzFinding {
            return .failed(finding.description)
        } catch let failure as any SnapFailure {
            outcome = .refused(kind: kind(of: failure, message: failure.description, input: input))
        } catch {
            return .failed("an error that is not an operator message: \(type(of: error)): \(error)")
        }
        let elapsed = clock.now - started
        if elapsed > target.slowLimit {
            return .failed("slow input: one execution took \(elapsed) on \(input.count) bytes")
        }
        return outcome
    }

    private static func remember(_ input: [UInt8], in pool: inout [[UInt8]], mutator: inout ByteMutator) {
        if pool.count < 256 {
            pool.append(input)
        } else {
            pool[mutator.next(in: 0..<pool.count)] = input
        }
    }

    /// Removes chunks, halving their size, for as long as the input still fails the same way
    /// (at most 20 seconds).
    package static func minimize(_ input: [UInt8], stillFails: ([UInt8]) -> Bool) -> [UInt8] {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        var current = input
        var chunk = max(1, current.count / 2)
        while chunk >= 1 && clock.now < deadline {
            var start = 0
            var removedAny = false
            while start < current.count && clock.now < deadline {
                var candidate = current
                candidate.removeSubrange(start..<min(current.count, start + chunk))
                if stillFails(candidate) {
                    current = candidate
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if !removedAny { chunk /= 2 }
        }
        return current
    }

    /// The kind of an error: its type, its case, and the words of its message that are not
    /// the input echoed back, so that one kind of refusal counts once.
    static func kind(of error: any Error, message: String, input: [UInt8]) -> String {
        let label = Mirror(reflecting: error).children.first?.label.map { "." + $0 } ?? ""
        return "\(type(of: error))\(label): " + normalized(message, echoing: String(decoding: input, as: UTF8.self))
    }

    /// The fixed wording of `message`: its first line without quoted parts, paths, numbers
    /// and any word that `input` holds (which the message may be quoting).
    static func normalized(_ message: String, echoing input: String = "") -> String {
        var unquoted = ""
        var quote: Character?
        var escaped = false
        for character in message.prefix(while: { $0 != "\n" }) {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                continue
            }
            if character == "\"" || character == "`" {
                quote = character
            } else {
                unquoted.append(character)
            }
        }
        let echoed = input.lowercased()
        let words = unquoted.split(separator: " ").compactMap { token -> Substring? in
            let word = token.drop { !$0.isLetter }.prefix { $0.isLetter }
            let plain = token.allSatisfy { $0.isLetter || ",;:()".contains($0) }
            return plain && word.count > 1 && !echoed.contains(word.lowercased()) ? word : nil
        }
        return words.prefix(6).joined(separator: " ")
    }

    /// FNV-1a of the name: each target gets its own sequence from one seed.
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
