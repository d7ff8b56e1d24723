import Foundation
import Glibc
import Testing

@testable import SnapKit

/// Control-socket directories of snaps that were killed are removed by the next one.
@Suite struct SSHConnectionsTests {
    @Test func theDirectoriesOfGoneSnapsAreRemovedAndLiveOnesKept() throws {
        let base = FileManager.default.temporaryDirectory.path + "/snap-conn-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let gone = base + "/snap-ssh-4194300-abcd1234"  // above any pid this machine hands out
        let live = base + "/snap-ssh-\(getpid())-abcd1234"
        let other = base + "/unrelated"
        for path in [gone, live, other] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        SSHConnections.removeStale(in: base)
        #expect(!FileManager.default.fileExists(atPath: gone))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: other))
    }
}
