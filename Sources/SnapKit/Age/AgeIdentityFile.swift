import Foundation

/// The identity file age-keygen writes: `#` comment lines, blank lines, and one
/// `AGE-SECRET-KEY-1...` per other line.
package enum AgeIdentityFile {
    /// The identities in `text`, in order.
    /// - Throws: `AgeError.invalidKey` naming the line number (never its content) of a line
    ///   that is not an identity, or saying the file holds none.
    package static func parse(_ text: String) throws(AgeError) -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        // Split on LF bytes: in a String, CRLF is one Character that "\n" does not match.
        for (index, rawLine) in text.utf8.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.last == 13 ? rawLine.dropLast() : rawLine
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            do {
                identities.append(try AgeIdentity(String(decoding: line, as: UTF8.self)))
            } catch let AgeError.invalidKey(why) {
                throw .invalidKey("line \(index + 1) of the identity file: \(why)")
            } catch {
                throw error
            }
        }
        guard !identities.isEmpty else { throw .invalidKey("no identity in the file") }
        return identities
    }

    /// What age-keygen writes for `identity`: the creation time (RFC 3339, seconds, in
    /// `timeZone`), the public key, and the secret key, each on its own line.
    package static func render(_ identity: AgeIdentity, created: Date, timeZone: TimeZone = .current) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = timeZone
        return "# created: \(formatter.string(from: created))\n# public key: \(identity.recipient)\n"
            + "\(identity.secretText)\n"
    }
}
