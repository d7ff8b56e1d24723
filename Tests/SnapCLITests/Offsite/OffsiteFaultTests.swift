import Foundation
import SnapTestSupport
import Testing

/// Real faults between snap and a real S3 server: wrong credentials, a stopped or killed
/// server, objects changed or deleted on the server, a history cut or edited there.
@Suite struct OffsiteFaultTests {
    /// One line on stderr, naming the remote, saying what to do, holding no secret.
    static func expectOneLine(_ result: ProcessResult, _ fragment: String, secret: String, _ what: String) {
        #expect(result.status == 1, "\(what): \(result.stdout)\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(what): \(result.stderr)")
        #expect(
            result.stderr.contains("remote offsite") && result.stderr.contains(fragment), "\(what): \(result.stderr)")
        #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret), "\(what) printed the secret")
    }

    @Test func wrongCredentialsAreOneLineThatNamesTheRemote() throws {
        let bed = try OffsiteBed("creds")
        try bed.capture()
        let wrongSecret = try bed.server.rcloneConfig(accessKey: bed.server.accessKey, secretKey: "0badc0de0badc0de")
        try bed.writeConfig(rcloneConfig: wrongSecret)
        Self.expectOneLine(
            try bed.snap(["copy", "--to", "offsite", "--all"]), "credentials were refused (SignatureDoesNotMatch)",
            secret: "0badc0de0badc0de", "wrong secret")
        let unknownKey = try bed.server.rcloneConfig(accessKey: "nobody", secretKey: bed.server.secretKey)
        try bed.writeConfig(rcloneConfig: unknownKey)
        Self.expectOneLine(
            try bed.snap(["list", "--remote", "offsite"]), "credentials were refused (InvalidAccessKeyId)",
            secret: bed.server.secretKey, "unknown key")
        // Nothing was recorded as copied, and the right credentials then work.
        #expect(try bed.snap(["show", "latest"]).stdout.contains("off site") == false)
        try bed.writeConfig()
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
    }

    @Test func noRcloneAndABrokenRcloneConfigAreOneLine() throws {
        let bed = try OffsiteBed("no-rclone")
        try bed.capture()
        let missing = try bed.snap(
            ["copy", "--to", "offsite", "--all"], environment: ["SNAP_RCLONE": "/nonexistent/rclone"])
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("is not installed") && missing.stderr.contains("apt-get install rclone"))
        let empty = bed.directory("empty-rclone.conf")
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        try bed.writeConfig(rcloneConfig: empty)
        Self.expectOneLine(
            try bed.snap(["copy", "--to", "offsite", "--all"]), "rclone's configuration does not work",
            secret: bed.server.secretKey, "no such section in rclone.conf")
    }

    @Test func aStoppedServerIsSaidAndTheNextRunFinishes() throws {
        let bed = try OffsiteBed("stopped", timeout: "5s")
        try bed.capture()
        bed.server.stop()
        let started = Date()
        Self.expectOneLine(
            try bed.snap(["copy", "--to", "offsite", "--all"]), "cannot be reached", secret: bed.server.secretKey,
            "stopped server")
        #expect(Date().timeIntervalSince(started) < 60, "the remote's deadline bounds the wait")
        try bed.server.start()
        try bed.writeConfig()  // the usual deadline again: a loaded machine needs it
        let copy = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
    }

    /// The server killed while bundles are uploaded: the copy fails, nothing is listed as
    /// copied that is not whole, and the next run (server back) finishes.
    @Test func aServerKilledMidCopyLeavesNothingThatLooksComplete() throws {
        let bed = try OffsiteBed("killed", timeout: "5s")
        for index in 0..<4 { try bed.capture(node: "manager_\(index % 2)", bytes: 6 * 1024 * 1024) }
        let copy = try bed.startSnap(["copy", "--to", "offsite", "--all"])
        usleep(400_000)
        bed.server.kill()
        let result = copy.wait()
        try bed.server.start()
        try bed.writeConfig()
        if result.status != 0 {
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("remote offsite"), "\(result.stderr)")
        }
        // Whatever reached the remote is whole or not listed (killed before store.json went
        // up, the remote holds no store yet).
        let between = try bed.snap(["verify", "--remote", "offsite"])
        #expect(between.status == 0 || between.stderr.contains("holds nothing"), "\(between.stdout)\(between.stderr)")
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        let listed = try #require(try bed.json(["list", "--remote", "offsite"]) as? [[String: Any]])
        #expect(listed.count == 4 && listed.allSatisfy { $0["complete"] as? Bool == true })
        #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
    }

    @Test func anObjectChangedOnTheServerIsNamedAndNeverRewritten() throws {
        let bed = try OffsiteBed("changed")
        let id = try bed.capture()
        try bed.capture()
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        let record = try #require((try bed.json(["show", id]) as? [String: Any])?["snapshot"] as? [String: Any])
        let sha = try #require(record["bundle_sha256"] as? String)
        let object = "\(bed.remotePath)/bundles/\(sha).tar.zst"
        // Same size, other bytes: only reading it back tells.
        let size = try #require(record["bundle_size"] as? Int)
        let forged = Data(repeating: 0x41, count: size)
        #expect(try bed.server.rclone(["rcat", object], input: forged).status == 0)
        let verify = try bed.snap(["verify", "--remote", "offsite"])
        #expect(verify.status == 4, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains(sha) && verify.stdout.contains(id), "\(verify.stdout)")
        // Another size: the copy sees it in the listing and refuses to rewrite it.
        #expect(try bed.server.rclone(["rcat", object], input: Data("short".utf8)).status == 0)
        let copy = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(copy.status == 4 && copy.stderr.contains("changed since it was copied"), "\(copy.stderr)")
        #expect(try bed.remoteObjects()["bundles/\(sha).tar.zst"] == 5, "never rewritten")
        // Removed there (as the message advises): the next copy sends it again, and all is well.
        #expect(try bed.server.rclone(["deletefile", object]).status == 0)
        let again = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(again.status == 0 && again.stderr.contains("had gone from remote offsite"), "\(again.stderr)")
        #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
    }

    /// Three copies make three audit segments; a cut, an edited record and a tail cut are each
    /// named, by verify and by init --from, which then writes nothing.
    @Test func aHistoryCutOrEditedOnTheRemoteIsNeverAdopted() throws {
        let bed = try OffsiteBed("history")
        var ids: [String] = []
        for _ in 0..<3 {
            ids.append(try bed.capture())
            #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        }
        let segments = try bed.remoteObjects().keys.filter { $0.hasPrefix("audit/") }.sorted()
        try #require(segments.count == 3, "\(segments)")
        let saved = bed.directory("saved")
        #expect(try bed.server.rclone(["copy", bed.remotePath, saved]).status == 0)
        let rebuilt = bed.directory("rebuilt.yaml")

        func initFrom(_ what: String, _ fragment: String) throws {
            try (try String(contentsOfFile: bed.config, encoding: .utf8))
                .replacingOccurrences(of: "store: \(bed.store)", with: "store: \(bed.directory("rebuilt"))")
                .write(toFile: rebuilt, atomically: true, encoding: .utf8)
            chmod(rebuilt, 0o600)
            let result = try SnapBinary.run(["init", "--from", "offsite", "--config", rebuilt])
            #expect(result.status == 4, "\(what): \(result.stdout)\(result.stderr)")
            // `fragment` may list alternatives, separated by `|`.
            let alternatives = fragment.split(separator: "|").map(String.init)
            #expect(alternatives.contains { result.stderr.contains($0) }, "\(what): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: bed.directory("rebuilt/store.json")), "\(what)")
            let verify = try bed.snap(["verify", "--remote", "offsite"])
            #expect(
                verify.status == 4 && alternatives.contains { verify.stdout.contains($0) }, "\(what): \(verify.stdout)")
        }
        func restore() throws {
            #expect(try bed.server.rclone(["sync", saved, bed.remotePath]).status == 0)
            #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
        }

        // A segment in the middle removed.
        #expect(try bed.server.rclone(["deletefile", "\(bed.remotePath)/\(segments[1])"]).status == 0)
        try initFrom("middle segment removed", "are missing (the history was cut)")
        try restore()
        // The last segments removed: the newest snapshot's creation is no longer in the history.
        for segment in segments.dropFirst() {
            #expect(try bed.server.rclone(["deletefile", "\(bed.remotePath)/\(segment)"]).status == 0)
        }
        try initFrom("tail cut", "does not name snapshot")
        try restore()
        // A line edited inside a segment (same name, so same place in the chain).
        let first = saved + "/" + segments[0]
        let text = try String(contentsOfFile: first, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"outcome\":\"ok\"", with: "\"outcome\":\"OK\"")
        #expect(edited != text)
        #expect(
            try bed.server.rclone(["rcat", "\(bed.remotePath)/\(segments[0])"], input: Data(edited.utf8)).status == 0)
        try initFrom("entry edited", "was edited")
        try restore()
        // Two entries swapped inside a segment (same bytes, same name).
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count >= 3)
        lines.swapAt(0, 1)
        let swapped = Data(lines.joined(separator: "\n").utf8)
        #expect(try bed.server.rclone(["rcat", "\(bed.remotePath)/\(segments[0])"], input: swapped).status == 0)
        // The segment's last entry is no longer the one its name says, or the chain breaks.
        try initFrom("entries reordered", "reordered|does not end with the entry its name says")
        try restore()
        // A record edited: its seal no longer holds.
        let recordPath = saved + "/snapshots/\(ids[0]).json"
        let record = try String(contentsOfFile: recordPath, encoding: .utf8)
        let forged = record.replacingOccurrences(of: "\"node\" : \"manager_0\"", with: "\"node\" : \"manager_9\"")
        #expect(forged != record)
        #expect(
            try bed.server.rclone(["rcat", "\(bed.remotePath)/snapshots/\(ids[0]).json"], input: Data(forged.utf8))
                .status == 0)
        try initFrom("record edited", "seal does not match")
        try restore()
    }
}
