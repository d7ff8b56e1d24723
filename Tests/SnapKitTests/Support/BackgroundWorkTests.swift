import Foundation
import Testing

@testable import SnapKit

@Suite struct BackgroundWorkTests {
    struct Refused: Error, Equatable {}

    @Test func valueIsWhatTheWorkReturnedAskedAsOftenAsWanted() throws {
        let work = BackgroundWork(name: "test-value") { (1...1_000).reduce(0, +) }
        #expect(try work.value() == 500_500)
        #expect(try work.value() == 500_500)
    }

    @Test func valueThrowsWhatTheWorkThrew() {
        let work = BackgroundWork<Int>(name: "test-error") { throw Refused() }
        #expect(throws: Refused()) { try work.value() }
        #expect(throws: Refused()) { try work.value() }
    }

    @Test func theWorkRunsOnAnotherThread() throws {
        let caller = pthread_self()
        let work = BackgroundWork(name: "test-thread") { pthread_equal(pthread_self(), caller) == 0 }
        #expect(try work.value())
    }
}
