/// Seeded random mutations of byte strings, in the manner of libFuzzer's mutators: bit
/// flips, byte inserts and deletes, chunk duplication and long repeats (deep nesting, huge
/// tokens), splices of two inputs, truncation, and tokens that parsers get wrong (huge
/// numbers, NUL, invalid UTF-8, unbalanced quotes and brackets).
package struct ByteMutator {
    /// Tokens worth inserting into any input.
    package static let commonTokens: [[UInt8]] = [
        [0], [0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xef, 0xbb, 0xbf],
        Array("\n".utf8), Array("\r\n".utf8), Array("\"".utf8), Array("'".utf8), Array("\\".utf8),
        Array("{".utf8), Array("}".utf8), Array("[".utf8), Array("]".utf8), Array("(".utf8), Array(")".utf8),
        Array("<<".utf8), Array(">>".utf8), Array(".".utf8), Array(",".utf8), Array(":".utf8), Array("%".utf8),
        Array("$".utf8), Array("~".utf8), Array("@".utf8), Array("#".utf8), Array("=".utf8), Array("../".utf8),
        Array("/".utf8), Array("0".utf8), Array("-1".utf8), Array("-0".utf8), Array("1e309".utf8),
        Array("9223372036854775807".utf8), Array("9223372036854775808".utf8), Array("-9223372036854775809".utf8),
        Array("18446744073709551616".utf8), Array("99999999999999999999999999999999999999".utf8),
        Array("null".utf8), Array("true".utf8), Array("\u{1F600}".utf8), Array("\u{202E}".utf8),
    ]

    /// Numbers a decoder or an allocation may mishandle; they replace digit runs.
    static let interestingNumbers: [[UInt8]] = [
        "0", "-1", "1", "255", "65536", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "18446744073709551615", "1e308", "1e-400", "99999999999999999999999999",
    ].map { Array($0.utf8) }

    static let interestingBytes: [UInt8] = [
        0, 1, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x27, 0x2c, 0x2e, 0x2f, 0x30, 0x37, 0x3a, 0x3c, 0x3e, 0x5b,
        0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xc0, 0xff,
    ]

    private var random: SeededGenerator
    private let tokens: [[UInt8]]
    private let maxLength: Int

    /// - Parameters:
    ///   - seed: the whole sequence of mutations follows from it.
    ///   - dictionary: tokens of the target's own syntax, used beside ``commonTokens``.
    ///   - maxLength: no mutant is longer.
    package init(seed: UInt64, dictionary: [[UInt8]], maxLength: Int) {
        random = SeededGenerator(seed: seed)
        tokens = Self.commonTokens + dictionary
        self.maxLength = maxLength
    }

    /// A number in `range`, from the seeded sequence.
    package mutating func next(in range: Range<Int>) -> Int {
        Int.random(in: range, using: &random)
    }

    /// One to five stacked mutations of `input`; `other` is spliced in when a splice is drawn.
    package mutating func mutate(_ input: [UInt8], splicingWith other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<next(in: 1..<6) { bytes = mutateOnce(bytes, other: other) }
        return bytes.count > maxLength ? Array(bytes.prefix(maxLength)) : bytes
    }

    private mutating func mutateOnce(_ bytes: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = bytes
        let position = next(in: 0..<bytes.count + 1)
        switch next(in: 0..<12) {
        case 0 where !bytes.isEmpty:  // flip a bit
            let index = next(in: 0..<bytes.count)
            bytes[index] ^= UInt8(1) << UInt8(next(in: 0..<8))
        case 1 where !bytes.isEmpty:  // an interesting byte
            bytes[next(in: 0..<bytes.count)] = Self.interestingBytes[next(in: 0..<Self.interestingBytes.count)]
        case 2:  // random bytes
            bytes.insert(contentsOf: (0..<next(in: 1..<9)).map { _ in UInt8(next(in: 0..<256)) }, at: position)
        case 3 where !bytes.isEmpty:  // delete a range
            let start = next(in: 0..<bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + next(in: 1..<max(2, bytes.count / 4 + 1))))
        case 4 where !bytes.isEmpty:  // duplicate a chunk
            let chunk = chunk(of: bytes, maxCount: 64)
            bytes.insert(contentsOf: chunk, at: position)
        case 5 where !bytes.isEmpty:  // repeat a short chunk many times: deep nesting, huge tokens
            let chunk = chunk(of: bytes, maxCount: 8)
            // Mostly a few repeats, sometimes tens of thousands (log-uniform).
            let times = min(next(in: 2..<(2 << next(in: 1..<15))), max(1, (maxLength - bytes.count) / chunk.count))
            bytes.insert(contentsOf: [ArraySlice<UInt8>](repeating: chunk, count: times).joined(), at: position)
        case 6 where !other.isEmpty:  // splice: this input's head, the other's tail
            bytes = Array(bytes.prefix(position)) + other.suffix(from: next(in: 0..<other.count))
        case 7, 8:  // a token
            bytes.insert(contentsOf: tokens[next(in: 0..<tokens.count)], at: position)
        case 9 where !bytes.isEmpty:  // a token over existing bytes
            let token = tokens[next(in: 0..<tokens.count)]
            let start = next(in: 0..<bytes.count)
            bytes.replaceSubrange(start..<min(bytes.count, start + token.count), with: token)
        case 10:  // a digit run becomes an interesting number
            if let run = digitRun(in: bytes, near: position) {
                bytes.replaceSubrange(run, with: Self.interestingNumbers[next(in: 0..<Self.interestingNumbers.count)])
            }
        default:  // truncate
            bytes = Array(bytes.prefix(position))
        }
        return bytes
    }

    private mutating func chunk(of bytes: [UInt8], maxCount: Int) -> ArraySlice<UInt8> {
        let start = next(in: 0..<bytes.count)
        return bytes[start..<min(bytes.count, start + next(in: 1..<maxCount + 1))]
    }

    /// The first run of ASCII digits at or after `position`.
    private func digitRun(in bytes: [UInt8], near position: Int) -> Range<Int>? {
        let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
        guard let start = bytes[position...].firstIndex(where: isDigit) else { return nil }
        let end = bytes[start...].firstIndex { !isDigit($0) } ?? bytes.count
        return start..<end
    }
}
