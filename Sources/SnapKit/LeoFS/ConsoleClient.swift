import Foundation
import Glibc

/// The manager's text console (what `leofs-adm` talks to): one command per line, replies
/// in CRLF lines with no end marker.
struct ConsoleClient: Sendable {
    var host: String
    var port: Int
    /// Deadline for connecting and for the whole exchange.
    var timeout: Double
    /// For messages: the manager's name.
    var node: String

    init(host: String, port: Int, timeout: Double, node: String) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.node = node
    }

    init(_ manager: ManagerNode, timeout: Double? = nil) {
        self.init(
            host: manager.consoleHost, port: manager.consolePort, timeout: timeout ?? min(manager.timeout, 30),
            node: manager.name)
    }

    private var address: String { "\(host):\(port)" }

    /// Sends one command, half-closes, and reads until the server closes or the deadline.
    /// - Returns: the reply with CRLF turned into LF.
    /// - Throws: ``LeoFSError/console(node:address:detail:)`` when the console cannot be
    ///   reached or does not answer in time.
    func send(_ command: String) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot create a socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw failure("not an IPv4 address") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected != 0 {
            guard errno == EINPROGRESS else { throw failure(String(cString: strerror(errno))) }
            try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "connecting")
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw failure(String(cString: strerror(error))) }
        }
        let request = Array((command + "\n").utf8)
        var sent = 0
        while sent < request.count {
            try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "sending")
            let count = request.withUnsafeBytes { bytes in
                Glibc.send(fd, bytes.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno != EAGAIN { throw failure(String(cString: strerror(errno))) }
            if count > 0 { sent += count }
        }
        shutdown(fd, Int32(SHUT_WR))
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            try wait(
                fd, for: Int16(POLLIN), until: deadline, doing: "waiting for the reply to \(command.debugDescription)")
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw failure(String(cString: strerror(errno)))
            }
            reply += buffer[0..<count]
            guard reply.count < 64 << 20 else { throw failure("reply larger than 64 MiB") }
        }
        return String(decoding: reply, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    private func wait(_ fd: Int32, for events: Int16, until deadline: Date, doing what: String) throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw failure("no answer within \(Int(timeout)) s while \(what)") }
            var item = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&item, 1, Int32(remaining * 1000) + 1)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw failure(String(cString: strerror(errno))) }
        }
    }

    private func failure(_ detail: String) -> LeoFSError {
        .console(node: node, address: address, detail: detail)
    }
}

/// What `status` says about the cluster.
package struct ClusterStatus: Codable, Sendable, Equatable {
    package var clusterId: String?
    package var currentRingHash: String?
    package var previousRingHash: String?

    /// Reads the ` [System Confiuration]` table (sic) of a `status` reply.
    package init(parsing reply: String) {
        func value(_ item: String) -> String? {
            for line in reply.split(separator: "\n") {
                let cells = line.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.count == 2, cells[0] == item, !cells[1].isEmpty { return cells[1] }
            }
            return nil
        }
        clusterId = value("cluster Id")
        currentRingHash = value("current ring-hash")
        previousRingHash = value("previous ring-hash")
    }
}
