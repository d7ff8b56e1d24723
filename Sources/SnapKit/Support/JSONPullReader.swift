/// A small pull reader for the JSON that snap writes itself (records, audit lines): the
/// caller walks an object key by key and reads each value as the type it expects, so
/// nothing is built that is not kept. It reads several times faster than `JSONDecoder`,
/// which matters for `list`, `prune` and `history` over thousands of files.
///
/// It is strict: any value that is not of the asked type, a number that does not fit, a
/// bad escape or trailing bytes make the read fail (the methods return `nil` or `false`),
/// and the caller falls back to `JSONDecoder`, which explains what is wrong.
struct JSONPullReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Runs `body` with a reader at the start of `bytes`.
    static func read<Result>(_ bytes: ArraySlice<UInt8>, _ body: (inout JSONPullReader) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONPullReader(buffer)
            return body(&reader)
        }
    }

    /// Reads an object, handing each key to `member`, which must read (or skip) its value
    /// and return false when it cannot.
    mutating func object(_ member: (inout JSONPullReader, String) -> Bool) -> Bool {
        guard take(0x7B) else { return false }  // {
        if take(0x7D) { return true }  // }
        repeat {
            guard let key = string(), take(0x3A), member(&self, key) else { return false }
        } while take(0x2C)  // ,
        return take(0x7D)
    }

    /// Reads an array, calling `element` for each value; `element` returns false when it
    /// cannot read one.
    mutating func array(_ element: (inout JSONPullReader) -> Bool) -> Bool {
        guard take(0x5B) else { return false }  // [
        if take(0x5D) { return true }  // ]
        repeat {
            guard element(&self) else { return false }
        } while take(0x2C)
        return take(0x5D)
    }

    /// An array of strings.
    mutating func strings() -> [String]? {
        var texts: [String] = []
        let read = array { reader in
            guard let text = reader.string() else { return false }
            texts.append(text)
            return true
        }
        return read ? texts : nil
    }

    /// Consumes `null` if it comes next.
    mutating func null() -> Bool { literal("null") }

    /// `true` or `false`.
    mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// An integer without fraction or exponent that fits in an Int.
    mutating func integer() -> Int? {
        skipSpace()
        guard index < bytes.endIndex else { return nil }
        let negative = bytes[index] == 0x2D
        if negative { index += 1 }
        let start = index
        while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]) { index += 1 }
        // 18 digits always fit in an Int; longer numbers are not snap's. JSON allows no
        // leading zero.
        guard index > start, index - start <= 18, !continuesNumber(),
            bytes[start] != 0x30 || index - start == 1
        else { return nil }
        let number = bytes[start..<index].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return negative ? -number : number
    }

    /// Any JSON number: `-?int(.digits)?([eE][+-]?digits)?`.
    mutating func double() -> Double? {
        skipSpace()
        let start = index
        _ = take(0x2D, skippingSpace: false)
        let integerStart = index
        guard skipDigits() > 0, bytes[integerStart] != 0x30 || index - integerStart == 1 else { return nil }
        if take(0x2E, skippingSpace: false), skipDigits() == 0 { return nil }
        if take(0x65, skippingSpace: false) || take(0x45, skippingSpace: false) {
            if !take(0x2B, skippingSpace: false) { _ = take(0x2D, skippingSpace: false) }
            guard skipDigits() > 0 else { return nil }
        }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    /// A string, unescaped; nil for bad escapes, raw control bytes or invalid UTF-8.
    mutating func string() -> String? {
        guard take(0x22) else { return nil }
        let start = index
        // The common case, no escapes: one copy of the bytes, and no UTF-8 check for ASCII.
        var ascii = true
        while index < bytes.endIndex, bytes[index] != 0x22, bytes[index] != 0x5C, bytes[index] >= 0x20 {
            ascii = ascii && bytes[index] < 0x80
            index += 1
        }
        guard index < bytes.endIndex else { return nil }
        if bytes[index] == 0x22 {
            defer { index += 1 }
            let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
            return ascii ? String(decoding: run, as: UTF8.self) : String(validating: run, as: UTF8.self)
        }
        var decoded = Array(bytes[start..<index])
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x22: return String(validating: decoded, as: UTF8.self)
            case 0x5C:
                guard index < bytes.endIndex else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case 0x22, 0x5C, 0x2F: decoded.append(escape)
                case 0x62: decoded.append(0x08)
                case 0x66: decoded.append(0x0C)
                case 0x6E: decoded.append(0x0A)
                case 0x72: decoded.append(0x0D)
                case 0x74: decoded.append(0x09)
                case 0x75:
                    guard let scalar = unicodeEscape() else { return nil }
                    decoded.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            case ..<0x20: return nil
            default: decoded.append(byte)
            }
        }
        return nil
    }

    /// Passes over one value of any kind (a key the caller does not know).
    mutating func skipValue() -> Bool {
        skipSpace()
        guard index < bytes.endIndex else { return false }
        switch bytes[index] {
        case 0x22: return skipString()
        case 0x7B: return object { reader, _ in reader.skipValue() }
        case 0x5B: return array { reader in reader.skipValue() }
        case 0x74, 0x66: return bool() != nil
        case 0x6E: return null()
        default: return double() != nil
        }
    }

    /// True when only whitespace is left.
    mutating func atEnd() -> Bool {
        skipSpace()
        return index == bytes.endIndex
    }

    // MARK: - Bytes

    /// Passes over a string that holds no escapes without building it; one with escapes is
    /// read (and checked) as ``string()`` reads it.
    private mutating func skipString() -> Bool {
        let start = index
        index += 1
        while index < bytes.endIndex, bytes[index] != 0x22, bytes[index] != 0x5C, bytes[index] >= 0x20 {
            guard bytes[index] < 0x80 else { break }
            index += 1
        }
        if index < bytes.endIndex, bytes[index] == 0x22 {
            index += 1
            return true
        }
        index = start
        return string() != nil
    }

    /// `XXXX` after `\u`, joining a surrogate pair.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        guard (0xD800..<0xDC00).contains(high) else { return Unicode.Scalar(high) }
        guard take(0x5C), take(0x75), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.endIndex - index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexDigit(bytes[index]) else { return nil }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }

    /// Digits, sign, point and exponent: the bytes a JSON number is made of.
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x2B, 0x2D, 0x2E, 0x45, 0x65: true
        default: false
        }
    }

    /// A fraction or exponent after the digits of an integer.
    private func continuesNumber() -> Bool {
        index < bytes.endIndex && Self.isNumberByte(bytes[index])
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        skipSpace()
        let count = word.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { return false }
        let matches = word.withUTF8Buffer { word in
            word.indices.allSatisfy { bytes[index + $0] == word[$0] }
        }
        if matches { index += count }
        return matches
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func take(_ byte: UInt8, skippingSpace: Bool = true) -> Bool {
        if skippingSpace { skipSpace() }
        guard index < bytes.endIndex, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}

/// Stores a value read for a key in its slot: false when the read failed or the key came
/// twice (`JSONDecoder` then decides), for `return keep(reader.string(), in: &name)` in an
/// ``JSONPullReader/object(_:)`` member closure.
func keep<Value>(_ value: Value?, in slot: inout Value?) -> Bool {
    guard let value, slot == nil else { return false }
    slot = value
    return true
}
