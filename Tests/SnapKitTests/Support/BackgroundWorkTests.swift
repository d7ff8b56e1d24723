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

    @Test func aBoundedWaitGivesUpOnWorkStillGoingAndFindsItOnceEnded() throws {
        let release = DispatchSemaphore(value: 0)
        let work = BackgroundWork(name: "test-bounded") {
            release.wait()
            return 7
        }
        let started = Date()
        #expect(try work.value(waitingAtMost: 0.2) == nil)
        #expect(Date().timeIntervalSince(started) >= 0.2)
        release.signal()
        #expect(try work.value(waitingAtMost: 10) == 7)
        #expect(try work.value(waitingAtMost: 0) == 7)
        #expect(try work.value() == 7)
    }

    @Test func aBoundedWaitThrowsWhatTheWorkThrew() {
        let work = BackgroundWork<Int>(name: "test-bounded-error") { throw Refused() }
        #expect(throws: Refused()) { try work.value(waitingAtMost: 10) }
    }

    @Test func theWorkRunsOnAnotherThread() throws {
        let caller = pthread_self()
        let work = BackgroundWork(name: "test-thread") { pthread_equal(pthread_self(), caller) == 0 }
        #expect(try work.value())
    }
}
