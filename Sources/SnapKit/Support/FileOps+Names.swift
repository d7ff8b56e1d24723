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

extension FileOps {
    /// `path` without its last component, as `NSString.deletingLastPathComponent` says it
    /// ("/a/b" → "/a", "/a" → "/", "a" → "", trailing slashes ignored), which Linux
    /// Foundation cannot be trusted with: it crashes on a one-character path (`snap init
    /// --store s` did).
    package static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var parent = trimmed[..<slash]
        while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
        return String(parent)
    }

    /// The last component of `path`, as `NSString.lastPathComponent` says it ("/a/b" → "b",
    /// "a/b/" → "b", "/" → "/"), without Linux Foundation's crash on one-character paths.
    package static func lastComponent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }
}
