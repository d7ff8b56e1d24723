import CLinux
import Crypto
import Glibc

/// The rows of one table: where each lies in the bytes that hold all rows (the
/// collector's), and how many leading bytes they all share.
struct RowStore {
    private var spans: [Range<Int>] = []
    private var shared = 0

    var count: Int { spans.count }

    /// Adds the row at `span` of `bytes`.
    mutating func append(_ span: Range<Int>, of bytes: UnsafePointer<UInt8>) {
        // Measured now, while the row is still in the cache.
        if let first = spans.first {
            shared = Self.commonPrefix(bytes + first.lowerBound, bytes + span.lowerBound, upTo: min(shared, span.count))
        } else {
            shared = span.count
        }
        spans.append(span)
    }

    /// SHA-256 over the rows sorted bytewise, each followed by `\n`; sorting makes the
    /// digest independent of the order Mnesia happened to write them in.
    /// - Parameter bytes: what the spans given to ``append(_:of:)`` point into.
    func digest(of bytes: UnsafePointer<UInt8>) -> String {
        // Rows are short; hashing them in 64 KiB batches saves a call per row.
        var hasher = SHA256()
        var batch = RawBuffer<UInt8>()
        batch.reserve(1 << 16)
        let rows = sorted(bytes)
        for (index, row) in rows.enumerated() {
            // Sorted rows are read all over the table's memory; asking ahead for the
            // first lines of rows to come saves waiting for each in turn.
            if index + Self.readAhead < rows.count {
                let coming = bytes + rows[index + Self.readAhead].span.lowerBound
                snap_prefetch(coming)
                snap_prefetch(coming + 64)
            }
            batch.append(contentsOf: UnsafeBufferPointer(start: bytes + row.span.lowerBound, count: row.span.count))
            batch.append(Byte.newline)
            if batch.count >= 1 << 16 {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(batch.buffer))
                batch.removeAll()
            }
        }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(batch.buffer))
        return hasher.finalizeHex()
    }

    /// How many rows ahead of the one being hashed are fetched into the cache.
    private static let readAhead = 8

    /// A row and the eight bytes after the rows' shared start, as one big-endian number.
    private struct KeyedRow {
        var span: Range<Int>
        var key: UInt64
    }

    /// The rows in byte order (`memcmp`, then the shorter first).
    ///
    /// Rows of a table share a long start (`{leo_s3_buckets,<<"bucket-user_0`), and the
    /// eight bytes after it nearly always tell them apart: rows are radix-sorted on those
    /// eight bytes, then each run of rows equal in them is compared in full. Equal rows are
    /// equal bytes, so how ties end up does not show in the digest.
    private func sorted(_ base: UnsafePointer<UInt8>) -> [KeyedRow] {
        var rows = spans.map { KeyedRow(span: $0, key: Self.key(base + $0.lowerBound + shared, $0.count - shared)) }
        Self.radixSort(&rows)
        rows.withUnsafeMutableBufferPointer { rows in
            var start = 0
            while start < rows.count {
                var end = start + 1
                while end < rows.count && rows[end].key == rows[start].key { end += 1 }
                if end - start > 1 {
                    rows[start..<end].sort { lhs, rhs in
                        let common = min(lhs.span.count, rhs.span.count) - shared
                        let order = memcmp(
                            base + lhs.span.lowerBound + shared, base + rhs.span.lowerBound + shared, common)
                        return order != 0 ? order < 0 : lhs.span.count < rhs.span.count
                    }
                }
                start = end
            }
        }
        return rows
    }

    /// How many leading bytes `first` and `other` share, up to `limit`.
    private static func commonPrefix(_ first: UnsafePointer<UInt8>, _ other: UnsafePointer<UInt8>, upTo limit: Int)
        -> Int
    {
        var same = 0
        while limit - same >= 8,
            UnsafeRawPointer(first + same).loadUnaligned(as: UInt64.self)
                == UnsafeRawPointer(other + same).loadUnaligned(as: UInt64.self)
        {
            same += 8
        }
        while same < limit && first[same] == other[same] { same += 1 }
        return same
    }

    /// Up to eight bytes at `start` as a big-endian number, zeros after the row's end, so
    /// that numbers compare as the bytes do (a row that ends is a prefix, which sorts first).
    private static func key(_ start: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var key: UInt64 = 0
        for index in 0..<8 {
            key = key << 8 | UInt64(index < count ? start[index] : 0)
        }
        return key
    }

    /// Sorts by key, a byte at a time from the lowest; a byte that all keys share is skipped.
    private static func radixSort(_ rows: inout [KeyedRow]) {
        var counts = [Int](repeating: 0, count: 8 * 256)
        for row in rows {
            for digit in 0..<8 { counts[digit << 8 | Int(row.key >> (digit << 3) & 0xff)] += 1 }
        }
        var scratch = rows
        for digit in 0..<8 where !counts[digit << 8..<(digit + 1) << 8].contains(rows.count) {
            var offsets = [Int](repeating: 0, count: 256)
            var total = 0
            for byte in 0..<256 {
                offsets[byte] = total
                total += counts[digit << 8 | byte]
            }
            rows.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { target in
                    for row in source {
                        let byte = Int(row.key >> (digit << 3) & 0xff)
                        target[offsets[byte]] = row
                        offsets[byte] += 1
                    }
                }
            }
            swap(&rows, &scratch)
        }
    }
}
