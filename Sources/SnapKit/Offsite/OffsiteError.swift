/// What can go wrong between snap and an off-site remote, each said in one line that names
/// the remote (with its credentials blanked) and what to do.
package enum OffsiteError: SnapFailure, Equatable {
    /// rclone is not installed.
    case rcloneMissing(program: String)
    /// rclone could not be started.
    case cannotRun(remote: String, detail: String)
    /// The remote refused the credentials.
    case credentials(remote: String, detail: String)
    /// The remote could not be reached.
    case unreachable(remote: String, detail: String)
    /// rclone's configuration does not name the remote, or cannot be read.
    case configuration(remote: String, detail: String)
    /// There is nothing at the remote's path (a missing bucket or directory).
    case nothingThere(remote: String)
    /// rclone went silent for longer than the remote's deadline allows.
    case timedOut(remote: String, what: String, seconds: Double)
    /// Any other failure, with rclone's last error line.
    case failed(remote: String, what: String, detail: String)
    /// The remote holds another store's copies.
    case foreignStore(remote: String, theirs: String, ours: String)
    /// An object that snap sent reads back differently.
    case uploadMismatch(remote: String, objects: [String])
    /// The remote holds nothing, though snapshots were copied there.
    case emptied(remote: String, copied: Int)

    package var exitStatus: ExitStatus {
        switch self {
        case .uploadMismatch: return .verificationFailed
        default: return .error
        }
    }

    package var description: String {
        switch self {
        case let .rcloneMissing(program):
            return
                "\(program) is not installed (snap copies off site through rclone): install it (apt-get install rclone)"
        case let .cannotRun(remote, detail):
            return "remote \(remote): cannot run rclone: \(detail)"
        case let .credentials(remote, detail):
            return "remote \(remote): the credentials were refused (\(detail)); check the keys in the remote's "
                + "rclone.conf (rclone_config) or rclone's environment"
        case let .unreachable(remote, detail):
            return "remote \(remote) cannot be reached (\(detail)); check its endpoint and the network, then run "
                + "the command again: nothing was changed there"
        case let .configuration(remote, detail):
            return "remote \(remote): rclone's configuration does not work (\(detail)); check rclone_config in "
                + "snap.yaml and `rclone config show`"
        case let .nothingThere(remote):
            return "remote \(remote) holds nothing at that path (no such bucket or directory); check its path in "
                + "snap.yaml, or copy to it first"
        case let .timedOut(remote, what, seconds):
            return "remote \(remote): rclone's \(what) made no progress for \(Int(seconds)) s and was stopped; "
                + "the next run finishes it"
        case let .failed(remote, what, detail):
            return "remote \(remote): the \(what) failed: \(detail)"
        case let .foreignStore(remote, theirs, ours):
            return "remote \(remote) holds the copies of another store (id \(theirs), this store is \(ours)); "
                + "give each store a path of its own in snap.yaml"
        case let .emptied(remote, copied):
            return "remote \(remote) holds nothing, though \(copied) snapshots were copied there: check its path "
                + "(a wrong bucket, an unmounted disk); if it was emptied on purpose, copy again with \(Remedy.reseed)"
        case let .uploadMismatch(remote, objects):
            return "remote \(remote) does not hold what was sent: \(objects.joined(separator: ", ")) read back "
                + "with another size or SHA-256; the remote is damaging uploads: check it before copying again"
        }
    }

    /// The failure rclone's exit status and stderr describe, in one line.
    static func interpret(status: Int32, stderr: String, remote: RemoteEntry, what: String) -> OffsiteError {
        let shown = remote.shown
        let text = CredentialRedaction.redact(stderr)
        func has(_ needles: String...) -> Bool { needles.contains { text.contains($0) } }
        for code in ["SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "InvalidToken"]
        where text.contains(code) {
            return .credentials(remote: shown, detail: code)
        }
        if has("status code: 403", "Forbidden", "unable to authenticate") {
            return .credentials(remote: shown, detail: "access denied")
        }
        let unreachable = [
            "connection refused", "no such host", "i/o timeout", "network is unreachable", "no route to host",
            "connection reset", "dial tcp",
        ]
        if let line = text.split(separator: "\n").last(where: { line in unreachable.contains { line.contains($0) } }) {
            // `caused by: Get "http://...": dial tcp 127.0.0.1:9: connect: connection refused`
            let detail = line.range(of: "dial tcp").map { String(line[$0.lowerBound...]) } ?? String(line)
            return .unreachable(remote: shown, detail: detail.trimmingCharacters(in: .whitespaces))
        }
        if has("didn't find section in config file", "couldn't find type of fs", "failed to load config file") {
            return .configuration(remote: shown, detail: Self.lastError(in: text))
        }
        if status == 3 || has("NoSuchBucket", "directory not found") { return .nothingThere(remote: shown) }
        return .failed(remote: shown, what: what, detail: Self.lastError(in: text))
    }

    /// rclone's last error, without its timestamp: the line that says what went wrong.
    static func lastError(in stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.contains("NOTICE:") }
        guard var line = lines.last(where: { $0.contains("ERROR") || $0.contains("Failed") }) ?? lines.last else {
            return "rclone failed without saying why"
        }
        // `2026/12/06 03:00:53 Failed to lsjson: ...`: drop the date and time.
        let words = line.split(separator: " ", maxSplits: 2)
        if words.count == 3, words[0].contains("/"), words[1].contains(":") { line = String(words[2]) }
        if line.count > 300 { line = String(line.prefix(300)) + "..." }
        return line
    }
}
