import Foundation
import SnapTestSupport
import Testing

/// Encryption at rest end to end: bundles as age files, read by snap with the configured
/// identity and by Debian's `age` without snap.
@Suite struct EncryptionTests {
    /// A store whose snap.yaml encrypts to `count` new keys (read with the first), and a
    /// Mnesia directory with an incompressible file, so that bundles span several age chunks.
    static func encryptedFixture(_ label: String, keys count: Int = 1) throws -> (
        StoreFixture, [(path: String, recipient: String)]
    ) {
        let fixture = try StoreFixture(label)
        var generator = SeededGenerator(seed: 20_261_206)
        let noise = (0..<(300 << 10)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: fixture.mnesia + "/noise.DAT"))
        let keys = try (0..<count).map { try fixture.generateKey("key\($0).txt") }
        try fixture.encrypt(to: keys.map(\.recipient), identity: keys[0].path)
        return (fixture, keys)
    }

    static func record(_ fixture: StoreFixture, _ id: String) throws -> [String: Any] {
        try #require(try fixture.list().first { $0["id"] as? String == id })
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Where the age header ends (after the `--- MAC` line).
    static func headerLength(_ bytes: [UInt8]) throws -> Int {
        let marker = Array("\n--- ".utf8)
        let start = try #require(
            (0..<(bytes.count - marker.count)).first { Array(bytes[$0..<$0 + marker.count]) == marker })
        let end = try #require((start + 1..<bytes.count).first { bytes[$0] == 0x0a })
        return end + 1
    }

    @Test(arguments: [1, 3])
    func bundlesAreAgeFilesThatEveryRecipientOpens(recipients: Int) throws {
        let (fixture, keys) = try Self.encryptedFixture("enc-roundtrip-\(recipients)", keys: recipients)
        for key in keys {
            #expect(key.recipient.hasPrefix("age1"))
            let mode = try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let derived = try ProcessRunner.run("/usr/bin/age-keygen", ["-y", key.path])
            #expect(derived.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == key.recipient)
        }
        let id = try fixture.create()
        let bundle = try fixture.bundlePath(of: id)
        #expect(bundle.hasSuffix(".tar.zst.age"))
        #expect(try fixture.bundles().count == 1, "no plain bundle beside it")
        let file = try Self.bytes(bundle)
        #expect(file.starts(with: Array("age-encryption.org/v1\n".utf8)))
        #expect(!String(decoding: file, as: UTF8.self).contains("MANIFEST.json"), "no plaintext in the store")
        let record = try Self.record(fixture, id)
        let encryption = try #require(record["encryption"] as? [String: Any])
        #expect(encryption["recipients"] as? [String] == keys.map(\.recipient))

        #expect(try fixture.snap(["verify", id]).status == 0)
        for (index, key) in keys.enumerated() {
            // Each identity alone opens it.
            try fixture.encrypt(to: keys.map(\.recipient), identity: key.path)
            let out = fixture.directory("out\(index)")
            let extract = try fixture.snap(["extract", id, "--to", out])
            #expect(extract.status == 0, "\(extract.stderr)")
            let compare = try ProcessRunner.shell("diff -r '\(fixture.mnesia)' '\(out)/mnesia'")
            #expect(compare.status == 0, "\(compare.stdout)")
        }
        let show = try fixture.snap(["show", id])
        #expect(show.stdout.contains("encrypted     age, to \(keys[0].recipient)"), "\(show.stdout)")
    }

    @Test func debianAgeOpensABundleAndItsChecksumsHold() throws {
        let (fixture, keys) = try Self.encryptedFixture("enc-interop", keys: 2)
        let id = try fixture.create()
        let bundle = try fixture.bundlePath(of: id)
        let payload = try #require(
            (try Self.record(fixture, id)["encryption"] as? [String: Any])?["payload_sha256"] as? String)
        for key in keys {
            let out = fixture.directory("unpacked-\(key.recipient.suffix(6))")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            // Exactly what the README tells an operator without snap to run.
            let recovered = try ProcessRunner.shell(
                "age -d -i '\(key.path)' '\(bundle)' | tar --zstd -x -C '\(out)' && cd '\(out)' && sha256sum -c --quiet SHA256SUMS"
            )
            #expect(recovered.status == 0, "\(recovered.stdout)\(recovered.stderr)")
            let sum = try ProcessRunner.shell("age -d -i '\(key.path)' '\(bundle)' | sha256sum")
            #expect(sum.stdout.hasPrefix(payload), "the record's payload_sha256 is what age -d gives")
            let compare = try ProcessRunner.shell("diff -r '\(fixture.mnesia)' '\(out)/mnesia'")
            #expect(compare.status == 0, "\(compare.stdout)")
        }
        let stranger = try fixture.generateKey("stranger.txt")
        #expect(try ProcessRunner.shell("age -d -i '\(stranger.path)' '\(bundle)' >/dev/null").status != 0)
    }

    enum Damage: String, CaseIterable, Sendable {
        case stanzaBody, headerMAC, firstChunk, lastChunk, truncatedBeforeLastChunk, truncatedInHeader
    }

    @Test(arguments: Damage.allCases)
    func damageIsExit4AndNothingUnauthenticatedIsWritten(damage: Damage) throws {
        let (fixture, _) = try Self.encryptedFixture("enc-damage-\(damage.rawValue)")
        let good = try fixture.create(node: "manager_1")
        try Data("other".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        let bad = try fixture.create(node: "manager_0")
        let bundle = try fixture.bundlePath(of: bad)
        var bytes = try Self.bytes(bundle)
        let header = try Self.headerLength(bytes)
        #expect(bytes.count > header + 16 + 3 * 65_552, "the bundle spans several chunks")
        func flip(_ offset: Int) { bytes[offset] = bytes[offset] == 0x41 ? 0x42 : 0x41 }
        switch damage {
        case .stanzaBody:
            // The third line is the first stanza's body: a base64 letter swapped for another.
            let lines = bytes.indices.filter { bytes[$0] == 0x0a }
            flip(lines[1] + 5)
        case .headerMAC: flip(header - 40)
        case .firstChunk: flip(header + 16 + 1000)
        case .lastChunk: flip(bytes.count - 5)
        case .truncatedBeforeLastChunk: bytes = Array(bytes[0..<(header + 16 + 2 * 65_552)])
        case .truncatedInHeader: bytes = Array(bytes[0..<(header - 10)])
        }
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))

        let verify = try fixture.snap(["verify", "--all"])
        #expect(verify.status == 4, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains(bad) && !verify.stdout.contains("FAILED  \(good)"), "\(verify.stdout)")
        let target = fixture.directory("out")
        let extract = try fixture.snap(["extract", bad, "--to", target])
        #expect(extract.status == 4, "\(extract.stderr)")
        #expect(extract.stderr.split(separator: "\n").count == 1, "one clear line: \(extract.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing unpacked")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter {
            $0.hasPrefix(".snap-extract-")
        }
        #expect(leftovers.isEmpty)
        #expect(try fixture.snap(["extract", good, "--to", fixture.directory("good")]).status == 0)
    }

    @Test func aMissingWrongOrExposedIdentityIsExit1AndNeverPrinted() throws {
        let (fixture, keys) = try Self.encryptedFixture("enc-keys")
        let id = try fixture.create()
        let secret =
            try String(contentsOfFile: keys[0].path, encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("AGE-SECRET-KEY-1") }.map(String.init) ?? "?"
        let other = try fixture.generateKey("other.txt")
        let garbage = fixture.directory("garbage.txt")
        try Data("AGE-SECRET-KEY-1NOTAKEY\n".utf8).write(to: URL(fileURLWithPath: garbage))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: garbage)
        let exposed = fixture.directory("exposed.txt")
        try FileManager.default.copyItem(atPath: keys[0].path, toPath: exposed)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: exposed)
        let cases: [(identity: String?, says: String)] = [
            (nil, "names no identity"), (other.path, "no identity in"), (garbage, "not an age identity file"),
            (exposed, "chmod 600"), (fixture.directory("absent.txt"), "does not exist"),
        ]
        for (identity, says) in cases {
            try fixture.encrypt(to: [keys[0].recipient], identity: identity)
            let result = try fixture.snap(["extract", id, "--to", fixture.directory("out")])
            #expect(result.status == 1, "\(identity ?? "none"): \(result.stderr)")
            #expect(result.stderr.contains(says), "\(result.stderr)")
            #expect(!result.stderr.contains("AGE-SECRET-KEY-1"), "\(result.stderr)")
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
            if identity != nil {
                let verify = try fixture.snap(["verify", id])
                #expect(verify.status == 1, "a key problem is not damage: \(verify.stdout)\(verify.stderr)")
                #expect(verify.stderr.contains(says), "\(verify.stderr)")
            }
        }
        let garbled = try fixture.snap(["extract", id, "--to", fixture.directory("out")])
        #expect(!garbled.stderr.contains("NOTAKEY"))
        // A link to a private identity file (a secrets mount) is judged by the file.
        let link = fixture.directory("linked.txt")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: keys[0].path)
        try fixture.encrypt(to: [keys[0].recipient], identity: link)
        #expect(try fixture.snap(["extract", id, "--to", fixture.directory("linked-out")]).status == 0)
        // An identity that cannot read back what is written now is said first; the capture is
        // made, and its check after create, which cannot read it, fails the run (exit 1).
        try fixture.encrypt(to: [other.recipient], identity: keys[0].path)
        let before = try fixture.list().count
        let create = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_1"])
        #expect(create.status == 1, "\(create.stderr)")
        #expect(create.stderr.contains("holds no identity of encryption.recipients"), "\(create.stderr)")
        #expect(try fixture.list().count == before + 1)
    }

    @Test func verifyWithoutTheIdentityChecksTheFileAndSaysSo() throws {
        let (fixture, keys) = try Self.encryptedFixture("enc-sealed")
        let id = try fixture.create()
        try fixture.encrypt(to: [keys[0].recipient], identity: nil)
        let verify = try fixture.snap(["verify", id])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("without their identity"), "\(verify.stdout)")
        let verification = try #require(try Self.record(fixture, id)["verification"] as? [String: Any])
        #expect(verification["content_checked"] as? Bool == false)
        #expect(verification["ok"] as? Bool == true)
        #expect(try fixture.snap(["show", id]).stdout.contains("encrypted file only"))

        // Damage to the file is still found without the identity.
        let bundle = try fixture.bundlePath(of: id)
        var bytes = try Self.bytes(bundle)
        bytes[bytes.count - 100] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        let damaged = try fixture.snap(["verify", id])
        #expect(damaged.status == 4, "\(damaged.stdout)\(damaged.stderr)")
    }

    @Test func plainAndEncryptedBundlesLiveSideBySide() throws {
        let fixture = try StoreFixture("enc-mixed")
        let plain = try fixture.create()
        let key = try fixture.generateKey("key.txt")
        try fixture.encrypt(to: [key.recipient], identity: key.path)
        // The same content again: never kept in the plain bundle once encryption is on.
        let encrypted = try fixture.create()
        let sealed = try Self.record(fixture, encrypted)
        #expect(sealed["deduplicated"] as? Bool == false)
        #expect(try fixture.bundlePath(of: encrypted).hasSuffix(".age"))
        #expect(try fixture.bundlePath(of: plain).hasSuffix(".tar.zst"))
        // And the next capture of unchanged content reuses the encrypted one.
        let again = try fixture.create()
        #expect(try Self.record(fixture, again)["bundle_sha256"] as? String == sealed["bundle_sha256"] as? String)
        #expect(try fixture.snap(["verify", "--all"]).status == 0)
        for id in [plain, encrypted] {
            #expect(try fixture.snap(["extract", id, "--to", fixture.directory("out-\(id)")]).status == 0)
        }
        let rekey = try fixture.snap(["rekey", "--all"])
        #expect(rekey.status == 0, "\(rekey.stderr)")
        #expect(rekey.stdout.contains("plain (left as they are): 1"), "\(rekey.stdout)")
        #expect(try fixture.bundlePath(of: plain).hasSuffix(".tar.zst"))
    }

    @Test func rekeyRotatesRecipientsWithoutTouchingThePayload() throws {
        let (fixture, keys) = try Self.encryptedFixture("enc-rekey")
        let old = keys[0]
        let first = try fixture.create(node: "manager_0")
        let shared = try fixture.create(node: "manager_0")  // the same bundle, deduplicated
        try Data("other".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        let second = try fixture.create(node: "manager_1")
        var payloads: [String: [UInt8]] = [:]
        var oldBundles: [String] = []
        for id in [first, second] {
            let bytes = try Self.bytes(try fixture.bundlePath(of: id))
            payloads[id] = Array(bytes[try Self.headerLength(bytes)...])
            oldBundles.append(try fixture.bundlePath(of: id))
        }
        let new = try fixture.generateKey("new.txt")
        // Rotate: the new key only; the old identity still reads the bundles to rewrite them.
        try fixture.encrypt(to: [new.recipient], identity: old.path)
        let rekey = try fixture.snap(["rekey", "--all"])
        #expect(rekey.status == 0, "\(rekey.stdout)\(rekey.stderr)")
        #expect(rekey.stdout.contains("rekeyed 2 bundles (3 snapshots)"), "\(rekey.stdout)")
        for path in oldBundles { #expect(!FileManager.default.fileExists(atPath: path), "old bundle gone") }
        #expect(try fixture.bundles().count == 2)
        for id in [first, second] {
            let bytes = try Self.bytes(try fixture.bundlePath(of: id))
            #expect(Array(bytes[try Self.headerLength(bytes)...]) == payloads[id], "payload bytes unchanged")
            let encryption = try #require(try Self.record(fixture, id)["encryption"] as? [String: Any])
            #expect(encryption["recipients"] as? [String] == [new.recipient])
        }
        #expect(
            try Self.record(fixture, shared)["bundle_sha256"] as? String
                == Self.record(fixture, first)["bundle_sha256"] as? String)

        // The new identity reads everything; the removed one nothing, with snap or with age.
        try fixture.encrypt(to: [new.recipient], identity: new.path)
        #expect(try fixture.snap(["verify", "--all"]).status == 0)
        #expect(try fixture.snap(["extract", second, "--to", fixture.directory("new-out")]).status == 0)
        let bundle = try fixture.bundlePath(of: second)
        #expect(try ProcessRunner.shell("age -d -i '\(new.path)' '\(bundle)' | zstd -t -q").status == 0)
        #expect(try ProcessRunner.shell("age -d -i '\(old.path)' '\(bundle)' >/dev/null").status != 0)
        try fixture.encrypt(to: [new.recipient], identity: old.path)
        let refused = try fixture.snap(["extract", second, "--to", fixture.directory("old-out")])
        #expect(refused.status == 1, "\(refused.stderr)")

        let history = try fixture.snap(["history", "--json"])
        #expect(history.stdout.contains("\"rekey\""), "audited")
        #expect(try fixture.snap(["audit", "verify"]).status == 0)
        // Nothing to do the second time.
        try fixture.encrypt(to: [new.recipient], identity: new.path)
        let again = try fixture.snap(["rekey", "--all"])
        #expect(again.stdout.contains("rekeyed 0 bundles"), "\(again.stdout)")
    }

    @Test func rekeyWithoutRecipientsOrIdentityIsRefused() throws {
        let (fixture, keys) = try Self.encryptedFixture("enc-rekey-refused")
        let id = try fixture.create()
        try fixture.writeConfig("encryption:\n  identity: \(keys[0].path)\n")
        let none = try fixture.snap(["rekey", "--all"])
        #expect(none.status == 1 && none.stderr.contains("lists no encryption.recipients"), "\(none.stderr)")
        let other = try fixture.generateKey("other.txt")
        try fixture.encrypt(to: [other.recipient], identity: nil)
        let blind = try fixture.snap(["rekey", id])
        #expect(blind.status == 1 && blind.stderr.contains("names no identity"), "\(blind.stderr)")
        let usage = try fixture.snap(["rekey"])
        #expect(usage.status == 2)
        #expect(try fixture.snap(["key", "generate", keys[0].path]).status == 1, "never over a key file")
        // A one-character name (Linux Foundation's path code crashed on those).
        #expect(try fixture.snap(["key", "generate", "k"]).status == 0)
        try fixture.writeConfig("encryption:\n  recipients: [AGE-SECRET-KEY-1QQQQ]\n")
        let pasted = try fixture.snap(["list"])
        #expect(pasted.status != 0 && pasted.stderr.contains("secret key"), "\(pasted.stderr)")
        #expect(!pasted.stderr.contains("QQQQ"))
    }
}
