import CZstd

/// Compresses a tar as a delta of a base tar: one zstd frame whose matches reach into the
/// whole base (a prefix, as `zstd --patch-from` makes), found by long-distance matching,
/// which `zstd -d --patch-from=BASE.tar` decodes.
///
/// Both tars are mapped (``DeltaReference``); the input is compressed where it lies
/// (`stableInBuffer`), so zstd's own memory is its match tables and one block.
final class DeltaEncoder {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer

    /// Long-distance matching's table (2^20 entries, 8 MiB) and shortest match. On 24
    /// captures of a Mnesia directory with 1% of rows changed between them, against zstd's
    /// defaults (2^19, 64 bytes): a capture after Mnesia rewrote a table file 614 KB instead
    /// of 1.66 MB, an ordinary one 46 KB instead of 48 KB (`zstd -3 --patch-from --zstd=...`).
    static let ldmHashLog = 20
    static let ldmMinMatch = 24
    /// Input offered to zstd per call (one block); the pages of both tars are given back
    /// after each. zstd still reads the whole base when the frame starts (it indexes it) and
    /// far into it where rows changed, so `create` holds most of the base at its peak.
    static let step = 128 << 10

    /// - Throws: ``BundleError/badCompression(_:)`` when libzstd refuses a setting.
    init() throws {
        guard let context = ZSTD_createCCtx() else { throw BundleError.badCompression("zstd: out of memory") }
        self.context = context
        self.output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 64)
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Encodes `input` against `base` as one frame, handing the compressed bytes to `emit`.
    func encode(
        _ input: DeltaReference, against base: DeltaReference, level: Int,
        emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try set(ZSTD_c_compressionLevel, level)
        try set(ZSTD_c_windowLog, Int(base.windowLog(content: input.count)))
        try set(ZSTD_c_enableLongDistanceMatching, 1)
        try set(ZSTD_c_ldmHashLog, Self.ldmHashLog)
        try set(ZSTD_c_ldmMinMatch, Self.ldmMinMatch)
        try set(ZSTD_c_checksumFlag, 1)
        try set(ZSTD_c_contentSizeFlag, 1)
        try set(SNAP_ZSTD_c_stableInBuffer, 1)
        try check(ZSTD_CCtx_setPledgedSrcSize(context, UInt64(input.count)))
        try check(ZSTD_CCtx_refPrefix(context, base.bytes.baseAddress, base.count))
        // The input is offered a step at a time (it may only grow, from the same start): with
        // all of it at once, zstd would encode the whole delta in one call, and read every
        // page of both tars before they could be given back.
        var source = ZSTD_inBuffer(src: input.bytes.baseAddress, size: 0, pos: 0)
        while true {
            source.size = min(input.count, source.pos + Self.step)
            let directive = source.size == input.count ? ZSTD_e_end : ZSTD_e_continue
            var sink = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &sink, &source, directive)
            try check(remaining)
            if sink.pos > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[0..<sink.pos])) }
            input.releaseResident()
            base.releaseResident()
            if directive == ZSTD_e_end && remaining == 0 { break }
        }
        input.releaseResident()
        base.releaseResident()
    }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int) throws {
        let result = ZSTD_CCtx_setParameter(context, parameter, Int32(value))
        if ZSTD_isError(result) != 0 {
            throw BundleError.badCompression(
                "zstd refused parameter \(parameter.rawValue)=\(value): \(zstdErrorName(result))")
        }
    }

    private func check(_ result: Int) throws {
        if ZSTD_isError(result) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(result))") }
    }
}
