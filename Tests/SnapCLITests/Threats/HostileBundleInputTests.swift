import Crypto
import Foundation
import Glibc
import SnapKit
import SnapTestSupport
import Testing

/// `snap extract` and `snap verify` on bundles crafted to attack them, put into a store in
/// place of a real snapshot's bundle (and, for the attacks that need it, with the store's
/// manifest and record rewritten to match, as someone who can write to the store could).
/// Each is refused with a clear one-line error and nothing left behind, or given back whole.
@Suite(.tally("extract")) struct HostileBundleInputTests {
    /// A store with one snapshot of a small directory, and an empty place to extract to.
    final class Fixture: Sendable {
        let capture: HostileCaptureTests.Fixture
        let id: String
        let recordPath: String
        var directory: TemporaryDirectory { capture.directory }
        var out: String { directory("out") }
        var target: String { out + "/target" }

        init(_ label: String) throws {
            capture = try HostileCaptureTests.Fixture(label)
            let created = try capture.create(["--json"])
            try #require(created.status == 0, "\(created.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]]
            id = try #require(records?.first?["id"] as? String)
            recordPath = capture.store + "/snapshots/\(id).json"
            try FileManager.default.createDirectory(atPath: directory("out"), withIntermediateDirectories: true)
        }

        func snap(_ arguments: [String]) throws -> ProcessResult { try capture.snap(arguments) }

        func record() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(FileOps.readFile(recordPath))) as? [String: Any])
        }

        var bundle: String {
            get throws { capture.store + "/bundles/\(try #require(try record()["bundle_sha256"] as? String)).tar.zst" }
        }

        /// The snapshot's bundle as a plain tar, for scripts that rewrite it.
        func plainTar() throws -> String {
            let path = directory("original.tar")
            #expect(try ProcessRunner.shell("zstd -dqf '\(try bundle)' -o '\(path)'").status == 0)
            return path
        }

        /// Replaces the bundle's bytes, keeping its name: the record and manifest still
        /// describe the original.
        func replaceBundle(_ script: String) throws {
            let crafted = directory("crafted.tar.zst")
            try CraftedBundle.write(crafted, script)
            let bundle = try bundle
            unlink(bundle)
            try FileOps.rename(crafted, to: bundle)
        }

        /// Makes the store describe `entries` and a bundle made by `script`, consistently:
        /// manifest copy, record hash, size and tree digest, as snap would have written them.
        func forge(_ entries: [ManifestEntry], _ script: String) throws -> BundleManifest {
            let manifest = BundleManifest(entries: entries)
            try Data(try manifest.encoded()).write(to: URL(fileURLWithPath: directory("forged.manifest")))
            try Data(manifest.sha256sums()).write(to: URL(fileURLWithPath: directory("forged.sums")))
            let crafted = directory("crafted.tar.zst")
            try CraftedBundle.write(crafted, script)
            let (sha, size) = try FileOps.sha256(ofFile: crafted)
            try FileOps.rename(crafted, to: capture.store + "/bundles/\(sha).tar.zst")
            try FileOps.rename(directory("forged.manifest"), to: capture.store + "/bundles/\(sha).manifest.json")
            try RecordFile.edit(recordPath, store: capture.store) { record in
                record["bundle_sha256"] = sha
                record["bundle_size"] = size
                record["tree_digest"] = manifest.treeDigest
                record["file_count"] = manifest.files.count
                record["unpacked_size"] = NSNumber(value: manifest.unpackedSize)
            }
            return manifest
        }

        /// Python lines adding the forged manifest and checksums, last, as snap does.
        var forgedMetadata: String {
            """
            add('MANIFEST.json', open('\(directory("forged.manifest"))', 'rb').read(), mode=0o600)
            add('SHA256SUMS', open('\(directory("forged.sums"))', 'rb').read(), mode=0o600)
            """
        }

        /// `extract` fails with one clean line holding `message` and exit `status` (4: damage
        /// found, as `verify` says it), and leaves nothing at all beside the target (no
        /// target, no staging directory).
        func expectExtractRefused(_ message: String, status: Int32 = 4) throws {
            let result = try snap(["extract", id, "--to", target])
            #expect(result.status == status, "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            HostileCaptureTests.expectOneCleanLine(result.stderr)
            let left = try FileOps.listDirectory(out)
            #expect(left.isEmpty, "left behind: \(left)")
            #expect(!FileManager.default.fileExists(atPath: directory("evil")))
        }

        /// `verify` finds the damage (exit 4) and names it.
        func expectVerifyFails(_ message: String) throws {
            let result = try snap(["verify", id])
            #expect(result.status == 4)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    // MARK: Entries snap never writes

    @Test(arguments: [
        ("newline", "add('mnesia/a\\nb')", #"mnesia/a\nb"#),
        ("invalid UTF-8", "add('mnesia/bad\\udcff')", "entry name is not valid UTF-8"),
        ("FIFO", "add('mnesia/pipe', type=tarfile.FIFOTYPE)", "FIFOs are never part of a snap bundle"),
        ("device", "add('mnesia/null', type=tarfile.CHRTYPE, devmajor=1, devminor=3)", "device files are never part"),
        (
            "hard link out", "add('mnesia/schema.DAT', type=tarfile.LNKTYPE, linkname='/etc/passwd')",
            "hard links are never part of a snap bundle"
        ),
        ("symlink out", "add('mnesia/schema.DAT', type=tarfile.SYMTYPE, linkname='../../../../etc')", "kind differs"),
        ("absolute", "add('/tmp/snap-hostile-absolute')", "not listed in the manifest"),
    ])
    func entriesSnapNeverWritesAreRefused(label: String, script: String, message: String) throws {
        let fixture = try Fixture("hostile-entry")
        try fixture.replaceBundle(script)
        try fixture.expectExtractRefused(message)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/snap-hostile-absolute"))
        #expect(try fixture.snap(["verify", fixture.id]).status == 4)
        HostileTally.refused("extract")
    }

    @Test func aNewlineInAStoredNameIsShownEscapedByShowAndDiff() throws {
        let fixture = try Fixture("hostile-show")
        // A second snapshot of the same content shares the original bundle.
        try #require(try fixture.capture.create().status == 0)
        let evil = ManifestEntry(
            path: "mnesia/a\nfile  mnesia/fake", type: .file, mode: 0o644, size: 0,
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        _ = try fixture.forge([ManifestEntry(path: "mnesia", type: .directory, mode: 0o755, size: 0), evil], "pass")
        let show = try fixture.snap(["show", fixture.id, "--files"])
        #expect(show.status == 0, "\(show.stderr)")
        let rows = show.stdout.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("TYPE") }
        #expect(rows.filter { !$0.isEmpty }.count == 3, "header, mnesia and one file: \(show.stdout)")
        #expect(show.stdout.contains(#""mnesia/a\nfile  mnesia/fake""#))
        let diff = try fixture.snap(["diff", "latest", fixture.id])
        #expect(diff.stdout.contains(#"+ "mnesia/a\nfile  mnesia/fake""#), "\(diff.stdout)")
        #expect(!diff.stdout.contains("\nfile"))
    }

    // MARK: Content that lies

    /// Python lines copying the original tar, with `schema.DAT`'s content replaced by `data`.
    static func rewritingSchema(_ fixture: Fixture, data: String) throws -> String {
        """
        src = tarfile.open('\(try fixture.plainTar())')
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name == 'mnesia/schema.DAT': data = \(data)
            if data is not None: m.size = len(data)
            t.addfile(m, io.BytesIO(data) if data is not None else None)
        """
    }

    @Test(arguments: [
        (
            "bigger", "data + b'more'", "size 2052 in the archive, 2048 in the manifest",
            "2052 bytes, the manifest says 2048"
        ),
        ("smaller", "data[:100]", "size 100 in the archive, 2048 in the manifest", "100 bytes, the manifest says 2048"),
        ("other bytes", "bytes([data[0] ^ 1]) + data[1:]", "SHA-256 differs from the manifest", "SHA-256 mismatch"),
    ])
    func aMemberThatIsNotWhatTheManifestSaysIsRefused(
        label: String, data: String, extractMessage: String, verifyMessage: String
    ) throws {
        let fixture = try Fixture("hostile-lie")
        try fixture.replaceBundle(try Self.rewritingSchema(fixture, data: data))
        try fixture.expectExtractRefused(extractMessage)
        try fixture.expectVerifyFails(verifyMessage)
        HostileTally.refused("extract")
    }

    // MARK: Decompression bombs

    /// `LATEST.LOG` as 4 GiB of zeros in a bundle of a few hundred kilobytes: the headers,
    /// then the same compressed 128 MiB of zeros 33 times (zstd frames may follow one another).
    @Test func aFourGibibyteBombIsRefusedBeforeItIsInflated() throws {
        let fixture = try Fixture("hostile-bomb")
        let header = fixture.directory("header")
        let script = """
            import tarfile
            directory = tarfile.TarInfo('mnesia'); directory.type = tarfile.DIRTYPE; directory.mode = 0o755
            info = tarfile.TarInfo('mnesia/LATEST.LOG'); info.size = 4 << 30
            open('\(header)', 'wb').write(directory.tobuf(tarfile.PAX_FORMAT) + info.tobuf(tarfile.PAX_FORMAT))
            """
        #expect(try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script]).status == 0)
        let zeros = fixture.directory("zeros.zst")
        #expect(try ProcessRunner.shell("head -c 128M /dev/zero | zstd -q -1 -o '\(zeros)'").status == 0)
        #expect(try ProcessRunner.shell("zstd -q '\(header)' -o '\(header).zst'").status == 0)
        var bomb = try FileOps.readFile(header + ".zst")
        let block = try FileOps.readFile(zeros)
        for _ in 0..<33 { bomb += block }
        #expect(bomb.count < 1 << 20)
        let bundle = try fixture.bundle
        try Data(bomb).write(to: URL(fileURLWithPath: bundle))
        try fixture.expectExtractRefused("mnesia/LATEST.LOG: size 4294967296 in the archive, 3 in the manifest")
        try fixture.expectVerifyFails("mnesia/LATEST.LOG: 4294967296 bytes, the manifest says 3")
        HostileTally.refused("extract")
    }

    /// A 10 KB bundle whose `LATEST.LOG` is a GNU sparse entry of 20 GiB: `verify` used to
    /// inflate the hole in memory (20 GB resident, or a crash). Run with 1 GiB of address
    /// space, which is plenty for a verify that does not.
    @Test func aSparseEntryIsNotInflatedInMemory() throws {
        let fixture = try Fixture("hostile-sparse")
        let work = fixture.directory("sparse")
        let bundle = try fixture.bundle
        let craft = try ProcessRunner.shell(
            """
            mkdir -p -m 755 '\(work)/mnesia' && truncate -s 20G '\(work)/mnesia/LATEST.LOG' \
            && echo x >> '\(work)/mnesia/LATEST.LOG' && tar --sparse -C '\(work)' -cf '\(work).tar' mnesia \
            && zstd -q -f --rm '\(work).tar' -o '\(bundle)' && rm -r '\(work)'
            """)
        try #require(craft.status == 0, "\(craft.stderr)")
        #expect(try FileOps.status(bundle).map { $0.st_size < 64 << 10 } == true)
        let limited = "ulimit -v 1048576; exec '\(SnapBinary.path)'"
        let verify = try ProcessRunner.shell("\(limited) verify \(fixture.id) --store '\(fixture.capture.store)'")
        #expect(verify.status == 4, "\(verify.stderr)")
        #expect(verify.stderr.contains("mnesia/LATEST.LOG: 21474836482 bytes, the manifest says 3"), "\(verify.stderr)")
        let target = fixture.target
        let extract = try ProcessRunner.shell(
            "\(limited) extract \(fixture.id) --to '\(target)' --store '\(fixture.capture.store)'")
        #expect(extract.status == 4)
        #expect(extract.stderr.contains("size 21474836482 in the archive, 3 in the manifest"), "\(extract.stderr)")
        #expect(try FileOps.listDirectory(fixture.out).isEmpty)
        HostileTally.refused("extract")
    }

    @Test func aManifestDeclaringMoreThanTheDiskHoldsIsRefusedBeforeWriting() throws {
        let fixture = try Fixture("hostile-huge")
        let petabyte: Int64 = 1 << 50
        let manifest = try fixture.forge(
            [
                ManifestEntry(path: "mnesia", type: .directory, mode: 0o755, size: 0),
                ManifestEntry(path: "mnesia/schema.DAT", type: .file, mode: 0o644, size: petabyte, sha256: "00"),
            ], "pass")
        // Everything extract writes: the files, the manifest and the checksum list. Too
        // little space is the target's problem (exit 1): a snapshot may really be that big.
        let declared = petabyte + Int64(try manifest.encoded().count + manifest.sha256sums().count)
        try fixture.expectExtractRefused(
            "the content unpacks to \(declared) bytes but its file system has", status: 1)
        #expect(try fixture.snap(["verify", fixture.id]).status == 4)
        HostileTally.refused("extract")
    }

    // MARK: Deep trees

    /// A bundle of `levels` nested `name` directories with a file at the bottom, and a
    /// store that describes it exactly.
    static func forgeDeepTree(_ fixture: Fixture, levels: Int, name: String) throws {
        var entries = [ManifestEntry(path: "mnesia", type: .directory, mode: 0o755, size: 0)]
        var path = "mnesia"
        for _ in 0..<levels {
            path += "/" + name
            entries.append(ManifestEntry(path: path, type: .directory, mode: 0o755, size: 0))
        }
        let leaf = Array("bottom".utf8)
        entries.append(
            ManifestEntry(
                path: path + "/leaf", type: .file, mode: 0o644, size: Int64(leaf.count),
                sha256: SHA256.hash(data: leaf).map { String(format: "%02x", $0) }.joined()))
        let script = """
            p = 'mnesia'
            add(p, type=tarfile.DIRTYPE, mode=0o755)
            for _ in range(\(levels)):
                p += '/\(name)'
                add(p, type=tarfile.DIRTYPE, mode=0o755)
            add(p + '/leaf', b'bottom', mode=0o644)
            \(fixture.forgedMetadata)
            """
        _ = try fixture.forge(entries, script)
    }

    @Test func aBundleThreeHundredLevelsDeepComesBack() throws {
        let fixture = try Fixture("hostile-deep-300")
        try Self.forgeDeepTree(fixture, levels: 300, name: "d")
        #expect(try fixture.snap(["verify", fixture.id]).status == 0)
        let result = try fixture.snap(["extract", fixture.id, "--to", fixture.target])
        try #require(result.status == 0, "\(result.stderr)")
        let leaf = fixture.target + "/mnesia" + String(repeating: "/d", count: 300) + "/leaf"
        #expect(try FileOps.readFile(leaf) == Array("bottom".utf8))
        HostileTally.roundTripped("extract")
    }

    @Test func aBundleTwoThousandLevelsDeepPastPathMaxIsRefusedAndCleanedUp() throws {
        let fixture = try Fixture("hostile-deep-2000")
        try Self.forgeDeepTree(fixture, levels: 2000, name: "dd")
        try fixture.expectExtractRefused("path is longer than 4095 bytes")
        HostileTally.refused("extract")
    }

    @Test func theUntouchedSnapshotStillComesBack() throws {
        let fixture = try Fixture("hostile-baseline")
        let result = try fixture.snap(["extract", fixture.id, "--to", fixture.target])
        try #require(result.status == 0, "\(result.stderr)")
        let sums = try ProcessRunner.shell("sha256sum --quiet -c SHA256SUMS", directory: fixture.target)
        #expect(sums.status == 0, "\(sums.stdout)")
        HostileTally.roundTripped("extract")
    }
}
