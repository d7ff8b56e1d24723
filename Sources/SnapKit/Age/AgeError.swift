import Foundation

/// What can go wrong reading or writing an age file, in one plain line that never holds key
/// material, a file key or plaintext.
package enum AgeError: Error, Equatable, LocalizedError {
    /// A recipient or identity string does not parse; the reason, never the key text.
    case invalidKey(String)
    /// The header is malformed, or a stanza of a known type is.
    case header(String)
    /// The file is an age file of a version other than v1.
    case unsupportedVersion
    /// The header parsed, but none of its stanzas unwraps with the given identities.
    case noMatchingIdentity
    /// A file key unwrapped, but the header's MAC does not match it: the header was altered.
    case headerMAC
    /// The payload does not decrypt all the way to its end.
    case payload(String)
    /// The ASCII armor is malformed.
    case armor(String)

    package var errorDescription: String? {
        switch self {
        case let .invalidKey(why): return "invalid age key: \(why)"
        case let .header(why): return "invalid age header: \(why)"
        case .unsupportedVersion: return "the file is of an age version other than v1"
        case .noMatchingIdentity: return "no identity matches any recipient of the file"
        case .headerMAC: return "the age header's MAC does not match: the header was altered"
        case let .payload(why): return "the age payload is damaged: \(why)"
        case let .armor(why): return "invalid age armor: \(why)"
        }
    }
}
