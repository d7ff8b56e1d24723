import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct BundleRoundTripTests {
    let compression = CompressionSettings.standard

    func build(_ directory: TemporaryDirectory, dump: Bool) throws -> (BuiltBundle, String) {
        let mnesia = directory("mnesia")
        try MnesiaFixture.make(at: mnesia, rows: 300, dump: dump ? directory("dump.txt") : nil)
        try FileManager.default.createDirectory(atPath: directory("out"), withIntermediateDirectories: true)
        let built = try BundleBuilder.build(
            BundleSources(mnesiaDirectory: mnesia, dumpFile: dump ? directory("dump.txt") : nil),
            in: directory("out"), compression: compression)
        return (built, mnesia)
    }

    @Test func realMnesiaDirectoryComesBackByteIdentical() throws {
        let directory = TemporaryDirectory("roundtrip")
        let (built, mnesia) = try build(directory, dump: true)
        #expect(built.manifest.hasDump)
        #expect(built.manifest.files.contains { $0.path == "mnesia/schema.DAT" })
        let target = directory("extracted")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let digest = try BundleExtractor.extract(
            bundlePath: built.temporaryPath, keys: .none,
            expected: ExpectedContent(manifest: built.manifest, manifestBytes: built.manifestBytes), into: target)
        #expect(digest.sha256 == built.sha256)
        #expect(digest.size == built.size)
        let diff = try ProcessRunner.run("/usr/bin/diff", ["-r", mnesia, target + "/mnesia"])
        #expect(diff.status == 0, "\(diff.stdout)")
        let dump = try ProcessRunner.run("/usr/bin/cmp", [directory("dump.txt"), target + "/dump/mnesia.dump"])
        #expect(dump.status == 0)
        let original = try FileManager.default.attributesOfItem(atPath: mnesia + "/schema.DAT")
        let restored = try FileManager.default.attributesOfItem(atPath: target + "/mnesia/schema.DAT")
        #expect(original[.modificationDate] as? Date == restored[.modificationDate] as? Date)
        #expect(original[.posixPermissions] as? Int == restored[.posixPermissions] as? Int)
    }

    @Test func plainTarAndSha256sumAcceptTheBundle() throws {
        let directory = TemporaryDirectory("plaintar")
        let (built, _) = try build(directory, dump: true)
        try FileManager.default.createDirectory(atPath: directory("tar"), withIntermediateDirectories: true)
        let untar = try ProcessRunner.shell("tar --zstd -xf '\(built.temporaryPath)' -C '\(directory("tar"))'")
        #expect(untar.status == 0, "\(untar.stderr)")
        let check = try ProcessRunner.shell("sha256sum -c SHA256SUMS", directory: directory("tar"))
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("mnesia/schema.DAT: OK"))
        #expect(check.stdout.contains("dump/mnesia.dump: OK"))
        let sum = try ProcessRunner.shell("sha256sum '\(built.temporaryPath)'")
        #expect(sum.stdout.hasPrefix(built.sha256))
    }

    @Test func sameContentAndSettingsGiveTheSameBytes() throws {
        let directory = TemporaryDirectory("reproducible")
        let (first, mnesia) = try build(directory, dump: false)
        let second = try BundleBuilder.build(
            BundleSources(mnesiaDirectory: mnesia), in: directory("out"),
            compression: compression)
        #expect(second.sha256 == first.sha256)
        #expect(second.temporaryPath != first.temporaryPath)
    }

    @Test func treeDigestIgnoresTimesButNotContent() throws {
        let directory = TemporaryDirectory("digest")
        let (first, mnesia) = try build(directory, dump: false)
        let touch = try ProcessRunner.shell("touch -d '2001-01-01' '\(mnesia)'/*")
        #expect(touch.status == 0)
        let second = try BundleBuilder.build(
            BundleSources(mnesiaDirectory: mnesia), in: directory("out"),
            compression: compression)
        #expect(second.manifest.treeDigest == first.manifest.treeDigest)
        try Data("x".utf8).write(to: URL(fileURLWithPath: mnesia + "/LATEST.LOG"), options: .atomic)
        let third = try BundleBuilder.build(
            BundleSources(mnesiaDirectory: mnesia), in: directory("out"),
            compression: compression)
        #expect(third.manifest.treeDigest != first.manifest.treeDigest)
    }

    @Test(arguments: [-200_000, 23, 99])
    func outOfRangeLevelsAreRefusedClearly(level: Int) {
        #expect {
            try CompressionSettings(level: level, threads: 1)
        } throws: { error in
            "\(error)".contains("zstd accepts")
        }
    }

    @Test func socketsInTheSourceAreRefusedByName() throws {
        let directory = TemporaryDirectory("fifo")
        try FileManager.default.createDirectory(atPath: directory("m"), withIntermediateDirectories: true)
        #expect(mkfifo(directory("m/pipe"), 0o600) == 0)
        #expect {
            try BundleBuilder.build(
                BundleSources(mnesiaDirectory: directory("m")), in: directory.path,
                compression: compression)
        } throws: { error in
            "\(error)".contains("m/pipe") && "\(error)".contains("FIFO")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".tmp-")
        }
        #expect(leftovers.isEmpty)
    }
}
