extension String {
    /// The string as one line of output can show it: unchanged when it holds no control
    /// character, else quoted with escapes (`"a\nb"`), so that a newline or an escape
    /// sequence in a file name, a note or a node name cannot fake or hide a line of output.
    package var escapedForTerminal: String {
        guard unicodeScalars.contains(where: \.isControlCharacter) else { return self }
        return "\"" + unicodeScalars.map(\.escapedInsideQuotes).joined() + "\""
    }

    /// Raw bytes of a file name as text: as it is when it is valid UTF-8 without control
    /// characters, else quoted, with escapes for control characters and `\xNN` for each
    /// byte that is not UTF-8 (`"mnesia/bad\xFF"`).
    package static func displaying(fileName bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text.escapedForTerminal }
        let bytes = Array(bytes)
        var text = "\""
        var index = 0
        while index < bytes.count {
            // The shortest prefix that decodes is one whole character; none means a stray byte.
            let length = (1...Swift.min(4, bytes.count - index)).first { length in
                String(validating: bytes[index..<index + length], as: UTF8.self) != nil
            }
            guard let length else {
                text += "\\x" + [bytes[index]].hexString.uppercased()
                index += 1
                continue
            }
            text += String(decoding: bytes[index..<index + length], as: UTF8.self).unicodeScalars
                .map(\.escapedInsideQuotes).joined()
            index += length
        }
        return text + "\""
    }
}

extension Unicode.Scalar {
    /// C0 and C1 controls and DEL: what a terminal acts on instead of showing.
    fileprivate var isControlCharacter: Bool { value < 0x20 || (value >= 0x7f && value < 0xa0) }

    /// The scalar as it must be written between double quotes to read back unambiguously.
    fileprivate var escapedInsideQuotes: String {
        switch self {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case _ where isControlCharacter: return "\\u{" + String(value, radix: 16, uppercase: true) + "}"
        default: return String(self)
        }
    }
}
