/// Blanks the credentials an rclone path or flag may carry, so that no message, log line,
/// audit entry or record ever holds one: `:s3,access_key_id=AK,secret_access_key=SK:bucket`
/// becomes `:s3,access_key_id=***,secret_access_key=***:bucket`.
package enum CredentialRedaction {
    /// Parameter and flag names that hold a credential.
    private static let secretWords = [
        "key", "secret", "pass", "token", "credential", "sas", "auth", "session", "header", "cookie",
    ]

    /// Whether an rclone option name (`secret_access_key`, `--s3-secret-access-key`) holds a credential.
    package static func isSecret(_ name: String) -> Bool {
        let plain = name.lowercased().replacingOccurrences(of: "-", with: "_")
        // `key_file` and `known_hosts_file` name files, not secrets.
        if plain.hasSuffix("_file") || plain.hasSuffix("_path") { return false }
        return secretWords.contains { plain.contains($0) }
    }

    /// `text` with the value of every `name=value` pair whose name holds a credential blanked,
    /// and the password of every URL (`https://user:secret@host`).
    package static func redact(_ text: String) -> String {
        redactAgeIdentities(redactPairs(redactURLPasswords(text)))
    }

    /// An age secret key (`AGE-SECRET-KEY-1...`, in either case) keeps only its prefix.
    private static func redactAgeIdentities(_ text: String) -> String {
        let prefix = "AGE-SECRET-KEY-"
        guard text.uppercased().contains(prefix) else { return text }
        var result = ""
        var rest = Substring(text)
        while let found = rest.range(of: prefix, options: .caseInsensitive) {
            result += rest[..<found.upperBound] + "***"
            rest = rest[found.upperBound...].drop { $0.isLetter || $0.isNumber || $0 == "-" }
        }
        return result + rest
    }

    /// `scheme://user:password@` becomes `scheme://user:***@`.
    private static func redactURLPasswords(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            result += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let authority = rest.prefix { !"/ ,'\"\n\t".contains($0) }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += rest[..<colon] + ":***"
                rest = rest[at...]
            }
        }
        return result + rest
    }

    private static func redactPairs(_ text: String) -> String {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            guard let equals = text[index...].firstIndex(of: "=") else {
                result += text[index...]
                break
            }
            // The name runs back from `=` to the previous separator.
            let nameStart =
                text[index..<equals].lastIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
                .map { text.index(after: $0) } ?? index
            let name = String(text[nameStart..<equals])
            result += text[index...equals]
            var valueEnd = text.index(after: equals)
            if valueEnd < text.endIndex, text[valueEnd] == "'" || text[valueEnd] == "\"" {
                let quote = text[valueEnd]
                valueEnd =
                    text[text.index(after: valueEnd)...].firstIndex(of: quote).map { text.index(after: $0) }
                    ?? text.endIndex
            } else {
                valueEnd = text[valueEnd...].firstIndex(where: { ",: \n\t".contains($0) }) ?? text.endIndex
            }
            result += isSecret(name) ? "***" : String(text[text.index(after: equals)..<valueEnd])
            index = valueEnd
        }
        return result
    }
}
