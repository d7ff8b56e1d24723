import Foundation
import SnapTestSupport
import Testing

/// S3 secret access keys live in `leo_s3_credentials`, so in every bundle. Nothing else snap
/// prints or keeps may hold one: not `show`, `diff`, `list`, `history`, `verify`, `check`,
/// the plans and errors of `restore` (with `--json` or without, with `-v`), nor the audit
/// log, records, manifests and journals in the store.
@Suite struct SecretsTests {
    /// Creates S3 users on manager 0 and returns the secret access keys the console gave out.
    static func createUsers(_ pair: StandinPair, _ names: [String]) throws -> [String] {
        let reply = try pair.console(0, names.map { "create-user \($0)" }.joined(separator: "\n"))
        let secrets = reply.components(separatedBy: "\r\n").compactMap { line -> String? in
            guard line.hasPrefix("secret-access-key:") else { return nil }
            return line.dropFirst("secret-access-key:".count).trimmingCharacters(in: .whitespaces)
        }
        try #require(secrets.count == names.count && secrets.allSatisfy { $0.count >= 20 }, "\(reply)")
        return secrets
    }

    static func created(_ result: ProcessResult) throws -> String {
        try #require(result.status == 0, "\(result.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(records?.first?["id"] as? String)
    }

    @Test func secretKeysNeverLeaveTheBundles() throws {
        let pair = try StandinPair("secrets")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        var secrets = try Self.createUsers(pair, ["alice", "bob"])
        let first = try Self.created(pair.snap(["create", "--node", "manager_0", "--mode", "dump", "--json"]))
        // A credential goes and another comes between the two snapshots.
        _ = try pair.console(0, "delete-user bob")
        secrets += try Self.createUsers(pair, ["carol"])
        let second = try Self.created(pair.snap(["create", "--node", "manager_0", "--mode", "dump", "--json"]))
        let files = try Self.created(pair.snap(["create", "--node", "manager_1", "--mode", "auto", "--json"]))

        // The keys really are in the snapshots, or their absence below would prove nothing.
        let unpacked = pair.directory("unpacked")
        #expect(try pair.snap(["extract", second, "--to", unpacked]).status == 0)
        let dump = try String(contentsOfFile: unpacked + "/dump/mnesia.dump", encoding: .utf8)
        #expect(dump.contains(secrets[0]) && dump.contains(secrets[2]) && !dump.contains(secrets[1]))
        let diff = try pair.snap(["diff", first, second])
        #expect(diff.stdout.contains("leo_s3_credentials"), "the changed credential is a row change: \(diff.stdout)")

        var runs: [(String, ProcessResult)] = []
        func run(_ arguments: [String]) throws {
            for extra in [[], ["--json"], ["-v"], ["--json", "-v"]] {
                runs.append(((arguments + extra).joined(separator: " "), try pair.snap(arguments + extra)))
            }
        }
        for arguments in [
            ["show", first], ["show", second, "--files"], ["diff", first, second], ["list"], ["history"],
            ["verify", "--all"], ["check"], ["restore", files, "--to", "manager_0", "--dry-run"],
            ["restore", second, "--to", "manager_0", "--to", "manager_1", "--dry-run"],
            ["restore", second, "--to", "manager_0", "--dry-run"],
        ] {
            try run(arguments)
        }

        // Failing commands on a damaged bundle: what they say about it.
        let bundle = pair.store + "/bundles/" + (try bundleSha(of: first, in: pair.store)) + ".tar.zst"
        try FileManager.default.copyItem(atPath: bundle, toPath: pair.directory("bundle.saved"))
        var generator = SeededGenerator(seed: 11)
        try FileDamage.flipByte.apply(to: bundle, using: &generator)
        for arguments in [
            ["verify", first], ["extract", first, "--to", pair.directory("out")],
            ["restore", first, "--to", "manager_0", "--to", "manager_1", "--dry-run"],
        ] {
            try run(arguments)
        }
        #expect(runs.last?.1.status == 4, "a damaged snapshot is refused: \(runs.last?.1.stderr ?? "")")
        try FileManager.default.removeItem(atPath: bundle)
        try FileManager.default.moveItem(atPath: pair.directory("bundle.saved"), toPath: bundle)

        // A restore whose load fails on a credential row: LeoFS prints the row, secret and all.
        let crafted = pair.directory("crafted.dump")
        try """
        {tables,[{leo_s3_credentials,[{record_name,leo_s3_credentials},\
        {attributes,[access_key_id,secret_access_key,created_at]}]}]}.
        {leo_s3_credentials,<<"05236">>,<<"\(secrets[0])">>,1795964006,extra}.

        """.write(toFile: crafted, atomically: true, encoding: .utf8)
        try MnesiaFixture.make(at: pair.directory("fixture"), rows: 5)
        let bad = try Self.created(
            pair.snap([
                "create", "--from-dir", pair.directory("fixture"), "--node", "manager_0", "--dump", crafted, "--json",
            ]))
        let failed = try pair.snap([
            "restore", bad, "--to", "manager_0", "--to", "manager_1", "--mode", "load", "--yes", "-v",
        ])
        #expect(failed.status == 5, "the load fails and is rolled back: \(failed.stdout)\(failed.stderr)")
        #expect(failed.stderr.contains("load-mnesia-data") && failed.stderr.contains("bad_type"), "\(failed.stderr)")
        runs.append(("restore of a bad dump", failed))
        #expect(try pair.control(0, ["ping"]).status == 0)

        for (command, result) in runs {
            for secret in secrets {
                #expect(!result.stdout.contains(secret), "\(command) printed a secret key on stdout")
                #expect(!result.stderr.contains(secret), "\(command) printed a secret key on stderr")
            }
        }
        // Outside the bundles (and the managers' own Mnesia files rescued by the restore).
        let kept = (FileManager.default.subpaths(atPath: pair.store) ?? []).filter { path in
            !path.hasSuffix(".tar.zst") && !path.contains("/rescue/") && !path.hasSuffix("/rescue")
        }
        #expect(kept.contains("audit.log") && kept.contains { $0.hasSuffix("journal.json") })
        for path in kept {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: pair.store + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            let content = String(
                decoding: try Data(contentsOf: URL(fileURLWithPath: pair.store + "/" + path)), as: UTF8.self)
            for secret in secrets {
                #expect(!content.contains(secret), "\(path) holds a secret key")
            }
        }
        print("secrets: \(secrets.count) keys, \(runs.count) command runs and \(kept.count) store paths checked")
    }

    /// The remote's credentials, in an rclone.conf or in the rclone path itself (an
    /// on-the-fly remote), never appear in what snap prints, logs, audits or records; nor
    /// the S3 secrets inside the bundles it copies.
    @Test func remoteCredentialsNeverLeaveRcloneConfig() throws {
        let bed = try OffsiteBed("secrets")
        let server = bed.server
        let inline =
            ":s3,provider=Other,endpoint='\(server.endpoint)',access_key_id=\(server.accessKey),"
            + "secret_access_key=\(server.secretKey):\(server.bucket)/inline"
        let policy = bed.directory("offsite.yaml")
        try "keep:\n  last: 5\noffsite:\n  remote: inline\n  warn: 1h\n  keep:\n    last: 1\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        try bed.writeConfig(
            extraRemote:
                "  - name: inline\n    path: \"\(inline)\"\n    rclone_flags: [\"--s3-secret-access-key=\(server.secretKey)\"]\n"
        )
        try bed.capture()
        var runs: [(String, ProcessResult)] = []
        for arguments in [
            ["copy", "--to", "inline", "--all"], ["copy", "--to", "offsite", "--all"], ["list", "--remote", "inline"],
            ["verify", "--remote", "inline"], ["verify", "--remote", "offsite", "--sample", "50"], ["show", "latest"],
            ["create", "--from-dir", bed.mnesia, "--node", "manager_0", "--policy", policy, "--prune"],
            ["prune", "--policy", policy, "--dry-run"], ["check", "--policy", policy], ["history"],
            ["cron", "--policy", policy],
        ] {
            for extra in [[], ["--json"], ["-v"]] {
                runs.append(((arguments + extra).joined(separator: " "), try bed.snap(arguments + extra)))
            }
        }
        #expect(runs.first?.1.status == 0, "\(runs.first?.1.stderr ?? "")")
        // Failures: wrong credentials echoed by rclone, an unreachable endpoint.
        try bed.writeConfig(
            extraRemote:
                "  - name: inline\n    path: \"\(inline.replacingOccurrences(of: server.bucket, with: "nobucket"))x\"\n"
        )
        let wrong = inline.replacingOccurrences(of: server.endpoint, with: "http://127.0.0.1:9")
        runs.append(("copy to a missing bucket", try bed.snap(["copy", "--to", "inline", "--all", "-v"])))
        try bed.writeConfig(extraRemote: "  - name: inline\n    path: \"\(wrong)\"\n    timeout: 3s\n")
        runs.append(("copy to nowhere", try bed.snap(["copy", "--to", "inline", "--all", "-v"])))
        #expect(runs.last?.1.status == 1)
        let secrets = [server.secretKey, server.accessKey]
        for (command, result) in runs {
            for secret in secrets {
                #expect(!result.stdout.contains(secret), "\(command) printed a credential on stdout")
                #expect(!result.stderr.contains(secret), "\(command) printed a credential on stderr")
            }
        }
        for path in FileManager.default.subpaths(atPath: bed.store) ?? [] where !path.hasSuffix(".tar.zst") {
            guard let data = FileManager.default.contents(atPath: bed.store + "/" + path) else { continue }
            for secret in secrets {
                #expect(!String(decoding: data, as: UTF8.self).contains(secret), "\(path) holds a credential")
            }
        }
    }

    /// With encryption on, the age identity lives in its file only: no command (capture,
    /// verify, extract, both restore cases, rekey, and their failures) prints it, and nothing
    /// in the store holds it; the bundles hold no plaintext.
    @Test func ageIdentitiesNeverLeaveTheirFile() throws {
        let pair = try StandinPair("secrets-age")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let secrets = try Self.createUsers(pair, ["alice"])
        var keys: [(path: String, recipient: String, secret: String)] = []
        for name in ["old.key", "new.key"] {
            let path = pair.directory(name)
            let made = try pair.snap(["key", "generate", path])
            try #require(made.status == 0, "\(made.stderr)")
            let secret = try #require(
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                    .first { $0.hasPrefix("AGE-SECRET-KEY-1") })
            keys.append((path, made.stdout.trimmingCharacters(in: .whitespacesAndNewlines), String(secret)))
        }
        let base = try String(contentsOfFile: pair.config, encoding: .utf8)
        func encrypt(to recipient: String, identity: String) throws {
            try (base + "encryption:\n  recipients: [\(recipient)]\n  identity: \(identity)\n")
                .write(toFile: pair.config, atomically: true, encoding: .utf8)
        }
        try encrypt(to: keys[0].recipient, identity: keys[0].path)
        let dump = try Self.created(pair.snap(["create", "--node", "manager_0", "--mode", "dump", "--json"]))
        let files = try Self.created(pair.snap(["create", "--node", "manager_1", "--mode", "auto", "--json"]))
        var runs: [(String, ProcessResult)] = []
        func run(_ arguments: [String]) throws {
            for extra in [[], ["--json"], ["-v"]] {
                runs.append(((arguments + extra).joined(separator: " "), try pair.snap(arguments + extra)))
            }
        }
        for arguments in [
            ["show", files], ["list"], ["verify", "--all"], ["check"], ["history"],
            ["extract", files, "--to", pair.directory("out")],
            ["restore", files, "--to", "manager_0", "--to", "manager_1", "--dry-run"],
        ] {
            try run(arguments)
        }
        // Both restore cases, for real, from encrypted snapshots (the pre-restore snapshots
        // they take are encrypted too).
        runs.append(("restore copy", try pair.snap(["restore", files, "--to", "manager_1", "--yes", "-v"])))
        #expect(runs.last?.1.status == 0, "\(runs.last?.1.stderr ?? "")")
        runs.append(
            (
                "restore load",
                try pair.snap([
                    "restore", dump, "--to", "manager_0", "--to", "manager_1", "--mode", "load", "--yes", "-v",
                ])
            ))
        #expect(runs.last?.1.status == 0, "\(runs.last?.1.stderr ?? "")")
        #expect(try pair.console(0, "get-users").contains("alice"), "the load brought the user back")
        // Rotation, then the old identity, which opens nothing any more.
        try encrypt(to: keys[1].recipient, identity: keys[0].path)
        try run(["rekey", "--all"])
        try run(["verify", "--all"])
        try run(["extract", files, "--to", pair.directory("refused")])
        #expect(runs.last?.1.status == 1, "\(runs.last?.1.stderr ?? "")")
        // A restore whose rollback could not read back the files it replaces is refused
        // before anything stops.
        runs.append(("restore refused", try pair.snap(["restore", files, "--to", "manager_1", "--yes"])))
        #expect(runs.last?.1.status == 1, "\(runs.last?.1.stderr ?? "")")
        #expect(runs.last?.1.stderr.contains("holds no identity of encryption.recipients") == true)
        #expect(try pair.control(1, ["ping"]).stdout.contains("pong"))

        for (command, result) in runs {
            for key in keys {
                #expect(!result.stdout.contains(key.secret), "\(command) printed an identity on stdout")
                #expect(!result.stderr.contains(key.secret), "\(command) printed an identity on stderr")
                #expect(!result.stderr.contains("AGE-SECRET-KEY-1"), "\(command): \(result.stderr)")
            }
        }
        for path in FileManager.default.subpaths(atPath: pair.store) ?? [] {
            guard let data = FileManager.default.contents(atPath: pair.store + "/" + path) else { continue }
            let content = String(decoding: data, as: UTF8.self)
            for key in keys { #expect(!content.contains(key.secret), "\(path) holds an identity") }
            #expect(!path.hasSuffix(".tar.zst"), "\(path): every bundle is encrypted")
            if path.hasSuffix(".age") {
                #expect(!content.contains(secrets[0]) && !content.contains("leo_s3_credentials"), "\(path)")
            }
        }
    }

    private func bundleSha(of id: String, in store: String) throws -> String {
        let record = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: store + "/snapshots/\(id).json")))
        return try #require((record as? [String: Any])?["bundle_sha256"] as? String)
    }
}
