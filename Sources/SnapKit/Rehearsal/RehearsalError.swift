/// A rehearsal could not be run at all (as opposed to a snapshot that does not load, which
/// is a verdict).
package enum RehearsalError: SnapFailure, Equatable {
    /// No Erlang runtime to boot, or none recent enough (`found`: the ones that were not).
    case noRuntime(searched: String, found: [String])
    /// The runtime has no Mnesia application.
    case noMnesia(erl: String)

    package var exitStatus: ExitStatus { .error }
    package var description: String {
        switch self {
        case .noRuntime(let searched, let found):
            let seen =
                found.isEmpty
                ? "none was found"
                : "found only \(found.joined(separator: ", ")), older than OTP \(ErlangRuntime.oldestRelease)"
            return "verify --load needs an Erlang runtime of OTP \(ErlangRuntime.oldestRelease) or newer "
                + "(looked for \(searched)erl on the PATH; \(seen)): install Debian's erlang-base and "
                + "erlang-mnesia, or put such an erl first on the PATH"
        case .noMnesia(let erl):
            return "\(erl) has no Mnesia application, which verify --load needs: install Debian's erlang-mnesia "
                + "(or use a runtime that has it)"
        }
    }
}
