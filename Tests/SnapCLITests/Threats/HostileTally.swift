import Synchronization
import Testing

/// Counts what the hostile-input suites did with their inputs and prints one line per suite
/// when it ends: `hostile inputs (create): 9 refused, 8 round-tripped`.
struct HostileTally: SuiteTrait, TestScoping {
    /// Refused and round-tripped inputs, by suite label.
    private static let counts = Mutex<[String: (refused: Int, roundTripped: Int)]>([:])

    let label: String

    static func refused(_ label: String) {
        counts.withLock { $0[label, default: (0, 0)].refused += 1 }
    }

    static func roundTripped(_ label: String) {
        counts.withLock { $0[label, default: (0, 0)].roundTripped += 1 }
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await function()
        let (refused, roundTripped) = Self.counts.withLock { $0[label] ?? (0, 0) }
        print("hostile inputs (\(label)): \(refused) refused, \(roundTripped) round-tripped")
    }
}

extension Trait where Self == HostileTally {
    /// Prints the suite's count of refused and round-tripped hostile inputs at its end.
    static func tally(_ label: String) -> Self { HostileTally(label: label) }
}
