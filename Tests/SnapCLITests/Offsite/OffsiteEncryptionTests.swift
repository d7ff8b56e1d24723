import Foundation
import SnapTestSupport
import Testing

/// With encryption on, what goes off site is ciphertext: the remote holds age files only, and
/// a store rebuilt from it reads them with the identity, or checks them without it.
@Suite struct OffsiteEncryptionTests {
    @Test func theRemoteHoldsOnlyCiphertextAndARebuiltStoreReadsIt() throws {
        let bed = try OffsiteBed("encrypted")
        let key = bed.directory("age.key")
        let made = try bed.snap(["key", "generate", key])
        try #require(made.status == 0, "\(made.stderr)")
        let recipient = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let encryption = "encryption:\n  recipients: [\(recipient)]\n  identity: \(key)\n"
        try bed.writeConfig(extra: encryption)
        let first = try bed.capture(node: "manager_0")
        try bed.capture(node: "manager_1")
        let copy = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(copy.status == 0, "\(copy.stdout)\(copy.stderr)")

        let bundles = try bed.remoteObjects().keys.filter { $0.hasPrefix("bundles/") && !$0.hasSuffix(".json") }
        #expect(bundles.count == 2 && bundles.allSatisfy { $0.hasSuffix(".tar.zst.age") }, "\(bundles)")
        for object in bundles {
            let there = try bed.server.rclone(["cat", "\(bed.remotePath)/\(object)"])
            #expect(there.stdout.hasPrefix("age-encryption.org/v1\n"), "\(object) is an age file there")
            #expect(!there.stdout.contains("MANIFEST.json"))
        }
        let verify = try bed.snap(["verify", "--remote", "offsite"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // The backup host is lost; a new one rebuilds the store from the remote.
        let rebuilt = bed.directory("rebuilt")
        try bed.writeConfig(extra: encryption)
        let config = try String(contentsOfFile: bed.config, encoding: .utf8)
            .replacingOccurrences(of: "store: \(bed.store)", with: "store: \(rebuilt)")
        try config.write(toFile: bed.config, atomically: true, encoding: .utf8)
        let initialized = try bed.snap(["init", "--from", "offsite"])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let out = bed.directory("out")
        let extract = try bed.snap(["extract", first, "--to", out])
        #expect(extract.status == 0, "fetched on first use and opened: \(extract.stderr)")
        #expect(try ProcessRunner.shell("cd '\(out)' && sha256sum -c --quiet SHA256SUMS").status == 0)
        let fetched = try FileManager.default.contentsOfDirectory(atPath: rebuilt + "/bundles")
        #expect(fetched.contains { $0.hasSuffix(".tar.zst.age") } && !fetched.contains { $0.hasSuffix(".tar.zst") })

        // Without the identity the rebuilt store checks the files and says what it did not.
        try config.replacingOccurrences(of: "  identity: \(key)\n", with: "")
            .write(toFile: bed.config, atomically: true, encoding: .utf8)
        let blind = try bed.snap(["verify", "--all"])
        #expect(blind.status == 0, "\(blind.stdout)\(blind.stderr)")
        #expect(blind.stdout.contains("without their identity"), "\(blind.stdout)")
    }

    @Test func aRekeyedBundleGoesOffSiteAgainAndTheOldCopyIsFreed() throws {
        let bed = try OffsiteBed("rekeyed")
        let old = bed.directory("old.key")
        let new = bed.directory("new.key")
        var recipients: [String] = []
        for key in [old, new] {
            let made = try bed.snap(["key", "generate", key])
            try #require(made.status == 0, "\(made.stderr)")
            recipients.append(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try bed.writeConfig(extra: "encryption:\n  recipients: [\(recipients[0])]\n  identity: \(old)\n")
        for _ in 0..<3 { try bed.capture() }
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        // The remote keeps only the newest: the two older copies are pruned there.
        let policy = bed.directory("offsite.yaml")
        try "keep:\n  last: 5\noffsite:\n  remote: offsite\n  keep:\n    last: 1\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        #expect(try bed.snap(["prune", "--policy", policy]).status == 0)
        let before = try bed.remoteObjects().keys.filter { $0.hasSuffix(".age") }
        #expect(before.count == 1, "\(before)")

        // Both keys in one identity file for the rotation, then a rekey to the new one.
        let both = bed.directory("both.key")
        try (String(contentsOfFile: old, encoding: .utf8) + String(contentsOfFile: new, encoding: .utf8))
            .write(toFile: both, atomically: true, encoding: .utf8)
        chmod(both, 0o600)
        try bed.writeConfig(extra: "encryption:\n  recipients: [\(recipients[1])]\n  identity: \(both)\n")
        let rekey = try bed.snap(["rekey", "--all"])
        #expect(rekey.status == 0 && rekey.stdout.contains("rekeyed 3 bundles"), "\(rekey.stdout)\(rekey.stderr)")
        let again = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("copied 1 snapshots"), "what prune removed there stays removed: \(again.stdout)")
        #expect(again.stderr.contains("before a rekey: replaced") && !again.stderr.contains("half-written"))
        let after = try bed.remoteObjects().keys.filter { $0.hasSuffix(".age") }
        #expect(Set(after).isSuperset(of: before) && after.count == 2, "the new file went: \(after)")
        // The next prune removes the bundle no record there uses any more.
        #expect(try bed.snap(["prune", "--policy", policy]).status == 0)
        let left = try bed.remoteObjects().keys.filter { $0.hasSuffix(".age") }
        #expect(left.count == 1 && !before.contains(left[0]), "\(left)")
        try bed.writeConfig(extra: "encryption:\n  recipients: [\(recipients[1])]\n  identity: \(new)\n")
        #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
    }
}
