import Glibc
import SystemPackage

/// A failed system call on a named file, with the errno that explains it.
package struct SystemError: SnapFailure {
    /// What snap was doing, in words (`"open"`, `"rename"`, ...).
    package var operation: String
    /// The file it was doing it to.
    package var path: String
    /// The error the kernel returned.
    package var errno: Errno
    /// Whether the file is snap's own scratch under `$TMPDIR` (a delta chain's archives),
    /// which the operator frees or moves, not the store.
    package var temporary = false

    package init(_ operation: String, _ path: String, _ errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// A failure on snap's scratch space under `$TMPDIR` (else /tmp): `what` is done there.
    static func temporary(_ what: String, _ errno: Errno) -> SystemError {
        var error = SystemError(what, FileOps.temporaryBase, errno)
        error.temporary = true
        return error
    }

    package var description: String {
        let path = path.escapedForTerminal
        if temporary && (errno == .noSpace || errno == .diskQuotaExceeded) {
            return "\(operation) \(path) (TMPDIR): no space left on device; reading a delta bundle needs room there "
                + "for a few uncompressed archives (up to four) of \(DeltaReference.maxBytes >> 20) MiB each: free space "
                + "there or set TMPDIR to a directory with room, and run again"
        }
        if errno == .noSpace || errno == .diskQuotaExceeded {
            return "\(operation) \(path): no space left on device (disk full\(errno == .noSpace ? "" : ": quota"));"
                + " free space on that file system (in a store, \(Remedy.prune) removes old snapshots) and run again"
        }
        if errno == .fileTooLarge {
            return "\(operation) \(path): file too large for the file system or the process's size limit (ulimit -f);"
                + " raise the limit or free space, and run again"
        }
        if errno == .permissionDenied {
            return "\(operation) \(path): permission denied; run snap as the user that owns it"
        }
        return "\(operation) \(path): \(errno)"
    }
}

extension Errno {
    /// The calling thread's `errno` as a typed value.
    static var last: Errno { Errno(rawValue: Glibc.errno) }
}
