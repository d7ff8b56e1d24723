/// A rehearsal could not be run at all (as opposed to a snapshot that does not load, which
/// is a verdict).
package enum RehearsalError: SnapFailure, Equatable {
    /// No Erlang runtime to boot.
    case noRuntime(searched: String)
    /// The runtime has no Mnesia application.
    case noMnesia(erl: String)

    package var exitStatus: ExitStatus { .error }
    package var description: String {
        switch self {
        case .noRuntime(let searched):
            "verify --load needs an Erlang runtime and none was found (looked for \(searched)erl on the PATH): "
                + "install Debian's erlang-base and erlang-mnesia, or put the manager release's erl on the PATH"
        case .noMnesia(let erl):
            "\(erl) has no Mnesia application, which verify --load needs: install Debian's erlang-mnesia "
                + "(or use a runtime that has it)"
        }
    }
}
