import CZstd
import Foundation

/// zstd level and worker threads for writing bundles.
package struct CompressionSettings: Sendable, Equatable {
    /// zstd compression level (negative levels are the fast ones).
    package var level: Int
    /// zstd worker threads; 0 compresses on the calling thread.
    package var threads: Int

    /// Level 3 with one worker per core, the documented default.
    package static var standard: CompressionSettings {
        CompressionSettings(level: 3, threads: min(ProcessInfo.processInfo.activeProcessorCount, 256), unchecked: ())
    }

    /// - Throws: ``BundleError/badCompression(_:)`` saying which values are allowed;
    ///   libarchive would only say "Undefined option".
    package init(level: Int, threads: Int) throws {
        let range = Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel())
        guard range.contains(level) else {
            throw BundleError.badCompression(
                "compression level \(level) is out of range: zstd accepts \(range.lowerBound) to \(range.upperBound)")
        }
        guard (0...256).contains(threads) else {
            throw BundleError.badCompression("compression threads \(threads) is out of range: use 0 to 256")
        }
        self.level = level
        self.threads = threads
    }

    /// Settings already checked, or known to be in range.
    init(level: Int, threads: Int, unchecked: Void) {
        self.level = level
        self.threads = threads
    }
}
