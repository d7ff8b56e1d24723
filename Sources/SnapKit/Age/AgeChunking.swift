/// How a STREAM payload is cut into chunks as it arrives: every chunk but the last is full,
/// and a full chunk may still be the last, so it is held back until a byte after it arrives.
enum AgeChunking {
    /// Hands `body` each chunk of `size` bytes from `pending` followed by `input` that is
    /// known not to be the last, and leaves the rest (at most one full chunk) in `pending`.
    static func followedChunks(
        of input: UnsafeRawBufferPointer, size: Int, pending: inout [UInt8],
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        var input = input[...]
        if !pending.isEmpty {
            let fill = input.prefix(size - pending.count)
            pending.append(raw: UnsafeRawBufferPointer(rebasing: fill))
            input = input.dropFirst(fill.count)
            if input.isEmpty { return }
            try pending.withUnsafeBytes { try body($0) }
            pending.removeAll(keepingCapacity: true)
        }
        while input.count > size {
            try body(UnsafeRawBufferPointer(rebasing: input.prefix(size)))
            input = input.dropFirst(size)
        }
        pending.append(raw: UnsafeRawBufferPointer(rebasing: input))
    }
}
