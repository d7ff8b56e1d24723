import Crypto

/// A record's own checksum, so that a flipped byte inside a value (a node name, a time, a
/// bundle hash) is found like any other damage instead of being believed.
///
/// The seal is the SHA-256 of the record file as written, with the seal's own 64 hex
/// digits written as zeros. The file stays plain JSON: `jq` reads it, and snap checks it
/// without encoding the record again (`list` reads thousands).
enum RecordSeal {
    private static let placeholder = String(repeating: "0", count: 64)

    /// The file bytes for `record`, sealed.
    static func sealed(_ record: SnapshotRecord) throws -> [UInt8] {
        var unsealed = record
        unsealed.seal = placeholder
        var bytes = try JSONCoding.encode(unsealed)
        guard let range = valueRange(in: bytes, value: placeholder) else {
            throw StoreError.corruptFile(path: "(record \(record.id))", detail: "cannot place its seal")
        }
        let digest = SHA256.hex(of: bytes)
        bytes.replaceSubrange(range, with: Array(digest.utf8))
        return bytes
    }

    /// Whether `bytes`, which decoded to a record sealed with `seal`, are what was sealed.
    static func holds(_ bytes: [UInt8], seal: String) -> Bool {
        guard seal.utf8.count == 64, let range = valueRange(in: bytes, value: seal) else { return false }
        var unsealed = bytes
        unsealed.replaceSubrange(range, with: Array(placeholder.utf8))
        return SHA256.hex(of: unsealed) == seal
    }

    /// Where the seal's digits sit in the file: after `"seal" : "`.
    private static func valueRange(in bytes: [UInt8], value: String) -> Range<Int>? {
        let needle = Array("\"seal\" : \"\(value)\"".utf8)
        guard bytes.count >= needle.count else { return nil }
        var start = 0
        while start + needle.count <= bytes.count {
            guard let first = bytes[start...].firstIndex(of: needle[0]) else { return nil }
            if first + needle.count <= bytes.count, bytes[first..<(first + needle.count)].elementsEqual(needle) {
                let digits = first + needle.count - 1 - 64
                return digits..<(digits + 64)
            }
            start = first + 1
        }
        return nil
    }
}
