import Foundation

/// The Erlang runtime a rehearsal boots: the manager release's own
/// (`<home>/erts-*/bin/erl`) when the manager's files are on this machine and it is recent
/// enough, else `erl` from the PATH (Debian's `erlang-base` and `erlang-mnesia`).
package struct ErlangRuntime: Sendable, Equatable, CustomStringConvertible {
    /// The `erl` program.
    package var erl: String
    /// Its OTP release (`25`).
    package var release: Int

    /// The oldest OTP release a rehearsal runs on: `-dist_listen false` (a node that never
    /// listens, so needs no epmd) came with OTP 23. LeoFS releases ship older runtimes.
    package static let oldestRelease = 23

    /// `/usr/bin/erl (OTP 25)`.
    package var description: String { "\(erl) (OTP \(release))" }

    /// Finds the runtime: the release's when it is OTP 23 or newer, else the PATH's.
    /// - Parameters:
    ///   - managerHome: the manager release's directory when it is on this machine.
    ///   - path: the PATH to search (snap's own by default).
    /// - Throws: ``RehearsalError/noRuntime(searched:)`` when there is none, or none recent
    ///   enough.
    package static func locate(
        managerHome: String?, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) throws -> ErlangRuntime {
        var tried: [String] = []
        var candidates: [String] = []
        if let managerHome, let release = releaseErl(in: managerHome) { candidates.append(release) }
        if let found = ProcessSpawn.locate("erl", path: path), access(found, X_OK) == 0 { candidates.append(found) }
        for erl in candidates {
            guard let release = otpRelease(of: erl) else {
                tried.append("\(erl) (does not start)")
                continue
            }
            if release >= oldestRelease { return ErlangRuntime(erl: erl, release: release) }
            tried.append("\(erl) (OTP \(release))")
        }
        throw RehearsalError.noRuntime(
            searched: (managerHome.map { "\($0)/erts-*/bin/erl and " } ?? ""), found: tried)
    }

    /// `<home>/erts-*/bin/erl` of the newest runtime version there, if it is executable.
    static func releaseErl(in home: String) -> String? {
        let names = ((try? FileOps.listDirectory(home)) ?? []).filter { $0.hasPrefix("erts-") }
        let newest = names.max { version($0).lexicographicallyPrecedes(version($1)) }
        return newest.map { "\(home)/\($0)/bin/erl" }.flatMap { access($0, X_OK) == 0 ? $0 : nil }
    }

    /// `erts-10.7.2` as `[10, 7, 2]`.
    static func version(_ name: String) -> [Int] {
        name.dropFirst("erts-".count).split(separator: ".").map { Int($0) ?? 0 }
    }

    /// What `erl` says `erlang:system_info(otp_release)` is, or nil when it does not start
    /// within 30 s. It runs with the environment a rehearsal's VM gets (``environment``).
    static func otpRelease(of erl: String) -> Int? {
        let probe = try? CommandRunner().run(
            [erl, "-noshell", "-eval", "io:format(\"~s\", [erlang:system_info(otp_release)]), halt()."],
            environment: environment(home: "/"), directory: "/", timeout: 30)
        guard let probe, probe.status == 0 else { return nil }
        return Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The environment every VM of a rehearsal gets: snap's, without the variables `erl`
    /// reads for flags, code or a cookie (``erlangVariables``), with `HOME` at `home` (no
    /// `~/.erlang` of the caller's runs).
    static func environment(home: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !erlangVariables.contains($0.key) }
        environment["HOME"] = home
        return environment
    }

    /// The environment variables `erl` reads for flags, code or a cookie.
    static let erlangVariables: Set<String> = [
        "ERL_AFLAGS", "ERL_FLAGS", "ERL_ZFLAGS", "ERL_LIBS", "ERL_CRASH_DUMP", "ERL_INETRC", "ERL_EPMD_ADDRESS",
        "ERLANG_COOKIE",
    ]
}
