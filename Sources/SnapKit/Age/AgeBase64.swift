import Foundation

/// Strict base64 as age writes it: the standard alphabet, canonical (unused bits zero), with
/// padding only where asked for (the armor) and never with line breaks inside.
enum AgeBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// `bytes` in base64, without padding unless `padded`.
    static func encode(_ bytes: some Collection<UInt8>, padded: Bool = false) -> String {
        let text = Data(bytes).base64EncodedString()
        return padded ? text : String(text.prefix { $0 != "=" })
    }

    /// The bytes `text` encodes, or nil unless it is canonical base64 (padded exactly when
    /// `padded`).
    static func decode(_ text: some Collection<UInt8>, padded: Bool = false) -> [UInt8]? {
        var digits = Array(text)
        if padded {
            guard digits.count % 4 == 0 else { return nil }
            let padding = digits.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2 else { return nil }
            digits.removeLast(padding)
        }
        guard digits.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count * 3 / 4)
        var accumulator: UInt32 = 0
        for (index, digit) in digits.enumerated() {
            let value = values[Int(digit)]
            guard value != 0xff else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            if index % 4 == 3 {
                out += [
                    UInt8(accumulator >> 16), UInt8(truncatingIfNeeded: accumulator >> 8),
                    UInt8(truncatingIfNeeded: accumulator),
                ]
                accumulator = 0
            }
        }
        switch digits.count % 4 {
        case 2:
            guard accumulator & 0xf == 0 else { return nil }
            out.append(UInt8(accumulator >> 4))
        case 3:
            guard accumulator & 0x3 == 0 else { return nil }
            out += [UInt8(accumulator >> 10), UInt8(truncatingIfNeeded: accumulator >> 2)]
        default: break
        }
        return out
    }
}
