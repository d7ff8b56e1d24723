import Foundation

/// The built `snap` executable, run as an operator would run it.
package enum SnapBinary {
    /// `$SNAP_BINARY`, else `snap` next to the test bundle in the build directory.
    package static let path: String = {
        if let path = ProcessInfo.processInfo.environment["SNAP_BINARY"] { return path }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("snap").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
        }
        return PackagePaths.root + "/.build/debug/snap"
    }()

    /// Runs `snap` with `arguments`; `environment` entries are added to a clean one.
    @discardableResult
    package static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws
        -> ProcessResult
    {
        try ProcessRunner.run(
            path, arguments, environment: baseEnvironment.merging(environment) { $1 },
            directory: directory)
    }

    /// Runs `snap` with its clock `offset` away from the real one (`-3d`, `+365d`), as on a
    /// host whose clock is wrong: through Debian's `faketime` (libfaketime, which intercepts
    /// `clock_gettime` and `time` for the process), or at an absolute time (`@2026-12-06
    /// 08:30:00`, UTC) from which it runs on.
    @discardableResult
    package static func run(_ arguments: [String], clockOffset offset: String, directory: String? = nil) throws
        -> ProcessResult
    {
        // faketime reads an absolute time ("@2026-12-06 08:30:00") in the local zone: UTC.
        try ProcessRunner.run(
            "/usr/bin/faketime", ["-f", offset, path] + arguments,
            environment: baseEnvironment.merging(["TZ": "UTC"]) { $1 }, directory: directory)
    }

    /// Starts `snap` without waiting for it: ``RunningProcess/signal(_:)`` can interrupt it.
    package static func start(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil)
        throws -> RunningProcess
    {
        try ProcessRunner.start(
            path, arguments, environment: baseEnvironment.merging(environment) { $1 }, directory: directory)
    }

    static var baseEnvironment: [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]
    }
}
