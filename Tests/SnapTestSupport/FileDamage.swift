import Foundation

/// Ways a file on disk goes bad: what bit rot, a full disk, a careless `rm` or a stray
/// `dd` do to a store file.
package enum FileDamage: String, CaseIterable, Sendable, CustomStringConvertible {
    /// One byte in the middle XORed with 0x40 (a letter's case, a digit into a letter).
    case flipByte = "flip a byte"
    /// Cut to half its size.
    case truncateHalf = "truncate to half"
    /// Cut to 0 bytes.
    case truncateEmpty = "truncate to 0 bytes"
    /// Removed.
    case delete
    /// Replaced by random bytes of the same size.
    case garbage = "random garbage"

    package var description: String { rawValue }

    /// Damages the file at `path`.
    /// - Parameters:
    ///   - midLine: for line-oriented files, a cut at half that falls just after a newline
    ///     moves back one byte, so the file ends in the middle of a line as a torn write does.
    ///   - generator: the source of the garbage, so a run repeats from its seed.
    package func apply(to path: String, midLine: Bool = false, using generator: inout SeededGenerator) throws {
        let url = URL(fileURLWithPath: path)
        switch self {
        case .flipByte:
            var bytes = [UInt8](try Data(contentsOf: url))
            guard !bytes.isEmpty else { throw FixtureError(message: "\(path) is empty: no byte to flip") }
            bytes[bytes.count / 2] ^= 0x40
            try Data(bytes).write(to: url)
        case .truncateHalf:
            let bytes = [UInt8](try Data(contentsOf: url))
            var size = bytes.count / 2
            if midLine, size > 0, bytes[size - 1] == 0x0a { size -= 1 }
            try truncate(path, to: size)
        case .truncateEmpty:
            try truncate(path, to: 0)
        case .delete:
            try FileManager.default.removeItem(atPath: path)
        case .garbage:
            let size = try Data(contentsOf: url).count
            try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        }
    }

    private func truncate(_ path: String, to size: Int) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw FixtureError(message: "cannot open \(path) to truncate it")
        }
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(size))
    }
}
