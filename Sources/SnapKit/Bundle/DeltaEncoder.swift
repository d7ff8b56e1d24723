import CZstd

/// Compresses a tar stream as a delta against a ``DeltaReference``: a run of zstd frames,
/// each holding ``DeltaReference/frameBytes`` of the new tar encoded as matches into the
/// whole base, which is exactly what `zstd -d --patch-from=BASE.tar` decodes.
///
/// The base is indexed once (a dictionary by reference, attached to every frame); frames
/// are compressed on the calling thread. Each frame records its content size and checksum,
/// so a reader holds one frame's window, and decoding against the wrong base fails.
final class DeltaEncoder {
    private let context: OpaquePointer
    private let dictionary: OpaquePointer
    private let reference: DeltaReference
    private let pending: UnsafeMutableRawBufferPointer
    private var pendingCount = 0
    private let output: UnsafeMutableRawBufferPointer

    /// log2 of the entries of each of the base's match tables.
    static let tableLog: UInt32 = 20

    /// - Throws: ``BundleError/badCompression(_:)`` when libzstd refuses a setting.
    init(reference: DeltaReference, level: Int) throws {
        self.reference = reference
        var parameters = ZSTD_getCParams(Int32(level), UInt64(DeltaReference.frameBytes), reference.bytes.count)
        parameters.windowLog = UInt32(reference.windowLog)
        // Level 3's tables (2^17 and 2^16 entries) forget most of a 20 MiB base: on 24
        // captures of a Mnesia directory with 1% of rows changed between them, deltas came
        // out at 1.4-1.9 MB with them, 0.51-0.62 MB with 2^20 each (8 MiB), 0.47-0.57 MB
        // with 2^21 (16 MiB, past the memory budget).
        parameters.hashLog = max(parameters.hashLog, Self.tableLog)
        parameters.chainLog = max(parameters.chainLog, Self.tableLog)
        guard
            let dictionary = ZSTD_createCDict_advanced(
                reference.bytes.baseAddress, reference.bytes.count, ZSTD_dlm_byRef, ZSTD_dct_rawContent,
                parameters, ZSTD_defaultCMem)
        else { throw BundleError.badCompression("zstd: cannot index the delta's base (out of memory)") }
        guard let context = ZSTD_createCCtx() else {
            ZSTD_freeCDict(dictionary)
            throw BundleError.badCompression("zstd: out of memory")
        }
        self.dictionary = dictionary
        self.context = context
        self.pending = .allocate(byteCount: DeltaReference.frameBytes, alignment: 64)
        self.output = .allocate(byteCount: ZSTD_compressBound(DeltaReference.frameBytes), alignment: 64)
        try set(ZSTD_c_compressionLevel, level)
        try set(ZSTD_c_windowLog, Int(reference.windowLog))
        try set(ZSTD_c_checksumFlag, 1)
        try set(ZSTD_c_contentSizeFlag, 1)
        try set(ZSTD_c_dictIDFlag, 0)
        // The base's tables are used where they are, never copied into each frame's context.
        try set(SNAP_ZSTD_c_forceAttachDict, Int(ZSTD_dictForceAttach.rawValue))
        let result = ZSTD_CCtx_refCDict(context, dictionary)
        if ZSTD_isError(result) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(result))") }
    }

    deinit {
        ZSTD_freeCCtx(context)
        ZSTD_freeCDict(dictionary)
        pending.deallocate()
        output.deallocate()
    }

    /// Takes the next bytes of the tar; whole frames go to `emit`.
    func write(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var offset = 0
        while offset < input.count {
            let count = min(input.count - offset, pending.count - pendingCount)
            pending.baseAddress!.advanced(by: pendingCount).copyMemory(
                from: input.baseAddress!.advanced(by: offset), byteCount: count)
            pendingCount += count
            offset += count
            if pendingCount == pending.count { try flush(emit) }
        }
    }

    /// Writes the last frame.
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if pendingCount > 0 { try flush(emit) }
    }

    private func flush(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let size = ZSTD_compress2(context, output.baseAddress, output.count, pending.baseAddress, pendingCount)
        if ZSTD_isError(size) != 0 { throw BundleError.badCompression("zstd: \(zstdErrorName(size))") }
        pendingCount = 0
        try emit(UnsafeRawBufferPointer(rebasing: output[0..<size]))
    }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int) throws {
        let result = ZSTD_CCtx_setParameter(context, parameter, Int32(value))
        if ZSTD_isError(result) != 0 {
            throw BundleError.badCompression(
                "zstd refused parameter \(parameter.rawValue)=\(value): \(zstdErrorName(result))")
        }
    }
}
