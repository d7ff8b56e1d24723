import SnapKit
import Testing

@Suite struct RemoteConfigTests {
    @Test func readsRemotesWithTheirRcloneSettings() throws {
        let config = try SnapConfig.parse(
            """
            store: /var/lib/snap
            remotes:
              - name: offsite
                path: "s3west:leofs-backups/cluster1"
                rclone_config: rclone.conf
                rclone_flags: ["--s3-upload-concurrency=8", "--ca-cert", "/etc/ssl/ca.pem"]
                timeout: 2m
              - name: nas
                path: /mnt/nas/snap
            """, path: "/etc/snap/snap.yaml")
        #expect(config.remotes.count == 2)
        let offsite = try config.remote("offsite")
        #expect(offsite.path == "s3west:leofs-backups/cluster1")
        #expect(offsite.rcloneConfig == "/etc/snap/rclone.conf")
        #expect(offsite.flags == ["--s3-upload-concurrency=8", "--ca-cert", "/etc/ssl/ca.pem"])
        #expect(offsite.timeout == 120)
        #expect(try config.remote("nas").timeout == 60)
    }

    @Test func refusesWhatCannotBeARemote() {
        let cases: [(String, String)] = [
            ("remotes:\n  - name: a\n", "name and path"),
            ("remotes:\n  - path: x:y\n", "name and path"),
            ("remotes:\n  - name: a b\n    path: x:y\n", "letters, digits"),
            ("remotes:\n  - name: a\n    path: --config=/x\n", "rclone path"),
            ("remotes:\n  - name: a\n    path: x:y\n  - name: a\n    path: z:w\n", "unique"),
            ("remotes:\n  - name: a\n    path: x:y\n    bucket: b\n", "unknown key"),
            ("remotes:\n  - name: a\n    path: x:y\n    timeout: soon\n", "duration"),
            ("remotes:\n  - name: a\n    path: x:y\n    rclone_flags: --fast\n", "list of rclone flags"),
            ("remotes: offsite\n", "list of remotes"),
            ("remotes:\n  - name: a\n    path: x:y\n    rclone_flags: [\"-q\"]\n", "free of -q"),
            ("remotes:\n  - name: a\n    path: x:y\n    rclone_flags: [\"--stats=0\"]\n", "free of --stats=0"),
            ("remotes:\n  - name: a\n    path: x:y\n    rclone_flags: [\"--dry-run\"]\n", "free of --dry-run"),
        ]
        for (text, expected) in cases {
            #expect {
                _ = try SnapConfig.parse(text, path: "/etc/snap/snap.yaml")
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test func aYAMLErrorNeverQuotesACredential() {
        #expect {
            _ = try SnapConfig.parse(
                "remotes:\n  - name: a\n    path: :s3,access_key_id=AKIAID,secret_access_key=SUPERSECRET: bucket\n",
                path: "/s.yaml")
        } throws: { error in
            !"\(error)".contains("SUPERSECRET") && !"\(error)".contains("AKIAID")
                && "\(error)".contains("not valid YAML")
        }
    }

    @Test func anUnknownRemoteNamesTheConfiguredOnes() throws {
        let config = try SnapConfig.parse("remotes:\n  - name: offsite\n    path: x:y\n", path: "/s.yaml")
        #expect {
            _ = try config.remote("ofsite")
        } throws: { error in
            "\(error)" == "no remote \"ofsite\" in /s.yaml; configured: offsite"
        }
    }

    @Test func credentialsInAPathOrFlagNeverShow() {
        let path = ":s3,provider=Other,endpoint='http://h:1',access_key_id=AKIAX,secret_access_key=SEKRIT:bucket/x"
        let shown = CredentialRedaction.redact(path)
        #expect(!shown.contains("AKIAX") && !shown.contains("SEKRIT"))
        #expect(
            shown.contains("provider=Other") && shown.contains("endpoint='http://h:1'") && shown.hasSuffix(":bucket/x"))
        // Which option names hold a credential (`key_file` names a file, not a secret).
        for name in ["--s3-secret-access-key", "access_key_id", "pass", "session_token", "headers"] {
            #expect(CredentialRedaction.isSecret(name), "\(name)")
        }
        for name in ["--sftp-key-file", "key_file", "provider", "endpoint", "--fast-list"] {
            #expect(!CredentialRedaction.isSecret(name), "\(name)")
        }
        #expect(RemoteEntry(name: "o", path: path).shown.contains("***"))
        // URLs with a password (webdav, http, ftp) and headers.
        let webdav = ":webdav,url='https://backup:PASSW0RD@dav.example/snap',headers='Authorization,Bearer TOK':x"
        let blanked = CredentialRedaction.redact(webdav)
        #expect(!blanked.contains("PASSW0RD") && !blanked.contains("TOK"), "\(blanked)")
        #expect(blanked.contains("https://backup:***@dav.example/snap"), "\(blanked)")
    }
}
