import Crypto

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal, two digits a byte, as `sha256sum` prints.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256 {
    /// The lowercase hex SHA-256 of `bytes`.
    static func hex(of bytes: some Sequence<UInt8>) -> String {
        hash(data: Array(bytes)).hexString
    }

    /// Finalizes and returns lowercase hex.
    mutating func finalizeHex() -> String {
        finalize().hexString
    }
}
