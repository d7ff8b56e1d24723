import Crypto
import Glibc

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
        var hasher = SHA256()
        bytes.withUnsafeBytes { file in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[..<range.lowerBound]))
            hasher.update(data: Array(placeholder.utf8))
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[range.upperBound...]))
        }
        return hasher.finalizeHex() == seal
    }

    /// Where the seal's digits sit in the file: after `"seal" : "`.
    private static func valueRange(in bytes: [UInt8], value: String) -> Range<Int>? {
        let needle = Array("\"seal\" : \"\(value)\"".utf8)
        let found = bytes.withUnsafeBufferPointer { haystack -> Int? in
            guard let base = haystack.baseAddress, haystack.count >= needle.count else { return nil }
            var at = 0
            while at + needle.count <= haystack.count {
                guard let quote = memchr(base + at, Int32(needle[0]), haystack.count - needle.count + 1 - at) else {
                    return nil
                }
                at = UnsafePointer<UInt8>(quote.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + at, needle, needle.count) == 0 { return at }
                at += 1
            }
            return nil
        }
        guard let found else { return nil }
        let digits = found + needle.count - 1 - 64
        return digits..<(digits + 64)
    }
}
