import Foundation
import Glibc

/// `snap key generate`: a new age identity in a file of its own.
package enum KeyOperation {
    /// Writes a new identity to `path` (mode 0600, the format `age-keygen` writes, which
    /// `age -d -i` reads), never over an existing file, and returns its recipient.
    ///
    /// The key is written to a private temporary file beside `path`, fsynced, and linked
    /// to `path`, which fails if something is there: a crash leaves no half key under the
    /// name (at worst a `.tmp-` file beside it), and an existing key is never replaced.
    /// - Throws: ``KeyFileExists``, or ``SystemError`` naming the path.
    package static func generate(to path: String, now: Date = Date()) throws -> AgeRecipient {
        if FileOps.exists(path) || (try? FileOps.status(path)) != nil { throw KeyFileExists(path: path) }
        let identity = AgeIdentity.generate()
        let directory = FileOps.parent(of: path)
        let output = try FileOps.createTemporary(in: directory.isEmpty ? "." : directory, mode: 0o600)
        defer { unlink(output.path) }
        try output.descriptor.closeAfter {
            try FileOps.writeAll(
                output.descriptor, Array(AgeIdentityFile.render(identity, created: now).utf8), path: output.path)
            try FileOps.sync(output.descriptor, path: output.path)
        }
        if link(output.path, path) != 0 {
            if errno == EEXIST { throw KeyFileExists(path: path) }
            // A file system without hard links (vfat, a USB stick for the break-glass key):
            // renamed into place, after a last check that the name is free.
            guard errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS else {
                throw SystemError("write key file", path, .last)
            }
            if (try? FileOps.status(path)) != nil { throw KeyFileExists(path: path) }
            try FileOps.rename(output.path, to: path)
        }
        try FileOps.syncDirectory(directory.isEmpty ? "." : directory)
        return identity.recipient
    }
}

/// `snap key generate` never writes over a file.
package struct KeyFileExists: SnapFailure {
    package var path: String
    package var description: String {
        "\(path.escapedForTerminal) already exists; snap never writes over a key file: "
            + "choose another name, or move the old file away if it is really not needed"
    }
}
