import Crypto
import Foundation
import Glibc
import Testing

@testable import SnapKit

/// The agent protocol's framing over a socket pair: messages, bulk data checked by SHA-256,
/// heartbeats that keep a quiet peer alive, and a silent one given up on.
@Suite struct FrameChannelTests {
    /// Two channels on the ends of a socket pair.
    final class Pair: @unchecked Sendable {
        // Set once in init; deinit runs once.
        let near: FrameChannel
        let far: FrameChannel
        let fds: [Int32]

        init(idleLimit: Double? = 5) {
            var pair: [Int32] = [-1, -1]
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)
            fds = pair
            near = FrameChannel(input: pair[0], output: pair[0], peer: "near", idleLimit: idleLimit)
            far = FrameChannel(input: pair[1], output: pair[1], peer: "far", idleLimit: idleLimit)
        }

        deinit {
            near.shutDown()
            far.shutDown()
            fds.forEach { close($0) }
        }
    }

    @Test func messagesAndDataArriveWhole() throws {
        let pair = Pair()
        let file = FileManager.default.temporaryDirectory.path + "/snap-frames-" + UUID().uuidString
        let content = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        let sender = Thread { [pair] in
            var request = AgentRequest(.unpack)
            request.text = "hello"
            try? pair.near.send(request)
            _ = try? pair.near.sendData(ofFile: file)
        }
        sender.start()
        let received = try pair.far.receive(AgentRequest.self)
        #expect(received.op == .unpack && received.text == "hello")
        let copy = file + ".copy"
        let fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer {
            close(fd)
            unlink(copy)
        }
        let digest = try pair.far.receiveData(into: fd, path: copy)
        #expect(digest.size == Int64(content.count))
        #expect(digest.sha256 == SHA256.hex(of: content))
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: copy))) == content)
    }

    @Test func heartbeatsKeepAQuietPeerAliveAndSilenceIsGivenUpOn() throws {
        let pair = Pair(idleLimit: 1)
        pair.near.keepAlive(every: 0)
        let late = Thread { [pair] in
            Thread.sleep(forTimeInterval: 2.5)  // longer than the idle limit, heartbeats meanwhile
            try? pair.near.send(AgentReply())
        }
        late.start()
        _ = try pair.far.receive(AgentReply.self)
        pair.near.shutDown()  // no more heartbeats, nor anything else
        #expect(throws: ChannelError.silent(peer: "far", seconds: 1)) { try pair.far.receive() }
    }

    @Test func aFailedWriteStillReadsTheStreamToItsEnd() throws {
        let pair = Pair()
        let file = FileManager.default.temporaryDirectory.path + "/snap-frames-" + UUID().uuidString
        try Data(repeating: 7, count: 600_000).write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        let sender = Thread { [pair] in
            _ = try? pair.near.sendData(ofFile: file)
            try? pair.near.send(AgentReply())
        }
        sender.start()
        // A descriptor that cannot be written: the stream is read on, then the error thrown.
        #expect(throws: SystemError.self) { try pair.far.receiveData(into: -1, path: "/nowhere") }
        _ = try pair.far.receive(AgentReply.self)  // still in step
    }

    @Test func aShutDownChannelWritesNothing() {
        let pair = Pair()
        pair.near.shutDown()
        #expect(!pair.near.heartbeat())
        #expect(throws: ChannelError.self) { try pair.near.send(AgentReply()) }
    }
}
