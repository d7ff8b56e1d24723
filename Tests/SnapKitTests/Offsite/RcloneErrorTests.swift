import Testing

@testable import SnapKit

/// rclone 1.60.1's own stderr for each failure (recorded against SeaweedFS and a missing
/// config section), turned into one line that names the remote and what to do.
@Suite struct RcloneErrorTests {
    let remote = RemoteEntry(
        name: "offsite", path: ":s3,provider=Other,access_key_id=AK,secret_access_key=SK:backups/c1")

    func interpret(_ stderr: String, status: Int32 = 1) -> OffsiteError {
        OffsiteError.interpret(status: status, stderr: stderr, remote: remote, what: "listing")
    }

    @Test func wrongCredentialsAreSaidAsSuch() {
        let wrongSecret = interpret(
            """
            2026/12/06 03:00:53 Failed to lsjson: error in ListJSON: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.
            \tstatus code: 403, request id: 18EE8AED6899870D15AE339B, host id:
            """)
        #expect(wrongSecret == .credentials(remote: remote.shown, detail: "SignatureDoesNotMatch"))
        let unknownKey = interpret(
            "2026/12/06 03:00:53 Failed to lsjson: error in ListJSON: InvalidAccessKeyId: The access key ID you provided does not exist in our records.\n\tstatus code: 403"
        )
        #expect(unknownKey == .credentials(remote: remote.shown, detail: "InvalidAccessKeyId"))
        #expect("\(unknownKey)".contains("rclone.conf"))
    }

    @Test func anUnreachableServerIsSaidAsSuch() {
        let refused = interpret(
            """
            2026/12/06 03:00:54 Failed to lsjson: error in ListJSON: RequestError: send request failed
            caused by: Get "http://127.0.0.1:18334/backups?delimiter=&max-keys=1000&prefix=x%2F": dial tcp 127.0.0.1:18334: connect: connection refused
            """)
        guard case .unreachable(let shown, let detail) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(shown == remote.shown && detail.contains("connection refused"))
        #expect("\(refused)".contains("nothing was changed there"))
    }

    @Test func aMissingBucketAndAMissingConfigSectionAreSaid() {
        #expect(
            interpret("2026/12/06 03:00:53 Failed to lsjson: error in ListJSON: directory not found", status: 3)
                == .nothingThere(remote: remote.shown))
        let config = interpret(
            "2026/12/06 03:00:54 Failed to create file system for \"nosuch:backups\": didn't find section in config file"
        )
        guard case .configuration = config else {
            Issue.record("\(config)")
            return
        }
    }

    @Test func noMessageCarriesACredential() {
        let echoed = interpret(
            "2026/12/06 03:00:54 Failed to create file system for \":s3,access_key_id=AK,secret_access_key=SK:b\": boom"
        )
        #expect(!"\(echoed)".contains("=SK") && !"\(echoed)".contains("=AK"))
        #expect(!remote.shown.contains("=SK"))
    }

    @Test func statisticsLinesBecomeProgress() {
        #expect(
            Rclone.statistics(in: "2026/12/06 03:00:54 NOTICE:    12.500 MiB / 40 MiB, 31%, 10 MiB/s, ETA 2s")
                == "12.500 MiB / 40 MiB, 31%, 10 MiB/s, ETA 2s")
        #expect(Rclone.statistics(in: "2026/12/06 03:00:54 ERROR : x: failed") == nil)
    }
}
