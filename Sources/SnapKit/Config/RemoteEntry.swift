/// One off-site remote in `snap.yaml`: where rclone copies the store to.
package struct RemoteEntry: Sendable, Equatable {
    /// The name commands and records use (`offsite`).
    package var name: String
    /// Any rclone path: a remote of rclone.conf with its bucket and prefix
    /// (`s3west:leofs-backups/cluster1`), an on-the-fly remote (`:s3,provider=...:bucket`),
    /// or a local directory.
    package var path: String
    /// The rclone.conf to use; nil for rclone's own default and environment.
    package var rcloneConfig: String?
    /// More rclone flags, as given (`--s3-upload-concurrency`, `--ca-cert`, ...).
    package var flags: [String]
    /// Seconds rclone may wait to connect and between two reads or writes: the deadline
    /// of every rclone run, like a manager's `timeout`.
    package var timeout: Double

    /// The keys a remote entry may have.
    static let keys = ["name", "path", "rclone_config", "rclone_flags", "timeout"]
    /// The deadline when the entry gives none.
    static let defaultTimeout = 60.0
    /// rclone flags `rclone_flags` may not hold: snap sets rclone's logging and statistics
    /// (its silence watchdog and progress read them), and a dry run or an interactive
    /// prompt would make it believe uploads that did not happen.
    static let reservedFlags: Set<String> = [
        "-q", "--quiet", "-v", "-vv", "-vvv", "--verbose", "--log-level", "--log-file", "--log-format", "--syslog",
        "--stats", "--stats-one-line", "--stats-log-level", "--stats-one-line-date", "--use-json-log", "-P",
        "--progress", "--dry-run", "-n", "-i", "--interactive", "--config",
    ]

    package init(
        name: String, path: String, rcloneConfig: String? = nil, flags: [String] = [], timeout: Double? = nil
    ) {
        self.name = name
        self.path = path
        self.rcloneConfig = rcloneConfig
        self.flags = flags
        self.timeout = timeout ?? Self.defaultTimeout
    }

    /// How messages name the remote: its name and its path with every credential an
    /// on-the-fly remote may carry (`secret_access_key=...`) blanked.
    package var shown: String { "\(name) (\(CredentialRedaction.redact(path)))" }
}
