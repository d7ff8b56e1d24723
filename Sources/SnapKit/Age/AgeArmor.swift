/// age's strict ASCII armor: PEM of type `AGE ENCRYPTED FILE`, padded standard base64 in
/// 64-column lines, no headers; LF or CRLF line ends; whitespace allowed only around it.
package enum AgeArmor {
    static let begin = "-----BEGIN AGE ENCRYPTED FILE-----"
    static let end = "-----END AGE ENCRYPTED FILE-----"
    /// As the reference implementation: at most this much whitespace before or after the armor.
    static let maximumWhitespace = 1024

    /// The age file inside the armored `bytes`.
    /// - Throws: `AgeError.armor` saying what is malformed.
    package static func decode(_ bytes: [UInt8]) throws(AgeError) -> [UInt8] {
        var position = 0
        func nextLine() -> ArraySlice<UInt8>? {
            guard position < bytes.count else { return nil }
            let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { position = end + 1 }
            let line = bytes[position..<end]
            return line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        var first = nextLine()
        while let line = first, line.allSatisfy(isSpace) {
            guard position <= maximumWhitespace else { throw .armor("too much whitespace before the armor") }
            first = nextLine()
        }
        guard let first, first.elementsEqual(begin.utf8) else {
            throw .armor("it does not start with \(begin)")
        }
        var out: [UInt8] = []
        while true {
            guard let line = nextLine() else { throw .armor("it ends before \(end)") }
            if line.elementsEqual(end.utf8) { break }
            guard !line.isEmpty else { throw .armor("an empty line inside the armor") }
            guard line.count <= 64 else { throw .armor("a line longer than 64 columns") }
            guard let decoded = AgeBase64.decode(line, padded: true) else {
                throw .armor("a line that is not canonical padded base64")
            }
            out += decoded
            if decoded.count < 48 {
                guard let last = nextLine(), last.elementsEqual(end.utf8) else {
                    throw .armor("a short line not followed by \(end)")
                }
                break
            }
        }
        let trailing = bytes[min(position, bytes.count)...]
        guard trailing.allSatisfy(isSpace) else { throw .armor("data after \(end)") }
        guard trailing.count < maximumWhitespace else { throw .armor("too much whitespace after the armor") }
        return out
    }

    /// `bytes` armored, with LF line ends and a final newline.
    package static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array("\(begin)\n".utf8)
        let text = Array(AgeBase64.encode(bytes, padded: true).utf8)
        for start in stride(from: 0, to: text.count, by: 64) {
            out += text[start..<min(start + 64, text.count)]
            out.append(UInt8(ascii: "\n"))
        }
        return out + "\(end)\n".utf8
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || (9...13).contains(byte)
    }
}
