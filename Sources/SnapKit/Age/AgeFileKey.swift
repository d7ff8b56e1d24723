/// The 16-byte key a file's payload and header MAC derive from. Its descriptions and mirror
/// never show the bytes.
package struct AgeFileKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    static let size = 16

    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        precondition(bytes.count == Self.size, "an age file key is 16 bytes")
        self.bytes = bytes
    }

    /// A new random file key.
    package static func random() -> AgeFileKey { AgeFileKey(bytes: AgeCrypto.randomBytes(size)) }

    /// `AgeFileKey(16 bytes)`.
    package var description: String { "AgeFileKey(16 bytes)" }

    /// Same as ``description``.
    package var debugDescription: String { description }

    /// A mirror without children.
    package var customMirror: Mirror { Mirror(self, children: [:], displayStyle: .struct) }
}
