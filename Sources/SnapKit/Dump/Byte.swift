/// The ASCII bytes the scanner cares about.
enum Byte {
    static let newline = UInt8(ascii: "\n")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let dollar = UInt8(ascii: "$")
    static let percent = UInt8(ascii: "%")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let bar = UInt8(ascii: "|")
    static let equals = UInt8(ascii: "=")
    static let caret = UInt8(ascii: "^")
    static let letterX = UInt8(ascii: "x")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let less = UInt8(ascii: "<")
    static let greater = UInt8(ascii: ">")

    /// Erlang's scanner treats every control byte and space as whitespace.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte <= 0x20 }

    /// A byte with a meaning in a term outside literals: `%`, quotes, `$`, `.` and brackets.
    @inline(__always)
    static func actsInCode(_ byte: UInt8) -> Bool {
        // One bit per byte: `"$%'().<` below 64, `>` too, and `[]{}` from 64 to 127.
        let low: UInt64 =
            1 << 0x22 | 1 << 0x24 | 1 << 0x25 | 1 << 0x27 | 1 << 0x28 | 1 << 0x29 | 1 << 0x2E | 1 << 0x3C
            | 1 << 0x3E
        let high: UInt64 = 1 << (0x5B - 64) | 1 << (0x5D - 64) | 1 << (0x7B - 64) | 1 << (0x7D - 64)
        return byte < 128 && (byte < 64 ? low : high) >> (byte & 63) & 1 != 0
    }

    /// A bracket that opens: `{`, `[`, `(` or `<`.
    @inline(__always)
    static func isOpener(_ byte: UInt8) -> Bool {
        byte == openBrace || byte == openBracket || byte == openParen || byte == less
    }

    /// The opener a closing bracket pairs with; `nil` for anything else.
    @inline(__always)
    static func opener(closing byte: UInt8) -> UInt8? {
        switch byte {
        case closeBrace: return openBrace
        case closeBracket: return openBracket
        case closeParen: return openParen
        case greater: return less  // `<<` and `>>` are counted as two brackets each
        default: return nil
        }
    }

    /// A byte as an error message shows it.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7f { return "`\(Character(Unicode.Scalar(byte)))`" }
        return "byte 0x" + [byte].hexString
    }

    /// A lowercase letter, which starts an unquoted atom (bytes above ASCII are let in
    /// because Erlang writes Latin-1 letters unquoted).
    @inline(__always)
    static func startsAtom(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte >= 0x80
    }

    /// A byte that may continue an unquoted atom.
    @inline(__always)
    static func continuesAtom(_ byte: UInt8) -> Bool {
        startsAtom(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "@")
    }
}
