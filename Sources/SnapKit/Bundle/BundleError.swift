/// Failures while writing, reading or unpacking a bundle.
package enum BundleError: SnapFailure {
    /// libarchive refused an operation; `detail` is its own message.
    case archive(operation: String, path: String, detail: String)
    /// A source file changed while snap was reading it.
    case fileChanged(path: String)
    /// A source path is of a kind a bundle cannot hold (socket, device, FIFO).
    case unsupportedFile(path: String, kind: String)
    /// A source name is not valid UTF-8.
    case invalidName(path: String)
    /// A source name that could not be unpacked again as it is (a control character, or
    /// not ASCII).
    case unsafeName(path: String, reason: String)
    /// A path longer than the system allows (`PATH_MAX`), which no file call can reach.
    case pathTooLong(path: String, limit: Int)
    /// A compression setting is out of range.
    case badCompression(String)
    /// The manifest could not be decoded.
    case malformedManifest(String, String)
    /// An entry of a bundle that must not be unpacked.
    case hostileEntry(path: String, reason: String)
    /// Content that does not match what the manifest promised.
    case contentMismatch(path: String, detail: String)
    /// The extract target is not an empty or new directory.
    case targetNotEmpty(String)
    /// Unpacking would write more than the allowed size.
    case tooLarge(path: String, limit: Int64)
    /// The content to unpack is larger than the free space of the target's file system.
    case insufficientSpace(target: String, needed: Int64, available: Int64)
    /// An encrypted bundle whose age header, header MAC or payload is damaged or cut short:
    /// nothing of a chunk that did not authenticate was used.
    case encrypted(path: String, detail: String)

    package var description: String {
        switch self {
        case let .archive(operation, path, detail):
            return "\(operation) \(path.escapedForTerminal): \(detail)"
        case let .fileChanged(path):
            return
                "\(path) changed while it was being read; capture again (or stop the node and use \(Remedy.coldMode))"
        case let .unsupportedFile(path, kind):
            return
                "\(path) is a \(kind); a Mnesia directory holds only files, directories and links: move it away and try again"
        case let .invalidName(path):
            return "\(path): file name is not valid UTF-8; rename it and try again"
        case let .unsafeName(path, reason):
            return
                "\(path): \(reason); Mnesia never writes such names: move the file out of the directory and capture again"
        case let .pathTooLong(path, limit):
            let shown = path.utf8.count > 160 ? String(path.prefix(80)) + "..." + String(path.suffix(60)) : path
            return
                "\(shown.escapedForTerminal): path is longer than \(limit) bytes, which no file call can reach; a Mnesia directory is flat: move the deep tree away (or use a shorter target path)"
        case let .badCompression(detail):
            return detail
        case let .malformedManifest(source, detail):
            return "manifest \(source) is not valid: \(detail)"
        case let .hostileEntry(path, reason):
            return "refusing bundle entry \(path.debugDescription): \(reason); nothing was written outside the target"
        case let .contentMismatch(path, detail):
            return
                "\(path.escapedForTerminal): \(detail); the bundle is damaged, run \(Remedy.verify(nil)) and restore from another snapshot"
        case let .targetNotEmpty(path):
            return "\(path) is not empty; extract into a new or empty directory"
        case let .tooLarge(path, limit):
            return "\(path.escapedForTerminal): unpacking would exceed \(limit) bytes; refusing (decompression bomb?)"
        case let .encrypted(path, detail):
            return "\(path.escapedForTerminal) is damaged: \(detail); no unauthenticated byte of it was used: "
                + "run \(Remedy.verify(nil)) and restore from another snapshot"
        case let .insufficientSpace(target, needed, available):
            return
                "\(target): the content unpacks to \(needed) bytes but its file system has \(available) bytes free; refusing before writing anything: free space or unpack elsewhere"
        }
    }
}

extension BundleError {
    /// An age failure met while opening the bundle at `path`: damage, or (when no stanza
    /// opened) no usable identity in the file at `identityPath`.
    static func opening(path: String, identityPath: String?, _ error: AgeError) -> any Error {
        if case .noMatchingIdentity = error {
            return BundleKeyError.noMatchingIdentity(bundle: path, identityPath: identityPath ?? "", recipients: [])
        }
        return BundleError.encrypted(path: path, detail: error.message)
    }
}
