import Crypto
import Foundation
import Glibc
import Logging
import SnapKit
import SnapTestSupport
import Testing

/// Bundles and manifests: what `verify`, `extract` and `restore` read from the store.
extension FuzzTests {
    /// A store with one small snapshot (a nested directory, a link, a dump) to mutate.
    final class BundleSandbox {
        let directory: TemporaryDirectory
        let store: Store
        let record: SnapshotRecord
        let original: [UInt8]
        let plainTar: [UInt8]
        var out: String { directory("out") }
        var loose: String { directory("loose") }
        var bundle: String { store.bundlePath(of: record) }

        init(_ label: String) throws {
            directory = TemporaryDirectory(label)
            let mnesia = directory("mnesia")
            try FileManager.default.createDirectory(atPath: mnesia + "/sub", withIntermediateDirectories: true)
            try Data("schema".utf8).write(to: URL(fileURLWithPath: mnesia + "/schema.DAT"))
            try Data((0..<300).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: mnesia + "/LATEST.LOG"))
            try Data("nested".utf8).write(to: URL(fileURLWithPath: mnesia + "/sub/leo_s3_users.DCD"))
            try FileManager.default.createSymbolicLink(atPath: mnesia + "/link", withDestinationPath: "schema.DAT")
            try Data(MnesiaDumpTests.example.utf8).write(to: URL(fileURLWithPath: directory("dump.txt")))
            store = try Store.initialize(at: directory("store"))
            var request = CaptureRequest(
                node: "manager_0", sources: BundleSources(mnesiaDirectory: mnesia, dumpFile: directory("dump.txt")),
                mode: .fromDir, compression: try CompressionSettings(level: 3, threads: 0))
            request.requiresMnesiaSchema = false  // a tree made for the bundle format, not a Mnesia directory
            record = try store.locked { try SnapshotRecorder.record(request, in: $0) }
            original = try FileOps.readFile(store.bundlePath(of: record))
            let unpacked = try ProcessRunner.run(
                "/usr/bin/env", ["zstd", "-dqf", store.bundlePath(of: record), "-o", directory("plain.tar")])
            guard unpacked.status == 0 else { throw FixtureError(message: unpacked.stderr) }
            plainTar = try FileOps.readFile(directory("plain.tar"))
            unlink(directory("plain.tar"))
            for path in [out, loose] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
        }

        /// `verify` and `extract` as the commands run them, on `input` in place of the bundle.
        func verifyAndExtract(_ input: [UInt8]) throws {
            try Data(input).write(to: URL(fileURLWithPath: bundle))
            let problems = VerifyOperation.problems(of: record, check: BundleCheck.run(record, in: store))
            if input != original && problems.isEmpty { throw FuzzFinding("verify passed a changed bundle") }
            var extracted = false
            defer {
                try? FileOps.removeTree(out + "/target")
            }
            do {
                _ = try ExtractOperation.extract(record, from: store, to: out + "/target")
                extracted = true
                if input != original { throw FuzzFinding("extract accepted a changed bundle") }
            } catch let error as FuzzFinding {
                throw error
            } catch {
                try checkNothingLeft(in: out, expecting: [])
                throw error
            }
            if extracted { try checkNothingLeft(in: out, expecting: ["target"]) }
        }

        /// Unpacks `input` with a manifest that promises exactly what its headers say, as an
        /// attacker who also wrote the manifest would: only the extractor's own safety checks
        /// stand between the archive and the file system.
        func extractTrustingHeaders(_ input: [UInt8]) throws {
            try Data(input).write(to: URL(fileURLWithPath: bundle))
            var entries: [ManifestEntry] = []
            if let reader = try? BundleReader(path: bundle) {
                while let entry = try? reader.next() {
                    switch entry.kind {
                    case .file where entry.size <= 1 << 20:
                        // Larger is only possible with a sparse header; BundleReader would
                        // inflate its holes in memory (see the report), so it is left unlisted.
                        var hasher = SHA256()
                        guard (try? reader.readData({ hasher.update(bufferPointer: $0) })) != nil else { break }
                        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
                        entries.append(
                            ManifestEntry(
                                path: entry.path, type: .file, mode: entry.mode, size: entry.size, sha256: digest))
                    case .directory:
                        entries.append(ManifestEntry(path: entry.path, type: .directory, mode: entry.mode, size: 0))
                    case .symlink(let target):
                        entries.append(
                            ManifestEntry(
                                path: entry.path, type: .symlink, mode: entry.mode, size: Int64(target.utf8.count),
                                target: target))
                    default:
                        break
                    }
                }
            }
            var expected = ExpectedContent(manifest: BundleManifest(entries: entries), manifestBytes: [])
            expected.entries = Dictionary(entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            let target = loose + "/target"
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
            defer { try? FileOps.removeTree(target) }
            do {
                try BundleExtractor.extract(bundlePath: bundle, keys: .none, expected: expected, into: target)
            } catch {
                try checkNothingLeft(in: loose, expecting: ["target"])
                throw error
            }
            try checkNothingLeft(in: loose, expecting: ["target"])
        }

        /// Nothing but `expecting` beside the target, and the sandbox as it was made.
        func checkNothingLeft(in directory: String, expecting: [String]) throws {
            let found = try FileOps.listDirectory(directory)
            guard found == expecting else { throw FuzzFinding("written outside the target: \(found)") }
            let top = try FileOps.listDirectory(self.directory.path)
            guard top == ["dump.txt", "loose", "mnesia", "out", "store"] else {
                throw FuzzFinding("written outside the target: \(top)")
            }
        }
    }

    static let tarTokens = tokens([
        "mnesia/", "../", "/etc/passwd", "0000777\0", "0000644\0", "00000000000\0", "77777777777\0", "ustar\0",
        "ustar  \0", "path=", "size=", "linkpath=", "GNU.sparse.size=", "27 path=", "\n", "2", "5", "L", "K", "x",
        "g", "S", "1",
    ])

    @Test func bundleBytesThroughVerifyAndExtract() throws {
        let sandbox = try BundleSandbox("fuzz-bundle")
        Self.check(
            FuzzTarget(
                name: "bundle", corpus: [sandbox.original], dictionary: Self.tarTokens, maxLength: 1 << 20,
                slowLimit: .seconds(10), execute: sandbox.verifyAndExtract))
    }

    @Test func tarEntriesThroughVerifyAndExtract() throws {
        let sandbox = try BundleSandbox("fuzz-tar")
        Self.check(
            FuzzTarget(
                name: "bundle-tar", corpus: [sandbox.plainTar], dictionary: Self.tarTokens, maxLength: 1 << 20,
                slowLimit: .seconds(10)
            ) { input in
                try sandbox.verifyAndExtract(input)
            })
    }

    @Test func tarEntriesAgainstTheirOwnHeaders() throws {
        let sandbox = try BundleSandbox("fuzz-tar-trusted")
        Self.check(
            FuzzTarget(
                name: "bundle-headers", corpus: [sandbox.plainTar], dictionary: Self.tarTokens, maxLength: 1 << 20,
                slowLimit: .seconds(10), execute: sandbox.extractTrustingHeaders))
    }

    @Test func manifestDecoder() throws {
        let sandbox = try BundleSandbox("fuzz-manifest")
        let stored = try FileOps.readFile(sandbox.store.manifestPath(sandbox.record.bundleSha256))
        Self.check(
            FuzzTarget(
                name: "manifest", corpus: [stored],
                dictionary: Self.tokens([
                    "\"size\" : ", "\"mode\" : \"", "\"type\" : \"symlink\"", "\"path\" : \"", "\\n", "\\\\", "\\u0000",
                    "-1", "[", "{",
                ])
            ) { input in
                let manifest = try BundleManifest.decode(input, source: "fuzz.manifest.json")
                _ = (
                    manifest.unpackedSize, manifest.hasDump, manifest.sha256sums(), manifest.entries.map(\.permissions)
                )
                _ = TreeDigest.compute(manifest.entries)
                _ = ExpectedContent(manifest: manifest, manifestBytes: input)
                let again = try BundleManifest.decode(try manifest.encoded(), source: "re-encoded")
                guard again == manifest else { throw FuzzFinding("a manifest changed when written and read back") }
            })
    }
}
