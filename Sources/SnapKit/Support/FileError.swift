/// A file that file operations cannot handle, for a reason other than a failed system
/// call (those are ``SystemError``).
package enum FileError: SnapFailure {
    /// A file of a kind that cannot be copied (socket, device, FIFO).
    case unsupportedFile(path: String, kind: String)

    package var description: String {
        switch self {
        case let .unsupportedFile(path, kind):
            return
                "\(path) is a \(kind); a Mnesia directory holds only files, directories and links: move it away and try again"
        }
    }
}
