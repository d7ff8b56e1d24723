import CZstd

/// A zstd compression stream on libzstd's own worker threads.
///
/// snap drives libzstd directly, not through libarchive's filter, to bound memory: the job
/// size sets how much input each worker holds, and with it the peak RSS of `create`,
/// whatever the size of the data.
final class ZstdCompressor {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer

    /// - Throws: ``BundleError/badCompression(_:)`` when libzstd refuses a setting.
    init(_ settings: CompressionSettings) throws {
        guard let context = ZSTD_createCCtx() else { throw BundleError.badCompression("zstd: out of memory") }
        self.context = context
        self.output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 64)
        try set(ZSTD_c_compressionLevel, settings.level)
        try set(ZSTD_c_checksumFlag, 1)
        if settings.threads > 0 {
            try set(ZSTD_c_nbWorkers, settings.threads)
            try set(ZSTD_c_jobSize, Self.jobSize)
            try set(ZSTD_c_overlapLog, Self.noOverlap)
        }
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Input each worker compresses at a time. The workers finish in order, so a bigger job
    /// leaves them idle less often, but libzstd holds several jobs' input and output at
    /// once. On 1 GiB (two workers, alternating runs): 1 MiB 2.80–3.08 s, 2 MiB 2.55–2.72 s
    /// at 49 MiB RSS, 3 MiB 2.50–2.58 s at 57 MiB, 4 MiB 2.38–2.52 s at 63–69 MiB, past
    /// the 64 MiB that `create` keeps to. Without the overlap (below), 4 MiB was no faster
    /// (medians of six alternating runs: 2.495 s against 2.500 s) at 60 MiB against 50.
    static let jobSize = 3 << 20

    /// Each job starts from empty tables instead of first reloading the end of the job
    /// before it (an eighth of the 2 MiB window at level 3, 8% of a 3 MiB job): less work
    /// and one input buffer fewer. On 1 GiB: 3.74 user-seconds instead of 3.91, 54 MiB RSS
    /// instead of 58, and a bundle 0.2% smaller (303.9 MB instead of 304.5); the
    /// Mnesia capture 136 ms instead of 140.
    static let noOverlap = 1

    /// Compresses `input`; with `end` set, also ends the frame. Every block of compressed
    /// bytes produced goes to `emit` before this returns.
    func compress(_ input: UnsafeRawBufferPointer, end: Bool, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        let directive = end ? ZSTD_e_end : ZSTD_e_continue
        while true {
            var sink = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &sink, &source, directive)
            if ZSTD_isError(remaining) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(remaining))") }
            if sink.pos > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[0..<sink.pos])) }
            let consumed = source.pos == source.size
            if end ? remaining == 0 : consumed && sink.pos < sink.size { return }
        }
    }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int) throws {
        let result = ZSTD_CCtx_setParameter(context, parameter, Int32(value))
        if ZSTD_isError(result) != 0 {
            throw BundleError.badCompression(
                "zstd refused parameter \(parameter.rawValue)=\(value): \(zstdErrorName(result))")
        }
    }
}

/// A zstd decompression stream over concatenated frames. Made on one thread and handed to
/// another, it is only ever used by one thread at a time.
final class ZstdDecompressor: @unchecked Sendable {
    private let context: OpaquePointer
    /// Whether the last frame seen has ended; a stream that stops while this is false is
    /// truncated.
    private(set) var atFrameEnd = true

    /// Largest window accepted (128 MiB, libzstd's default ceiling): a bundle asking for
    /// more is refused rather than allowed to claim memory.
    static let windowLogMax: Int32 = 27

    init() throws {
        guard let context = ZSTD_createDCtx() else { throw BundleError.badCompression("zstd: out of memory") }
        self.context = context
        let result = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Self.windowLogMax)
        if ZSTD_isError(result) != 0 {
            ZSTD_freeDCtx(context)
            throw BundleError.badCompression("zstd: \(zstdErrorName(result))")
        }
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses from `input` (advancing its position) into `output` (advancing its
    /// position) until either is used up.
    /// - Returns: an error description when the data is not valid zstd.
    func decompress(_ input: inout ZSTD_inBuffer, into output: inout ZSTD_outBuffer) -> String? {
        let (consumed, produced) = (input.pos, output.pos)
        let result = ZSTD_decompressStream(context, &output, &input)
        if ZSTD_isError(result) != 0 { return zstdErrorName(result) }
        // A call that moved nothing (an output buffer filled exactly at a frame's end,
        // then handed back) returns the next frame's header size: not a frame begun.
        if result == 0 {
            atFrameEnd = true
        } else if input.pos != consumed || output.pos != produced {
            atFrameEnd = false
        }
        return nil
    }
}

func zstdErrorName(_ code: Int) -> String {
    String(cString: ZSTD_getErrorName(code))
}
