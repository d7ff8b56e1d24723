import Foundation
import Glibc
import SnapTestSupport
import Testing

/// The S3 server the off-site tests copy to (`SeaweedServer`) is a real one: it keeps what
/// rclone copies, refuses wrong credentials and missing buckets, goes away when stopped or
/// killed and comes back with its objects, and two run side by side.
@Suite struct SeaweedServerTests {
    /// One entry of `rclone lsjson`.
    struct Listed: Decodable, Equatable {
        var name: String
        var size: Int

        enum CodingKeys: String, CodingKey {
            case name = "Name"
            case size = "Size"
        }
    }

    @Test func keepsWhatRcloneCopies() throws {
        let server = try SeaweedServer("copy")
        let file = try payload(in: server, bytes: 1000)
        let copy = try server.rclone(["copy", file, "seaweed:\(server.bucket)/dir/"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try listing(server, "dir/") == [Listed(name: "payload.bin", size: 1000)])
        let cat = try server.rclone(["cat", "seaweed:\(server.bucket)/dir/payload.bin"])
        #expect(cat.stdout == String(repeating: "x", count: 1000))

        let attributes = try FileManager.default.attributesOfItem(atPath: server.rcloneConfigPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let config = try String(contentsOfFile: server.rcloneConfigPath, encoding: .utf8)
        #expect(config.hasPrefix("[seaweed]\n"))
        #expect(config.contains("endpoint = \(server.endpoint)\n"))
        #expect(config.contains("secret_access_key = \(server.secretKey)\n"))
    }

    @Test func rcatAndDeletefileTamperWithTheBucket() throws {
        let server = try SeaweedServer("tamper")
        let rcat = try server.rclone(["rcat", "seaweed:\(server.bucket)/x"], input: Data("hello".utf8))
        #expect(rcat.status == 0, "\(rcat.stderr)")
        #expect(try listing(server) == [Listed(name: "x", size: 5)])
        let delete = try server.rclone(["deletefile", "seaweed:\(server.bucket)/x"])
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(try listing(server) == [])
    }

    @Test(arguments: [
        (Credentials.wrongSecret, "SignatureDoesNotMatch"), (.unknownAccessKey, "InvalidAccessKeyId"),
    ])
    func refusesWrongCredentials(_ credentials: Credentials, code: String) throws {
        let server = try SeaweedServer("credentials")
        let (accessKey, secretKey) = credentials.keys(of: server)
        let config = try server.rcloneConfig(remoteName: "seaweed", accessKey: accessKey, secretKey: secretKey)
        let list = try server.rclone(["lsjson", "seaweed:\(server.bucket)"], config: config)
        #expect(list.status == 1)
        #expect(list.stderr.contains(code), "\(list.stderr)")
        // An upload is refused too, though its HEAD request only gets a bare 403.
        let file = try payload(in: server, bytes: 10)
        let copy = try server.rclone(["copyto", file, "seaweed:\(server.bucket)/f"], config: config)
        #expect(copy.status == 1)
        #expect(copy.stderr.contains("403"), "\(copy.stderr)")
        #expect(try listing(server) == [])
    }

    @Test func refusesAMissingBucketWhenRcloneMayNotCreateIt() throws {
        let server = try SeaweedServer("bucket")
        let file = try payload(in: server, bytes: 10)
        let copy = try server.rclone(["copyto", "--s3-no-check-bucket", file, "seaweed:no-such-bucket/f"])
        #expect(copy.status == 1)
        #expect(copy.stderr.contains("NoSuchBucket"), "\(copy.stderr)")
        let list = try server.rclone(["lsjson", "seaweed:no-such-bucket"])
        #expect(list.status == 3)
        #expect(list.stderr.contains("directory not found"), "\(list.stderr)")
    }

    @Test(arguments: [false, true])
    func comesBackWithItsObjects(killed: Bool) throws {
        let server = try SeaweedServer(killed ? "killed" : "stopped")
        let file = try payload(in: server, bytes: 300)
        #expect(try server.rclone(["copy", file, "seaweed:\(server.bucket)/dir/"]).status == 0)
        let ports = server.ports
        if killed { server.kill() } else { server.stop() }
        #expect(!server.isRunning)
        #expect(!ports.contains(where: accepts))
        let down = try server.rclone(["lsjson", "seaweed:\(server.bucket)/dir/"])
        #expect(down.status == 1)
        #expect(down.stderr.contains("connection refused"), "\(down.stderr)")
        server.stop()  // stopping a stopped server does nothing

        try server.start()
        #expect(server.ports == ports)
        #expect(try listing(server, "dir/") == [Listed(name: "payload.bin", size: 300)])
    }

    @Test func twoServersRunSideBySide() throws {
        let first = try SeaweedServer("first")
        let second = try SeaweedServer("second", bucket: "other-bucket")
        #expect(Set(first.ports).isDisjoint(with: second.ports))
        #expect(first.accessKey != second.accessKey)
        let file = try payload(in: first, bytes: 42)
        #expect(try first.rclone(["copy", file, "seaweed:\(first.bucket)/"]).status == 0)
        #expect(try listing(first) == [Listed(name: "payload.bin", size: 42)])
        #expect(try listing(second) == [])
        // Each checks its own keys.
        let crossed = try second.rclone(["lsjson", "seaweed:\(second.bucket)"], config: first.rcloneConfigPath)
        #expect(crossed.status != 0)
        #expect(first.rcloneConfigPath != second.rcloneConfigPath)
    }

    enum Credentials: Sendable, CustomTestStringConvertible {
        case wrongSecret, unknownAccessKey

        func keys(of server: SeaweedServer) -> (String, String) {
            switch self {
            case .wrongSecret: (server.accessKey, String(server.secretKey.reversed()))
            case .unknownAccessKey: ("0123456789abcdef0123456789abcdef", server.secretKey)
            }
        }

        var testDescription: String { self == .wrongSecret ? "wrong secret key" : "unknown access key" }
    }

    /// `payload.bin`, `bytes` long, in the server's directory.
    func payload(in server: SeaweedServer, bytes: Int) throws -> String {
        let path = server.directory("payload.bin")
        try Data(repeating: UInt8(ascii: "x"), count: bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`. (Binding would say
    /// "taken" for a while after weed's end: its own connections linger in TIME_WAIT.)
    func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// The files under `prefix` of the server's bucket, by `rclone lsjson`.
    func listing(_ server: SeaweedServer, _ prefix: String = "") throws -> [Listed] {
        let result = try server.rclone(["lsjson", "--files-only", "seaweed:\(server.bucket)/\(prefix)"])
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode([Listed].self, from: Data(result.stdout.utf8))
    }
}
