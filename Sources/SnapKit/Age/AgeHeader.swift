/// A parsed age v1 header: its stanzas and the MAC over its bytes.
package struct AgeHeader: Sendable, Hashable {
    /// Headers longer than this are refused, so a stream that never ends its header cannot make
    /// the parser buffer without bound: 64 KiB holds hundreds of X25519 stanzas.
    package static let maximumLength = 64 * 1024
    static let versionLine = "age-encryption.org/v1"

    /// The recipient stanzas, in order.
    package let stanzas: [AgeStanza]
    /// The 32-byte HMAC-SHA-256 from the `---` line.
    package let mac: [UInt8]
    /// The header's exact bytes from the version line up to and including `---`: what the MAC covers.
    package let authenticatedBytes: [UInt8]

    /// The whole header as a file holds it, through the newline after the MAC.
    package var encoded: [UInt8] { authenticatedBytes + Array(" \(AgeBase64.encode(mac))\n".utf8) }

    /// Parses the header at the start of `bytes`, strictly as the age v1 spec writes it.
    /// - Returns: The header and its length in bytes (through the newline after the MAC), or
    ///   nil when `bytes` end before the header does.
    /// - Throws: `AgeError.unsupportedVersion` for another age version, `AgeError.header` for
    ///   anything malformed or a header longer than ``maximumLength``.
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws(AgeError) -> (header: AgeHeader, length: Int)? {
        var lines = LineReader(bytes: UnsafeRawBufferPointer(rebasing: bytes.prefix(maximumLength)))
        func incomplete() throws(AgeError) -> (header: AgeHeader, length: Int)? {
            if bytes.count >= maximumLength { throw .header("the header is longer than 64 KiB") }
            return nil
        }
        guard let version = lines.next() else { return try incomplete() }
        if !version.elementsEqual(versionLine.utf8) {
            let prefix = "age-encryption.org/v".utf8
            let rest = version.dropFirst(prefix.count)
            if version.starts(with: prefix), !rest.isEmpty, rest.allSatisfy({ (48...57).contains($0) }) {
                throw .unsupportedVersion
            }
            throw .header("the file does not start with the age-encryption.org/v1 line")
        }
        var stanzas: [AgeStanza] = []
        while true {
            let start = lines.position
            guard let line = lines.next() else { return try incomplete() }
            if line.starts(with: "---".utf8) {
                guard line.count == 47, line[line.startIndex + 3] == UInt8(ascii: " "),
                    let mac = AgeBase64.decode(line.dropFirst(4)), mac.count == 32
                else { throw .header("the MAC line is not `---` and a canonical 32-byte MAC") }
                let header = AgeHeader(stanzas: stanzas, mac: mac, authenticatedBytes: Array(bytes[..<(start + 3)]))
                return (header, lines.position)
            }
            guard line.starts(with: "-> ".utf8) else {
                throw .header("a line that should open a stanza or give the MAC does neither")
            }
            let words = line.dropFirst(3).split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard words.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (33...126).contains($0) } }) else {
                throw .header("a stanza's type or an argument is empty or has a character outside ASCII 33-126")
            }
            var body: [UInt8] = []
            while true {
                guard let line = lines.next() else { return try incomplete() }
                guard line.count <= 64, let decoded = AgeBase64.decode(line) else {
                    throw .header("a stanza body line is not canonical unpadded base64 of at most 64 columns")
                }
                body += decoded
                if decoded.count < 48 { break }
            }
            let texts = words.map { String(decoding: $0, as: UTF8.self) }
            stanzas.append(AgeStanza(type: texts[0], args: Array(texts.dropFirst()), body: body))
        }
    }

    /// Parses the header at the start of `bytes`, as the `UnsafeRawBufferPointer` overload does.
    package static func parse(_ bytes: [UInt8]) throws(AgeError) -> (header: AgeHeader, length: Int)? {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(AgeError) in try parse(raw) } }
        return try result.get()
    }
}

/// Splits bytes into `\n`-terminated lines; a last line without its `\n` is not returned.
private struct LineReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func next() -> Slice<UnsafeRawBufferPointer>? {
        guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        defer { position = end + 1 }
        return bytes[position..<end]
    }
}
