import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// Bundles crafted to write outside the target. Each must be refused with nothing written
/// outside the target directory.
@Suite struct HostileBundleTests {
    /// A manifest that lists exactly what the crafted bundle holds, so only the safety
    /// checks (not the manifest comparison) can stop it.
    static func expecting(_ entries: [ManifestEntry]) -> ExpectedContent {
        let manifest = BundleManifest(entries: entries)
        var expected = ExpectedContent(manifest: manifest, manifestBytes: [])
        expected.entries.removeValue(forKey: "MANIFEST.json")
        expected.entries.removeValue(forKey: "SHA256SUMS")
        return expected
    }

    static let evilSha = "a1e2d7a0ee6a12ef79d3aacf8d84c3c1b12d5e6b1d3f38d8da4cf2feb0f0d3a9"

    @Test(arguments: [
        (
            "dotdot", "add('../evil')",
            ManifestEntry(path: "../evil", type: .file, mode: 0o644, size: 4, sha256: evilSha), "`..`"
        ),
        (
            "absolute", "add('/tmp/snap-evil-absolute')",
            ManifestEntry(path: "/tmp/snap-evil-absolute", type: .file, mode: 0o644, size: 4, sha256: evilSha),
            "absolute"
        ),
        (
            "abslink", "add('mnesia/link', type=tarfile.SYMTYPE, linkname='/etc')",
            ManifestEntry(path: "mnesia/link", type: .symlink, mode: 0o644, size: 4, target: "/etc"), "absolute path"
        ),
        (
            "uplink", "add('mnesia/link', type=tarfile.SYMTYPE, linkname='../../..')",
            ManifestEntry(path: "mnesia/link", type: .symlink, mode: 0o644, size: 8, target: "../../.."), "outside"
        ),
    ])
    func refused(name: String, script: String, entry: ManifestEntry, reason: String) throws {
        let directory = TemporaryDirectory("hostile-\(name)")
        let bundle = directory("evil.tar.zst")
        try CraftedBundle.write(bundle, script)
        let target = directory("target/inner")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var expected = Self.expecting([entry])
        // The file entries' hash is irrelevant: they must be refused before any byte is written.
        expected.entries[entry.path] = entry
        #expect {
            try BundleExtractor.extract(bundlePath: bundle, keys: .none, expected: expected, into: target)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains("refusing")
        }
        #expect(!FileManager.default.fileExists(atPath: directory("target/evil")))
        #expect(!FileManager.default.fileExists(atPath: directory("evil")))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/snap-evil-absolute"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).allSatisfy { $0 == "mnesia" })
    }

    @Test func linkThenWriteThroughItIsRefused() throws {
        let directory = TemporaryDirectory("hostile-through")
        let bundle = directory("evil.tar.zst")
        try CraftedBundle.write(bundle, "add('a', type=tarfile.SYMTYPE, linkname='.')\nadd('a/x')")
        let target = directory("target")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let expected = Self.expecting([
            ManifestEntry(path: "a", type: .symlink, mode: 0o777, size: 1, target: "."),
            ManifestEntry(path: "a/x", type: .file, mode: 0o644, size: 4, sha256: Self.evilSha),
        ])
        #expect(throws: BundleError.self) {
            try BundleExtractor.extract(bundlePath: bundle, keys: .none, expected: expected, into: target)
        }
        #expect(!FileManager.default.fileExists(atPath: target + "/x"))
    }

    @Test func entriesTheManifestDoesNotListAreRefused() throws {
        let directory = TemporaryDirectory("hostile-unlisted")
        let bundle = directory("evil.tar.zst")
        try CraftedBundle.write(bundle, "add('mnesia/extra')")
        let target = directory("target")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        #expect {
            try BundleExtractor.extract(bundlePath: bundle, keys: .none, expected: Self.expecting([]), into: target)
        } throws: { error in
            "\(error)".contains("not listed in the manifest")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
    }

    @Test func deviceFilesAreRefused() throws {
        let directory = TemporaryDirectory("hostile-device")
        let bundle = directory("evil.tar.zst")
        try CraftedBundle.write(bundle, "add('null', type=tarfile.CHRTYPE, devmajor=1, devminor=3)")
        let target = directory("target")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var expected = Self.expecting([])
        expected.entries["null"] = ManifestEntry(path: "null", type: .file, mode: 0o644, size: 0)
        #expect(throws: BundleError.self) {
            try BundleExtractor.extract(bundlePath: bundle, keys: .none, expected: expected, into: target)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
    }
}
