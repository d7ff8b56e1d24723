import Foundation
import SnapTestSupport
import Testing

/// One C2SP age test vector from `testkit/`: its textual header and the age file after it.
struct AgeVector {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testkit")
        .path
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0 != "README.md" }.sorted()
    }()

    let name: String
    var expect = ""
    var payload: String?
    var identities: [String] = []
    var passphrases: [String] = []
    var armored = false
    var file: [UInt8] = []

    init(_ name: String) throws {
        self.name = name
        let path = Self.folder + "/" + name
        let contents = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var start = 0
        var compressed = false
        while let end = contents[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: contents[start..<end], as: UTF8.self)
            start = end + 1
            if line.isEmpty { break }
            let (key, value) = try #require(Self.split(line))
            switch key {
            case "expect": expect = value
            case "payload": payload = value
            case "identity": identities.append(value)
            case "passphrase": passphrases.append(value)
            case "armored": armored = value == "yes"
            case "compressed":
                #expect(value == "zlib")
                compressed = true
            case "file key", "comment": break
            default: Issue.record("\(name): unknown key \(key)")
            }
        }
        file = compressed ? try Self.inflate(path) : Array(contents[start...])
    }

    private static func split(_ line: String) -> (String, String)? {
        guard let colon = line.range(of: ": ") else { return nil }
        return (String(line[..<colon.lowerBound]), String(line[colon.upperBound...]))
    }

    /// The zlib-compressed file after the textual header, inflated by python3's zlib.
    private static func inflate(_ path: String) throws -> [UInt8] {
        let directory = TemporaryDirectory("age-vector")
        let script = """
            import sys, zlib
            data = open(sys.argv[1], 'rb').read()
            open(sys.argv[2], 'wb').write(zlib.decompress(data[data.index(b'\\n\\n') + 2:]))
            """
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, path, directory("out")])
        try #require(result.status == 0, "python3 zlib: \(result.stderr)")
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory("out"))))
    }
}
