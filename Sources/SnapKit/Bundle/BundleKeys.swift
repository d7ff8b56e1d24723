import Glibc

/// The age keys of one run of snap (snap.yaml's `encryption:`): the recipients every new
/// bundle is encrypted to, and the identity file that opens encrypted bundles. The identity
/// is read only when a bundle's content is needed, so that `list`, `check` or a `verify`
/// without it never touch the secret.
package struct BundleKeys: Sendable {
    /// Every new bundle is encrypted to all of them; none writes plain bundles.
    package var recipients: [AgeRecipient]
    /// The age identity file (`AGE-SECRET-KEY-1...` lines), when one is configured.
    package var identityPath: String?

    package init(recipients: [AgeRecipient] = [], identityPath: String? = nil) {
        self.recipients = recipients
        self.identityPath = identityPath
    }

    /// No encryption and no identity.
    package static let none = BundleKeys()

    /// The recipients as snap.yaml and records spell them.
    package var recipientNames: [String] { recipients.map(\.description) }

    /// The identities of the configured identity file, to open `bundle`.
    /// - Throws: ``BundleKeyError`` when none is configured, or the file is missing,
    ///   readable by others or holds no identity.
    package func identities(toOpen bundle: String) throws -> [AgeIdentity] {
        guard let identityPath else { throw BundleKeyError.noIdentity(bundle: bundle) }
        return try Self.readIdentities(identityPath)
    }

    /// Whether the identity file opens what new bundles are sealed to: a capture is read back
    /// by `verify_after_create`, and a restore may have to put back the files it replaced
    /// from the (encrypted) snapshot it made of them.
    /// - Throws: ``BundleKeyError/identityOpensNoRecipient(_:recipients:)`` when it opens
    ///   none of the recipients, or what reading it throws.
    package func checkIdentityOpensRecipients() throws {
        guard !recipients.isEmpty, let identityPath else { return }
        let opened = Set(try Self.readIdentities(identityPath).map(\.recipient))
        if opened.isDisjoint(with: recipients) {
            throw BundleKeyError.identityOpensNoRecipient(identityPath, recipients: recipientNames)
        }
    }

    /// Reads an identity file, which must be private to its owner (like `ssh`'s keys). It is
    /// opened once and judged by what was opened, so a link to a private file is fine.
    /// - Throws: ``BundleKeyError``.
    package static func readIdentities(_ path: String) throws -> [AgeIdentity] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw BundleKeyError.missingIdentity(path) }
            throw BundleKeyError.unreadableIdentity(path, detail: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw BundleKeyError.unreadableIdentity(path, detail: "not a regular file")
        }
        if status.st_mode & 0o077 != 0 || (status.st_uid != geteuid() && status.st_uid != 0) {
            throw BundleKeyError.insecureIdentity(path, mode: status.st_mode & 0o7777)
        }
        // An identity file is a few lines; a megabyte is not one.
        let bytes: [UInt8]
        do {
            bytes = try FileOps.readUpTo(1 << 20, from: fd, path: path)
        } catch {
            throw BundleKeyError.unreadableIdentity(path, detail: "\(error)")
        }
        do {
            return try AgeIdentityFile.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw BundleKeyError.unreadableIdentity(path, detail: error.message)
        }
    }
}

/// No usable key for an encrypted bundle: exit 1, since nothing is known to be damaged.
package enum BundleKeyError: SnapFailure, Equatable {
    /// An encrypted bundle, and snap.yaml names no `encryption.identity`.
    case noIdentity(bundle: String)
    /// The identity file is not there.
    case missingIdentity(String)
    /// The identity file is readable or writable by others, or not owned by this user.
    case insecureIdentity(String, mode: mode_t)
    /// The identity file does not parse (the detail never quotes it).
    case unreadableIdentity(String, detail: String)
    /// None of the identities opens the bundle (its file hashing as recorded, so not damage).
    case noMatchingIdentity(bundle: String, identityPath: String, recipients: [String])
    /// The identity file holds no identity of the recipients new bundles are sealed to.
    case identityOpensNoRecipient(String, recipients: [String])

    package var description: String {
        switch self {
        case let .noIdentity(bundle):
            return "\(bundle.escapedForTerminal) is encrypted and snap.yaml names no identity to open it: "
                + "set encryption.identity to the age identity file of one of its recipients"
        case let .missingIdentity(path):
            return "the identity file \(path.escapedForTerminal) (snap.yaml's encryption.identity) does not exist: "
                + "restore it from where the key is kept, or point encryption.identity at it"
        case let .insecureIdentity(path, mode):
            return "the identity file \(path.escapedForTerminal) must be private to its owner (mode "
                + String(mode, radix: 8) + "); fix with chmod 600 \(path.escapedForTerminal) "
                + "(and chown it to the user snap runs as)"
        case let .unreadableIdentity(path, detail):
            return "the identity file \(path.escapedForTerminal) is not an age identity file: \(detail)"
        case let .identityOpensNoRecipient(path, recipients):
            return "the identity file \(path.escapedForTerminal) holds no identity of encryption.recipients "
                + "(\(recipients.joined(separator: ", "))): snap could not read back what it writes now; "
                + "add the identity of one of them to the file (it may hold several, one per line)"
        case let .noMatchingIdentity(bundle, identityPath, recipients):
            let named = recipients.isEmpty ? "" : " (it is encrypted to \(recipients.joined(separator: ", ")))"
            return "no identity in \(identityPath.escapedForTerminal) opens \(bundle.escapedForTerminal)\(named): "
                + "use the identity of one of its recipients"
        }
    }
}

extension BundleKeyError {
    /// Runs `body`, which reads the bundle at `path`; when no identity opened it, the file is
    /// hashed: one that no longer hashes as `recorded` is damage (its header, most likely),
    /// not a wrong key, and is said as such.
    package static func sayingDamage<T>(of path: String, recorded: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch BundleKeyError.noMatchingIdentity(let bundle, let identityPath, let recipients) {
            if let actual = try? FileOps.sha256(ofFile: path), actual.sha256 != recorded {
                throw BundleError.encrypted(
                    path: path,
                    detail: "no identity opens its age header, and the file no longer hashes to "
                        + "its recorded SHA-256 (\(actual.sha256))")
            }
            throw BundleKeyError.noMatchingIdentity(bundle: bundle, identityPath: identityPath, recipients: recipients)
        }
    }

    /// The same failure, naming the recipients the bundle's record lists.
    package func naming(recipients: [String]) -> BundleKeyError {
        guard case let .noMatchingIdentity(bundle, identityPath, _) = self else { return self }
        return .noMatchingIdentity(bundle: bundle, identityPath: identityPath, recipients: recipients)
    }
}

extension AgeError {
    /// The error's message, one line, without key material.
    var message: String { errorDescription ?? "\(self)" }
}
