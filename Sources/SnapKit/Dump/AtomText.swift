/// Turns an atom as written (`leo_s3_users`, `'weird table'`, `'it\'s'`) into its name.
enum AtomText {
    static func name(of written: ArraySlice<UInt8>) -> String {
        guard written.first == Byte.apostrophe, written.count >= 2 else { return decode(written) }
        return decode(unescape(written.dropFirst().dropLast()))
    }

    /// Erlang's escapes: `\n` and friends, `\^X`, octal `\101`, `\x41`, `\x{1F600}`, `\'`.
    private static func unescape(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            index += 1
            guard byte == Byte.backslash, index < body.endIndex else {
                out.append(byte)
                continue
            }
            let escaped = body[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                index -= 1
                appendScalar(number(in: body, at: &index, radix: 8, maxDigits: 3), to: &out)
            case Byte.letterX where index < body.endIndex && body[index] == Byte.openBrace:
                index += 1
                appendScalar(number(in: body, at: &index, radix: 16, maxDigits: 8), to: &out)
                if index < body.endIndex && body[index] == Byte.closeBrace { index += 1 }
            case Byte.letterX:
                appendScalar(number(in: body, at: &index, radix: 16, maxDigits: 2), to: &out)
            case Byte.caret where index < body.endIndex:
                out.append(body[index] & 0x1f)
                index += 1
            default:
                out.append(simpleEscape(escaped))
            }
        }
        return out
    }

    /// Reads up to `maxDigits` digits of `radix` at `index`.
    private static func number(
        in body: ArraySlice<UInt8>, at index: inout Int, radix: UInt32, maxDigits: Int
    ) -> UInt32 {
        var value: UInt32 = 0
        var digits = 0
        while digits < maxDigits, index < body.endIndex, let digit = digitValue(body[index]), digit < radix {
            value = value * radix + digit
            index += 1
            digits += 1
        }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `\n` -> newline and the like; any other escaped byte stands for itself.
    private static func simpleEscape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "d"): return 0x7f
        case UInt8(ascii: "e"): return 0x1b
        case UInt8(ascii: "f"): return 0x0c
        case UInt8(ascii: "n"): return 0x0a
        case UInt8(ascii: "r"): return 0x0d
        case UInt8(ascii: "s"): return 0x20
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "v"): return 0x0b
        default: return byte
        }
    }

    private static func appendScalar(_ value: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(scalar)).utf8)
    }

    /// UTF-8 when it is; otherwise Latin-1, which is what `~p` writes to a file opened
    /// without an encoding.
    private static func decode(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
