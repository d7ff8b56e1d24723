/// BIP-173 Bech32 (not Bech32m), without BIP-173's 90-character limit: age keys are longer.
enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    /// `hrp` (lowercase ASCII), `1`, the data in 5-bit groups and the checksum, all lowercase.
    static func encode(hrp: String, data: [UInt8]) -> String {
        let hrp = Array(hrp.lowercased().utf8)
        let values = regroup(data, from: 8, to: 5, pad: true) ?? []
        let checked = expand(hrp) + values + [0, 0, 0, 0, 0, 0]
        let mod = polymod(checked) ^ 1
        let checksum = (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
        let text = hrp + [UInt8(ascii: "1")] + (values + checksum).map { charset[Int($0)] }
        return String(decoding: text, as: UTF8.self)
    }

    /// The lowercased human-readable part and the data of `text`.
    /// - Throws: `AgeError.invalidKey` naming what is wrong, never the text itself.
    static func decode(_ text: String) throws(AgeError) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ (33...126).contains($0) }) else {
            throw .invalidKey("it holds a character that Bech32 does not allow")
        }
        if bytes.contains(where: { (97...122).contains($0) }) && bytes.contains(where: { (65...90).contains($0) }) {
            throw .invalidKey("it mixes upper and lower case")
        }
        let lower = bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1, separator + 7 <= lower.count
        else { throw .invalidKey("it is too short or has no Bech32 separator") }
        let hrp = Array(lower[..<separator])
        var values: [UInt8] = []
        values.reserveCapacity(lower.count - separator - 1)
        for byte in lower[(separator + 1)...] {
            guard let value = charset.firstIndex(of: byte) else {
                throw .invalidKey("it holds a character that Bech32 does not allow")
            }
            values.append(UInt8(value))
        }
        guard polymod(expand(hrp) + values) == 1 else { throw .invalidKey("its Bech32 checksum does not match") }
        guard let data = regroup(values.dropLast(6), from: 5, to: 8, pad: false) else {
            throw .invalidKey("its Bech32 data has invalid padding")
        }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1ff_ffff) << 5 ^ UInt32(value)
            for index in 0..<5 where (top >> index) & 1 == 1 { check ^= generator[index] }
        }
        return check
    }

    /// Regroups bits from `from`-bit to `to`-bit values; nil for invalid padding without `pad`.
    private static func regroup(_ values: some Collection<UInt8>, from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator: UInt32 = 0
        var bits = 0
        var out: [UInt8] = []
        out.reserveCapacity(values.count * from / to + 1)
        let mask = UInt32(1 << to) - 1
        for value in values {
            accumulator = (accumulator << from) | UInt32(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & mask))
            }
            accumulator &= UInt32(1 << bits) - 1
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || accumulator != 0 {
            return nil
        }
        return out
    }
}
