// The names snap gives files and the order it lists them in.

extension FileOps {
    /// The prefix of every temporary file snap creates inside the store.
    package static let temporaryPrefix = ".tmp-"

    /// Lowercase hex of `bytes` random bytes from the system generator.
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in hexByte(UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    /// Orders strings by their UTF-8 bytes, as `LC_ALL=C sort` does.
    static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
