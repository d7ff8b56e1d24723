import Foundation
import Glibc
import Testing

@testable import SnapKit

/// What can be checked without installing the handlers in the test process (which would
/// take Ctrl-C away from the test runner); the signals themselves are `InterruptTests`'.
@Suite struct InterruptionTests {
    @Test(arguments: [(SIGINT, 130, "SIGINT"), (SIGTERM, 143, "SIGTERM"), (SIGHUP, 129, "SIGHUP")])
    func eachSignalHasTheStatusAShellWouldReport(signal: Int32, status: Int32, name: String) {
        let interrupted = Interrupted(signal: signal, state: "nothing was changed")
        #expect(interrupted.exitStatus.rawValue == status)
        #expect(interrupted.description == "interrupted by \(name); nothing was changed")
        #expect(interrupted.leaving("the node runs").description == "interrupted by \(name); the node runs")
    }

    @Test func withoutAnySignalCheckPassesAndNothingIsUnhandled() throws {
        try Interruption.check()
        #expect(Interruption.unhandled() == nil)
    }

    @Test func readLineReadsLinesUntilTheEndOfInput() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let text = Array("yes\nno thanks\nlast".utf8)
        #expect(write(ends[1], text, text.count) == text.count)
        close(ends[1])
        #expect(try Interruption.readLine(from: ends[0]) == "yes")
        #expect(try Interruption.readLine(from: ends[0]) == "no thanks")
        #expect(try Interruption.readLine(from: ends[0]) == "last")
        #expect(try Interruption.readLine(from: ends[0]) == nil)
    }
}
