import Yams

/// snap.yaml's `encryption:`: who every new bundle is encrypted to, and the identity that
/// opens encrypted bundles.
package struct EncryptionEntry: Sendable, Equatable {
    /// Every new bundle is encrypted to all of them (the operator's key and a break-glass
    /// key kept offline, say). None: new bundles are written plain.
    package var recipients: [AgeRecipient]
    /// The age identity file, resolved against the config's directory; needed only to read.
    package var identity: String?

    static let keys = ["recipients", "identity"]
}

extension SnapConfig {
    /// Reads `encryption:`, a mapping with `recipients` (a list of `age1...`) and `identity`.
    static func encryption(_ value: Node, path: String, line: Int, base: String) throws -> EncryptionEntry {
        guard let mapping = value.mapping else {
            throw ConfigError.badValue(
                path: path, line: line, key: "encryption", expected: "a mapping with recipients and identity")
        }
        var entry = EncryptionEntry(recipients: [], identity: nil)
        for (key, value) in mapping {
            let name = key.string ?? ""
            let keyLine = key.mark?.line ?? line
            switch name {
            case "recipients":
                let nodes = value.sequence.map(Array.init) ?? (value.scalar != nil ? [value] : nil)
                guard let nodes else {
                    throw ConfigError.badValue(
                        path: path, line: keyLine, key: name, expected: "a list of age recipients (age1...)")
                }
                for node in nodes {
                    let nodeLine = node.mark?.line ?? keyLine
                    guard let text = node.scalar?.string else {
                        throw ConfigError.badValue(
                            path: path, line: nodeLine, key: name, expected: "a list of age recipients (age1...)")
                    }
                    let recipient: AgeRecipient
                    do {
                        recipient = try AgeRecipient(text)
                    } catch {
                        // Never quoted: a secret key pasted here by mistake must not be printed.
                        let secret = text.uppercased().hasPrefix("AGE-SECRET-KEY-")
                        throw ConfigError.badValue(
                            path: path, line: nodeLine, key: name,
                            expected: secret
                                ? "age recipients (age1...), not identities: this is a secret key; remove it "
                                    + "from snap.yaml, keep it in the identity file, and list its public key "
                                    + "(age-keygen -y FILE)"
                                : "age recipients (age1..., as `snap key generate` or age-keygen prints): "
                                    + "\(error.localizedDescription)")
                    }
                    guard !entry.recipients.contains(recipient) else {
                        throw ConfigError.badValue(
                            path: path, line: nodeLine, key: name, expected: "a list without repeats")
                    }
                    entry.recipients.append(recipient)
                }
            case "identity":
                guard let text = value.scalar?.string, !text.isEmpty else {
                    throw ConfigError.badValue(
                        path: path, line: keyLine, key: name, expected: "the path of an age identity file")
                }
                if text.uppercased().hasPrefix("AGE-SECRET-KEY-") {
                    throw ConfigError.badValue(
                        path: path, line: keyLine, key: name,
                        expected: "the path of the identity file, not the key itself: move the key into a "
                            + "file (mode 0600) and name that file here")
                }
                entry.identity = text.hasPrefix("/") || base.isEmpty ? text : base + "/" + text
            default:
                throw ConfigError.unknownKey(path: path, line: keyLine, key: name, known: EncryptionEntry.keys)
            }
        }
        return entry
    }
}
