import Foundation

/// The Erlang runtime a rehearsal boots: the manager release's own
/// (`<home>/erts-*/bin/erl`) when the manager's files are on this machine, else `erl` from
/// the PATH (Debian's `erlang-base` and `erlang-mnesia`).
package struct ErlangRuntime: Sendable, Equatable {
    /// The `erl` program.
    package var erl: String

    /// Finds the runtime.
    /// - Parameters:
    ///   - managerHome: the manager release's directory when it is on this machine.
    ///   - path: the PATH to search (snap's own by default).
    /// - Throws: ``RehearsalError/noRuntime(searched:)`` when there is none.
    package static func locate(
        managerHome: String?, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) throws -> ErlangRuntime {
        if let managerHome, let release = releaseErl(in: managerHome) { return ErlangRuntime(erl: release) }
        if let found = ProcessSpawn.locate("erl", path: path), access(found, X_OK) == 0 {
            return ErlangRuntime(erl: found)
        }
        throw RehearsalError.noRuntime(searched: managerHome.map { "\($0)/erts-*/bin/erl and " } ?? "")
    }

    /// `<home>/erts-*/bin/erl`, the newest when there are several, if one is executable.
    static func releaseErl(in home: String) -> String? {
        let names = (try? FileOps.listDirectory(home)) ?? []
        return names.filter { $0.hasPrefix("erts-") }.sorted().reversed().map { "\(home)/\($0)/bin/erl" }
            .first { access($0, X_OK) == 0 }
    }
}
