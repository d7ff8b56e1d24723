import Crypto
import Foundation
import Glibc
import SystemPackage

/// One end of the agent protocol's byte stream (the SSH channel's stdin and stdout): frames
/// of one kind byte, a 4-byte big-endian length and the payload.
///
/// Messages are JSON objects; bulk data (a bundle, a dump) travels as data frames ended by an
/// empty one, and the receiver checks its SHA-256 against the sender's. Heartbeats keep a
/// long step (a cold copy, a big bundle) from looking like a dead peer: a peer that sends no
/// frame at all for ``idleLimit`` seconds is given up on.
final class FrameChannel: @unchecked Sendable {
    // Reads happen on one thread at a time (the protocol is request and reply); writes are
    // serialized by `writeLock`, since the heartbeat thread writes too.
    enum Kind: UInt8 {
        case message = 0x4D  // M
        case data = 0x44  // D
        case heartbeat = 0x48  // H
    }

    /// Largest frame accepted: a JSON message with a manifest, or a data chunk.
    static let maximumFrame = 64 << 20
    /// Bytes of bulk data per frame.
    static let chunkSize = 256 << 10

    let input: Int32
    let output: Int32
    /// Seconds without any frame from the peer after which it is given up on (nil: wait).
    var idleLimit: Double?
    /// How errors name the other end (`the agent on leofs@10.0.0.11`).
    let peer: String
    private let writeLock = NSLock()
    /// Set by ``shutDown()``, under `writeLock`.
    private var isShutDown = false
    private var buffer: [UInt8] = []
    private var start = 0

    init(input: Int32, output: Int32, peer: String, idleLimit: Double? = nil) {
        self.input = input
        self.output = output
        self.peer = peer
        self.idleLimit = idleLimit
    }

    // MARK: Writing

    func send(_ kind: Kind, _ payload: UnsafeRawBufferPointer) throws {
        var header = [kind.rawValue, 0, 0, 0, 0]
        let count = UInt32(payload.count)
        for index in 0..<4 { header[1 + index] = UInt8(truncatingIfNeeded: count >> (24 - 8 * index)) }
        writeLock.lock()
        defer { writeLock.unlock() }
        guard !isShutDown else { throw ChannelError.lost(peer: peer, detail: "the connection was closed") }
        try header.withUnsafeBytes { try writeAll($0) }
        try writeAll(payload)
    }

    /// Stops every later write (the heartbeats' too) before the descriptor is closed, so
    /// that no write can reach a descriptor the number is given to next.
    func shutDown() {
        writeLock.lock()
        isShutDown = true
        writeLock.unlock()
    }

    /// Sends a heartbeat every `seconds` on a thread of its own until the peer is gone or
    /// the channel is shut down; then runs `gone`.
    func keepAlive(every seconds: UInt32, then gone: @escaping @Sendable () -> Void = {}) {
        Thread.detachNewThread { [self] in
            while heartbeat() { sleep(seconds) }
            gone()
        }
    }

    /// Sends `value` as a message.
    func send(_ value: some Encodable) throws {
        let bytes = Array(try JSONCoding.encoder().encode(value))
        try bytes.withUnsafeBytes { try send(.message, $0) }
    }

    /// Sends a heartbeat; false once the peer is gone.
    func heartbeat() -> Bool {
        (try? send(.heartbeat, UnsafeRawBufferPointer(start: nil, count: 0))) != nil
    }

    /// Sends the content of `path` as bulk data.
    /// - Returns: its SHA-256 and size, as sent.
    @discardableResult
    func sendData(ofFile path: String) throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        try FileOps.readChunks(path, chunkSize: Self.chunkSize) { chunk in
            try send(.data, chunk)
            hasher.update(bufferPointer: chunk)
            size += Int64(chunk.count)
        }
        try send(.data, UnsafeRawBufferPointer(start: nil, count: 0))
        return (hasher.finalize().hexString, size)
    }

    /// Sends what `produce` hands over as bulk data, in frames of at most ``chunkSize``.
    /// When `produce` throws after some bytes went, the stream is left unfinished: the
    /// connection must be dropped, and the receiver discards what it got.
    func sendData(_ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try produce { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = min(Self.chunkSize, bytes.count - offset)
                try send(.data, UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
                offset += count
            }
        }
        try send(.data, UnsafeRawBufferPointer(start: nil, count: 0))
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            // A socket (the coordinator's end) reports a vanished peer as EPIPE, not SIGPIPE.
            var written = Glibc.send(output, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written < 0 && errno == ENOTSOCK { written = Glibc.write(output, base + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ChannelError.lost(peer: peer, detail: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    // MARK: Reading

    /// The next frame that is not a heartbeat.
    func receive() throws -> (kind: Kind, payload: [UInt8]) {
        while true {
            let header = try take(5)
            guard let kind = Kind(rawValue: header[0]) else {
                throw ChannelError.garbled(peer: peer, detail: "frame kind \(header[0])")
            }
            let count = header[1...4].reduce(0) { $0 << 8 | Int($1) }
            guard count <= Self.maximumFrame else {
                throw ChannelError.garbled(peer: peer, detail: "a frame of \(count) bytes")
            }
            let payload = try take(count)
            if kind != .heartbeat { return (kind, payload) }
        }
    }

    /// The next message, decoded.
    func receive<T: Decodable>(_ type: T.Type) throws -> T {
        let frame = try receive()
        guard frame.kind == .message else {
            throw ChannelError.garbled(peer: peer, detail: "data where a message was expected")
        }
        do {
            return try JSONCoding.decoder().decode(type, from: Data(frame.payload))
        } catch {
            throw ChannelError.garbled(peer: peer, detail: "a message that does not decode: \(error)")
        }
    }

    /// Receives bulk data into `fd`. A write that fails (a full disk) still reads the
    /// stream to its end, so that the channel stays in step, and then throws.
    /// - Returns: its SHA-256 and size, as received.
    func receiveData(into fd: Int32, path: String) throws -> (sha256: String, size: Int64) {
        try receiveData { try FileOps.writeAll(FileDescriptor(rawValue: fd), $0, path: path) }
    }

    /// Receives bulk data into `write`. A write that fails (a full disk) still reads the
    /// stream to its end, so that the channel stays in step, and then throws.
    /// - Returns: its SHA-256 and size, as received.
    func receiveData(_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        var writeError: (any Error)?
        while true {
            let frame = try receive()
            guard frame.kind == .data else {
                throw ChannelError.garbled(peer: peer, detail: "a message inside a data stream")
            }
            if frame.payload.isEmpty { break }
            if writeError != nil { continue }
            do {
                try frame.payload.withUnsafeBytes { try write($0) }
            } catch {
                writeError = error
                continue
            }
            frame.payload.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            size += Int64(frame.payload.count)
        }
        if let writeError { throw writeError }
        return (hasher.finalize().hexString, size)
    }

    /// Exactly `count` bytes, waiting at most ``idleLimit`` for each read.
    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count - start < count {
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                start = 0
            }
            if let idleLimit {
                var poller = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(min(idleLimit * 1000, Double(Int32.max))))
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw ChannelError.lost(peer: peer, detail: String(cString: strerror(errno)))
                }
                if ready == 0 { throw ChannelError.silent(peer: peer, seconds: idleLimit) }
            }
            var chunk = [UInt8](repeating: 0, count: Self.chunkSize + 5)
            let got = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ChannelError.lost(peer: peer, detail: String(cString: strerror(errno)))
            }
            if got == 0 { throw ChannelError.lost(peer: peer, detail: "the connection closed") }
            buffer.append(contentsOf: chunk[0..<got])
        }
        let taken = Array(buffer[start..<start + count])
        start += count
        return taken
    }
}

/// The agent protocol's stream failed.
package enum ChannelError: SnapFailure, Equatable {
    /// The other end went away (the connection closed, the process died).
    case lost(peer: String, detail: String)
    /// Nothing came for the deadline.
    case silent(peer: String, seconds: Double)
    /// Bytes that are not the protocol.
    case garbled(peer: String, detail: String)

    package var description: String {
        switch self {
        case let .lost(peer, detail): return "lost the connection to \(peer): \(detail)"
        case let .silent(peer, seconds):
            return "\(peer) sent nothing for \(Int(seconds)) s and was given up on; check the host and the network"
        case let .garbled(peer, detail): return "\(peer) does not speak snap's agent protocol: \(detail)"
        }
    }
}
