import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct CopyTreeTests {
    struct Stop: Error, Equatable {}

    /// A tree with a file bigger than one copy step, a small file, an empty one, a
    /// subdirectory and a link.
    private func makeTree(in directory: TemporaryDirectory) throws -> (source: String, fileBytes: Int) {
        let source = directory.path + "/source"
        try FileManager.default.createDirectory(atPath: source + "/sub", withIntermediateDirectories: true)
        let big = FileOps.copyStep + 12_345
        try Data(repeating: 0x5A, count: big).write(to: URL(fileURLWithPath: source + "/big.DCD"))
        try Data("schema".utf8).write(to: URL(fileURLWithPath: source + "/sub/schema.DAT"))
        try Data().write(to: URL(fileURLWithPath: source + "/empty.LOG"))
        try FileManager.default.createSymbolicLink(atPath: source + "/link", withDestinationPath: "sub/schema.DAT")
        return (source, big + 6)
    }

    @Test func progressTellsEveryPieceAndTheCopyIsExact() throws {
        let directory = TemporaryDirectory("copytree")
        let (source, fileBytes) = try makeTree(in: directory)
        var pieces: [Int] = []
        try FileOps.copyTree(from: source, to: directory.path + "/copy") { pieces.append($0) }
        #expect(pieces.reduce(0, +) == fileBytes)
        #expect(pieces.allSatisfy { $0 <= FileOps.copyStep })
        #expect(pieces.filter { $0 > 0 }.count >= 3)  // the big file in two pieces at least, the small one
        #expect(pieces.filter { $0 == 0 }.count == 3)  // two directories and the link
        let diff = try ProcessRunner.shell("diff -r --no-dereference '\(source)' '\(directory.path)/copy'")
        #expect(diff.status == 0, "\(diff.stdout)")
    }

    @Test func whatProgressThrowsEndsTheCopy() throws {
        let directory = TemporaryDirectory("copytree-stop")
        let (source, _) = try makeTree(in: directory)
        var calls = 0
        #expect(throws: Stop()) {
            try FileOps.copyTree(from: source, to: directory.path + "/copy") { _ in
                calls += 1
                if calls == 2 { throw Stop() }
            }
        }
        #expect(calls == 2)
    }

    @Test func aFIFOIsRefusedWithFileError() throws {
        let directory = TemporaryDirectory("copytree-fifo")
        let source = directory.path + "/source"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        #expect(mkfifo(source + "/pipe", 0o600) == 0)
        let error = #expect(throws: FileError.self) {
            try FileOps.copyTree(from: source, to: directory.path + "/copy")
        }
        #expect(
            error?.description
                == "\(source)/pipe is a special file; a Mnesia directory holds only files, directories and links: "
                + "move it away and try again")
    }
}
