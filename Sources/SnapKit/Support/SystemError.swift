import Glibc
import SystemPackage

/// A failed system call on a named file, with the errno that explains it.
public struct SystemError: SnapFailure {
    /// What snap was doing, in words (`"open"`, `"rename"`, ...).
    public var operation: String
    /// The file it was doing it to.
    public var path: String
    /// The error the kernel returned.
    public var errno: Errno

    public init(_ operation: String, _ path: String, _ errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let path = path.escapedForTerminal
        if errno == .noSpace {
            return "\(operation) \(path): no space left on device (disk full); free space and run again"
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
