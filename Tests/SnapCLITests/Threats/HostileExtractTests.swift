import Crypto
import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// `snap extract` on a store whose bundle was replaced by a crafted one.
@Suite struct HostileExtractTests {
    @Test func craftedBundleWithDotDotIsRefusedAndWritesNothingOutside() throws {
        let fixture = try StoreFixture("hostile-extract")
        let id = try fixture.create()
        let bundle = try fixture.bundlePath(of: id)
        let python = """
            import io, tarfile
            t = tarfile.open('\(bundle).tar', 'w')
            info = tarfile.TarInfo('../evil'); info.size = 4
            t.addfile(info, io.BytesIO(b'evil'))
            t.close()
            """
        #expect(try ProcessRunner.run("/usr/bin/env", ["python3", "-c", python]).status == 0)
        #expect(try ProcessRunner.shell("zstd -q -f --rm '\(bundle).tar' -o '\(bundle)'").status == 0)
        let parent = fixture.directory("out")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let result = try fixture.snap(["extract", id, "--to", parent + "/target"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("../evil"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: parent + "/evil"))
        #expect(!FileManager.default.fileExists(atPath: parent + "/target"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
    }
}
