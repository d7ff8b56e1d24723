import CZstd
import Crypto
import Foundation
import Glibc

/// Reads a bundle file on its own thread: hashes the file's bytes, decrypts them when the
/// bundle is an age file (a chunk's plaintext goes on only once it authenticated),
/// decompresses them, and hands the tar stream over in blocks through a small bounded queue.
///
/// Memory stays fixed whatever the bundle's size: four 1 MiB blocks in flight, one input
/// buffer, and the zstd window (at most 128 MiB for a hostile bundle, 2–8 MiB for snap's).
/// All state shared between the two threads is guarded by `condition`.
final class DecompressingSource: @unchecked Sendable {
    private struct Block {
        var buffer: UnsafeMutableRawBufferPointer
        var count: Int
    }

    let path: String
    private let fd: Int32
    private let decryptor: AgeDecryptor?
    private let identityPath: String?
    private let condition = NSCondition()
    private let stopped = DispatchSemaphore(value: 0)
    private var ready: [Block] = []
    private var spare: [UnsafeMutableRawBufferPointer]
    private var lent: UnsafeMutableRawBufferPointer?
    private var producing = true
    private var cancelled = false
    private var failure: (any Error)?
    private var digest: (sha256: String, size: Int64)?

    private static let blockSize = 1 << 20
    private static let blocksInFlight = 4

    /// Starts reading `fd`, which this source closes.
    /// - Parameters:
    ///   - decryptor: opens an encrypted bundle; nil for a plain one.
    ///   - identityPath: the identity file the decryptor holds, for messages.
    init(fd: Int32, path: String, decryptor: AgeDecryptor? = nil, identityPath: String? = nil) throws {
        self.fd = fd
        self.path = path
        self.decryptor = decryptor
        self.identityPath = identityPath
        self.spare = (0..<Self.blocksInFlight).map { _ in .allocate(byteCount: Self.blockSize, alignment: 64) }
        let decompressor = try ZstdDecompressor()
        let thread = Thread { [self] in
            produce(decompressor)
            stopped.signal()
        }
        thread.name = "snap-bundle-reader"
        thread.start()
    }

    /// libarchive's read callback: the next block of the tar stream, 0 at its end, -1 on error.
    /// The block handed out before is given back to the reading thread.
    func read(_ pointer: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        condition.lock()
        defer { condition.unlock() }
        if let block = lent {
            spare.append(block)
            lent = nil
            condition.broadcast()
        }
        while ready.isEmpty && producing && failure == nil { condition.wait() }
        if failure != nil { return -1 }
        guard !ready.isEmpty else { return 0 }
        let block = ready.removeFirst()
        lent = block.buffer
        pointer?.pointee = UnsafeRawPointer(block.buffer.baseAddress)
        return block.count
    }

    /// The error that stopped the reading thread, if any.
    var error: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Reads to the end of the file whatever libarchive left unread.
    /// - Returns: SHA-256 and size of the whole bundle file.
    /// - Throws: the reading thread's error: the file could not be read, or is not whole zstd.
    func drain() throws -> (sha256: String, size: Int64) {
        while read(nil) > 0 {}
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        guard let digest else { throw SystemError("read bundle", path, .ioError) }
        return digest
    }

    /// Stops the reading thread, waits for it, and frees everything.
    func close() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
        stopped.wait()
        Glibc.close(fd)
        for buffer in spare { buffer.deallocate() }
        for block in ready { block.buffer.deallocate() }
        lent?.deallocate()
        spare = []
        ready = []
        lent = nil
    }

    // MARK: The reading thread

    private func produce(_ decompressor: ZstdDecompressor) {
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(ZSTD_DStreamInSize(), 1 << 20), alignment: 64)
        defer { input.deallocate() }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            while true {
                let count = Glibc.read(fd, input.baseAddress, input.count)
                if count < 0 && errno == EINTR { continue }
                if count < 0 { throw SystemError("read bundle", path, .last) }
                if count == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: input[0..<count])
                hasher.update(bufferPointer: chunk)
                size += Int64(count)
                if let decryptor {
                    try opening { try decryptor.write(chunk) { try decompress($0, decompressor) } }
                } else {
                    try decompress(chunk, decompressor)
                }
            }
            if let decryptor {
                guard size > 0 else { throw BundleError.encrypted(path: path, detail: "the file is empty") }
                try opening { try decryptor.finish { try decompress($0, decompressor) } }
            }
            guard size > 0, decompressor.atFrameEnd else {
                throw BundleError.archive(
                    operation: "decompress", path: path,
                    detail: size == 0 ? "the file is empty" : "the zstd stream is truncated")
            }
            finish(digest: (hasher.finalizeHex(), size), error: nil)
        } catch is Cancelled {
            return
        } catch {
            finish(digest: nil, error: error)
        }
    }

    /// Runs a step of the age decryptor, saying its failures of the bundle: damage
    /// or no usable key.
    private func opening(_ step: () throws -> Void) throws {
        do {
            try step()
        } catch let error as AgeError {
            throw BundleError.opening(path: path, identityPath: identityPath, error)
        }
    }

    /// Decompresses `input` into blocks for the reader.
    /// - Throws: ``Cancelled`` once the reader is gone; ``BundleError`` for a damaged stream.
    private func decompress(_ input: UnsafeRawBufferPointer, _ decompressor: ZstdDecompressor) throws {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            guard let output = takeSpare() else { throw Cancelled() }
            var sink = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let problem = decompressor.decompress(&source, into: &sink)
            hand(Block(buffer: output, count: sink.pos))
            if let problem { throw BundleError.archive(operation: "decompress", path: path, detail: problem) }
            if source.pos == source.size && sink.pos < sink.size { return }
        }
    }

    /// The reader stopped reading; the thread ends quietly.
    private struct Cancelled: Error {}

    /// A free block, waiting for the reader to give one back; nil once cancelled.
    private func takeSpare() -> UnsafeMutableRawBufferPointer? {
        condition.lock()
        defer { condition.unlock() }
        while spare.isEmpty && !cancelled { condition.wait() }
        return cancelled ? nil : spare.removeLast()
    }

    /// Queues a filled block for the reader, or puts an empty one back.
    private func hand(_ block: Block) {
        condition.lock()
        defer { condition.unlock() }
        if block.count > 0 { ready.append(block) } else { spare.append(block.buffer) }
        condition.broadcast()
    }

    private func finish(digest: (sha256: String, size: Int64)?, error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        self.digest = digest
        failure = error
        producing = false
        condition.broadcast()
    }
}
