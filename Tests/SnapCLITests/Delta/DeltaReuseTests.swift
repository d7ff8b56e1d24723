import Foundation
import SnapTestSupport
import Testing

/// What reuses bundles keeps working on deltas: the unchanged-source shortcut, dedup by
/// tree digest, and a damaged delta's bytes written again by the next capture of the same
/// content.
@Suite struct DeltaReuseTests {
    @Test func anUnchangedSourceReusesTheDeltaAndItsBase() throws {
        let store = try DeltaStore("delta-reuse")
        let records = try store.chain(2)
        let delta = records[1]
        #expect(DeltaStore.base(of: delta) == records[0]["id"] as? String)
        // Nothing touched: the shortcut (same signature) reuses the bundle without reading.
        let again = try store.capture()
        #expect(again.record["bundle_sha256"] as? String == delta["bundle_sha256"] as? String)
        #expect(again.record["deduplicated"] as? Bool == true)
        #expect(DeltaStore.base(of: again.record) == records[0]["id"] as? String, "the reused bundle keeps its base")
        // Touched but the same content (a new ctime): read again, same tree digest, reused.
        let touch = try ProcessRunner.run("/bin/chmod", ["-R", "u+r", store.mnesia])
        try #require(touch.status == 0)
        let same = try store.capture()
        #expect(same.record["bundle_sha256"] as? String == delta["bundle_sha256"] as? String)
        #expect(DeltaStore.base(of: same.record) == records[0]["id"] as? String)
        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try store.expectExtractMatchesSource(try #require(same.record["id"] as? String), version: 2)
    }

    @Test func theSameContentWritesADamagedDeltaAgain() throws {
        let store = try DeltaStore("delta-repair")
        let records = try store.chain(3)
        let damaged = records[2]
        let path = store.bundle(of: damaged)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var bytes = [UInt8](original)
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let broken = try store.fixture.snap(["verify", "--all"])
        #expect(broken.status == 4, "\(broken.stdout)\(broken.stderr)")
        // The same files (a new ctime, so the shortcut does not apply): the damaged delta is
        // no base; its own base is, and the same content gives the same bytes.
        let touch = try ProcessRunner.run("/bin/chmod", ["-R", "u+r", store.mnesia])
        try #require(touch.status == 0)
        let again = try store.capture()
        #expect(again.record["bundle_sha256"] as? String == damaged["bundle_sha256"] as? String)
        #expect(DeltaStore.base(of: again.record) == records[1]["id"] as? String)
        #expect(again.log.contains("again from the same content"), "\(again.log)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original, "the damaged file is whole again")
        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
