import Foundation
import Glibc
import SnapKit
import SnapTestSupport
import Testing

/// `snap create --from-dir DIR --node N [--dump FILE]` on directories and dumps an operator
/// would not expect: every one is either archived and given back byte for byte by `extract`,
/// or refused at once with a message naming the file; never silently changed, and never a
/// snapshot that cannot be restored.
@Suite(.tally("create")) struct HostileCaptureTests {
    /// A store and a small Mnesia-like directory (no Erlang needed: with `--allow-incomplete`,
    /// `--from-dir` archives whatever the directory holds; this one has a schema and no table
    /// files, and what is tested here is every name, link and dump that could be in one).
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        var store: String { directory("store") }
        var mnesia: String { directory("mnesia") }

        init(_ label: String) throws {
            directory = TemporaryDirectory(label)
            try FileManager.default.createDirectory(atPath: directory("mnesia"), withIntermediateDirectories: true)
            try Data((0..<2048).map { UInt8($0 % 256) }).write(to: URL(fileURLWithPath: directory("mnesia/schema.DAT")))
            try Data("log".utf8).write(to: URL(fileURLWithPath: directory("mnesia/LATEST.LOG")))
            try #require(try snap(["init"]).status == 0)
        }

        @discardableResult
        func snap(_ arguments: [String]) throws -> ProcessResult {
            try SnapBinary.run(arguments + ["--store", store], directory: directory.path)
        }

        func create(_ extra: [String] = []) throws -> ProcessResult {
            try snap(["create", "--from-dir", mnesia, "--node", "manager_0", "--allow-incomplete"] + extra)
        }

        /// Nothing was recorded and no temporary file is left in the store.
        func expectNothingStored() throws {
            let list = try snap(["list", "--json"])
            let records = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any]
            #expect(records?.isEmpty == true, "\(list.stdout)")
            for sub in ["", "/bundles", "/snapshots"] {
                let leftovers = try FileOps.listDirectory(store + sub).filter { $0.hasPrefix(".tmp-") }
                #expect(leftovers.isEmpty, "left in \(store + sub): \(leftovers)")
            }
        }

        /// Extracts the newest snapshot and checks every captured file came back byte for
        /// byte, by `cmp` and by `sha256sum -c` on the `SHA256SUMS` snap wrote.
        func expectRoundTrip() throws {
            let target = directory("extracted")
            let extract = try snap(["extract", "latest", "--to", target])
            try #require(extract.status == 0, "\(extract.stderr)")
            let compare = try ProcessRunner.run(
                "/usr/bin/diff", ["-r", "--no-dereference", mnesia, target + "/mnesia"])
            #expect(compare.status == 0, "\(compare.stdout)\(compare.stderr)")
            let sums = try ProcessRunner.shell("sha256sum --quiet -c SHA256SUMS", directory: target)
            #expect(sums.status == 0, "\(sums.stdout)\(sums.stderr)")
            #expect(try snap(["verify", "latest"]).status == 0)
        }
    }

    /// Creates a file whose name is exactly `name` (any bytes) in `directory`.
    static func makeFile(in directory: String, named name: [UInt8], content: String = "content") throws {
        let path = Array(directory.utf8) + [UInt8(ascii: "/")] + name + [0]
        let fd = path.map { CChar(bitPattern: $0) }.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) } ?? -1
        }
        try #require(fd >= 0, "create \(name): errno \(errno)")
        _ = Array(content.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// A standard error that is one line, with no byte a terminal would act on.
    static func expectOneCleanLine(_ stderr: String) {
        #expect(stderr.hasSuffix("\n") && stderr.dropLast().allSatisfy { $0 != "\n" }, "\(stderr.debugDescription)")
        #expect(!stderr.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" || $0 == "\t" })
    }

    // MARK: Names

    @Test(arguments: [
        ("newline", Array("LATEST\n.LOG".utf8), #"LATEST\n.LOG""#),
        ("carriage return", Array("schema\r.DAT".utf8), #"schema\r.DAT""#),
        ("tab", Array("tab\tname".utf8), #"tab\tname""#),
        ("escape sequence", Array("\u{1B}[31mred.DCD".utf8), #"\u{1B}[31mred.DCD""#),
        ("DEL", Array("del\u{7F}.DCD".utf8), #"del\u{7F}.DCD""#),
        ("invalid UTF-8", Array("bad".utf8) + [0xFF, 0xFE] + Array(".DCD".utf8), #"bad\xFF\xFE.DCD""#),
        ("truncated UTF-8", Array("cut".utf8) + [0xC3], #"cut\xC3""#),
        // libarchive converts names through the C locale snap runs in: these crashed `create`.
        ("not ASCII", Array("ünï©ödé.DCD".utf8), "ünï©ödé.DCD: its name is not ASCII"),
    ])
    func namesExtractCouldNotGiveBackAreRefused(label: String, name: [UInt8], shown: String) throws {
        let fixture = try Fixture("hostile-name")
        try Self.makeFile(in: fixture.mnesia, named: name)
        let result = try fixture.create()
        #expect(result.status == 1)
        #expect(result.stderr.contains(shown), "\(result.stderr)")
        #expect(result.stderr.contains(fixture.mnesia), "names the directory: \(result.stderr)")
        Self.expectOneCleanLine(result.stderr)
        try fixture.expectNothingStored()
        HostileTally.refused("create")
    }

    @Test(arguments: [
        "back\\slash.DCD", "a\\nb.DCD", "trailing\\", "with space.DCD", "q\"uo'te.DCD", "-rf",
        "*?[x].DAT", "100%.LOG", "$(reboot)", String(repeating: "x", count: 251) + ".DAT",
    ])
    func unusualButPrintableNamesComeBackByteForByte(name: String) throws {
        let fixture = try Fixture("odd-name")
        try Self.makeFile(in: fixture.mnesia, named: Array(name.utf8), content: "odd \(name)")
        let result = try fixture.create()
        try #require(result.status == 0, "\(result.stderr)")
        try fixture.expectRoundTrip()
        let files = try fixture.snap(["show", "latest", "--files"])
        #expect(files.stdout.split(separator: "\n").filter { $0.hasSuffix("mnesia/" + name) }.count == 1)
        HostileTally.roundTripped("create")
    }

    @Test func newlinesInNodeAndNoteAreShownEscapedOnOneLine() throws {
        let fixture = try Fixture("newline-node")
        let result = try fixture.snap([
            "create", "--from-dir", fixture.mnesia, "--allow-incomplete", "--node", "manager_0\nFAKE  v9", "--note",
            "one\ntwo \u{1B}[2J",
        ])
        try #require(result.status == 0, "\(result.stderr)")
        let list = try fixture.snap(["list"])
        #expect(list.stdout.split(separator: "\n").count == 2, "\(list.stdout)")
        #expect(list.stdout.contains(#""manager_0\nFAKE  v9""#))
        let show = try fixture.snap(["show", "latest"])
        #expect(show.stdout.contains(#"note          "one\ntwo \u{1B}[2J""#), "\(show.stdout)")
        #expect(!show.stdout.contains("\u{1B}"))
        // The JSON keeps the exact value.
        let json = try fixture.snap(["list", "--json"])
        let records = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(records?.first?["node"] as? String == "manager_0\nFAKE  v9")
        HostileTally.roundTripped("create")
    }

    @Test func aLinkTargetOutsideAsciiIsRefused() throws {
        let fixture = try Fixture("link-utf8")
        try FileManager.default.createSymbolicLink(atPath: fixture.mnesia + "/link", withDestinationPath: "tärget")
        let result = try fixture.create()
        #expect(result.status == 1)
        #expect(result.stderr.contains("link: its link target is not ASCII"), "\(result.stderr)")
        try fixture.expectNothingStored()
        HostileTally.refused("create")
    }

    /// Links an extract would refuse are refused when captured, not found out at restore.
    @Test(arguments: [
        ("/etc", "link to an absolute path"), ("../outside", "points outside the target"),
        ("sub/../../x", "points outside the target"), ("dirlink/file", "goes through another link"),
    ])
    func aLinkNoExtractCouldGiveBackIsRefused(target: String, message: String) throws {
        let fixture = try Fixture("link-out")
        try FileManager.default.createSymbolicLink(atPath: fixture.mnesia + "/dirlink", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: fixture.mnesia + "/zlink", withDestinationPath: target)
        let result = try fixture.create()
        #expect(result.status == 1)
        #expect(result.stderr.contains("mnesia/zlink: "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        try fixture.expectNothingStored()
        HostileTally.refused("create")
    }

    @Test func aLinkInsideTheDirectoryRoundTrips() throws {
        let fixture = try Fixture("link-in")
        try FileManager.default.createSymbolicLink(
            atPath: fixture.mnesia + "/alias.DAT", withDestinationPath: "schema.DAT")
        let result = try fixture.create()
        #expect(result.status == 0, "\(result.stderr)")
        let target = fixture.directory("out")
        let extract = try fixture.snap(["extract", "latest", "--to", target])
        #expect(extract.status == 0, "\(extract.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/mnesia/alias.DAT") == "schema.DAT")
        HostileTally.roundTripped("create")
    }

    @Test func aFifoIsRefused() throws {
        let fixture = try Fixture("fifo")
        try #require(mkfifo(fixture.mnesia + "/pipe", 0o600) == 0)
        let result = try fixture.create()
        #expect(result.status == 1)
        #expect(result.stderr.contains("pipe is a FIFO"), "\(result.stderr)")
        try fixture.expectNothingStored()
        HostileTally.refused("create")
    }

    // MARK: Deep trees

    /// `levels` nested directories named `name` under the Mnesia directory, with a file at
    /// the bottom; made relative to each level, since the full path may pass PATH_MAX.
    static func makeDeepTree(in directory: String, levels: Int, name: String) throws {
        let script = """
            import os
            os.chdir('\(directory)')
            for _ in range(\(levels)):
                os.mkdir('\(name)'); os.chdir('\(name)')
            open('leaf', 'w').write('bottom')
            """
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script])
        try #require(result.status == 0, "\(result.stderr)")
    }

    @Test func threeHundredLevelsComeBack() throws {
        let fixture = try Fixture("deep-300")
        try Self.makeDeepTree(in: fixture.mnesia, levels: 300, name: "d")
        let result = try fixture.create()
        try #require(result.status == 0, "\(result.stderr)")
        try fixture.expectRoundTrip()
        HostileTally.roundTripped("create")
    }

    @Test func twoThousandLevelsPastPathMaxAreRefused() throws {
        let fixture = try Fixture("deep-2000")
        // `rm` walks by descriptor; the temporary directory's own cleanup cannot go this deep.
        defer { _ = try? ProcessRunner.run("/bin/rm", ["-rf", fixture.mnesia + "/level"]) }
        try Self.makeDeepTree(in: fixture.mnesia, levels: 2000, name: "level")
        let result = try fixture.create()
        #expect(result.status == 1)
        #expect(result.stderr.contains("path is longer than 4095 bytes"), "\(result.stderr)")
        #expect(result.stderr.count < 600, "the message shows the path shortened")
        Self.expectOneCleanLine(result.stderr)
        try fixture.expectNothingStored()
        HostileTally.refused("create")
    }

    // MARK: Dumps

    /// A dump holding one declared table `t` and then `rows`.
    static func dump(_ rows: String) -> String {
        "{tables,[{t,[{record_name,t},{attributes,[k,v]}]}]}.\n" + rows
    }

    @Test(arguments: [
        ("double quote", dump("{t,1,\"never closed}.\n{t,2,x}.\n"), "string never closed", 2),
        ("single quote", dump("{t,'never closed,1}.\n"), "quoted atom never closed", 2),
        ("bracket", dump("{t,1,[a,b}.\n"), "does not match", 2),
        ("no closing dot", dump("{t,1,x}\n"), "term has no closing `.`", 2),
        ("cut mid-term", dump("{t,1,{a,b"), "brackets never closed", 2),
        ("deep nesting", dump("{t,1," + String(repeating: "[", count: 100_000)), "nested deeper than 10000", 2),
        ("not a dump", "GET / HTTP/1.1\r\n", "expected `{` to start a term", 1),
    ])
    func damagedDumpsAreRefusedNamingFileAndLine(label: String, text: String, message: String, line: Int) throws {
        let fixture = try Fixture("dump-bad")
        let dump = fixture.directory("mnesia.dump")
        try Data(text.utf8).write(to: URL(fileURLWithPath: dump))
        let result = try fixture.create(["--dump", dump])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(dump):\(line): "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        try fixture.expectNothingStored()
        // The bundle is built while the dump is read, and must not land either.
        #expect(try FileOps.listDirectory(fixture.store + "/bundles").isEmpty)
        HostileTally.refused("create")
    }

    @Test func aDumpTermPastTheLimitIsRefusedWithoutReadingOn() throws {
        let fixture = try Fixture("dump-huge")
        let dump = fixture.directory("mnesia.dump")
        #expect(FileManager.default.createFile(atPath: dump, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: dump))
        handle.write(Data(Self.dump("{t,1,<<\"").utf8))
        let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<70 { handle.write(block) }
        handle.write(Data("\">>}.\n".utf8))
        try handle.close()
        let result = try fixture.create(["--dump", dump])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(dump):2: the term starting here is longer than"), "\(result.stderr)")
        try fixture.expectNothingStored()
        HostileTally.refused("create")
    }

    @Test func aTenMegabyteTermAndOddBytesInLiteralsAreRead() throws {
        let fixture = try Fixture("dump-10mb")
        let dump = fixture.directory("mnesia.dump")
        var text = Array(Self.dump("{t,1,<<\"").utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: 10 << 20)
        text += Array("\">>}.\n{t,2,\"nul \u{0} and \"}.\n{t,3,<<\"".utf8) + [0xFF, 0xC3] + Array("\">>}.\n".utf8)
        try Data(text).write(to: URL(fileURLWithPath: dump))
        let result = try fixture.create(["--dump", dump, "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let tables = try #require(records?.first?["tables"] as? [[String: Any]])
        #expect(tables.first?["name"] as? String == "t")
        #expect(tables.first?["rows"] as? Int == 3)
        let target = fixture.directory("extracted")
        #expect(try fixture.snap(["extract", "latest", "--to", target]).status == 0)
        #expect(try FileOps.readFile(target + "/dump/mnesia.dump") == text)
        HostileTally.roundTripped("create")
    }
}
