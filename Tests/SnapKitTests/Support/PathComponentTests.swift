import Foundation
import SnapKit
import Testing

@Suite struct PathComponentTests {
    @Test(arguments: [
        ("/a/b", "/a", "b"), ("/a", "/", "a"), ("a", "", "a"), ("s", "", "s"), ("/", "/", "/"),
        ("a/b/", "a", "b"), ("/var/lib/snap/", "/var/lib", "snap"), ("a//b", "a", "b"), ("./k", ".", "k"),
        ("", "", ""), ("/s", "/", "s"),
    ])
    func partsOfAPath(path: String, parent: String, last: String) {
        #expect(FileOps.parent(of: path) == parent)
        #expect(FileOps.lastComponent(of: path) == last)
    }

    /// Where Linux Foundation does not crash (paths longer than one character), the answers
    /// are NSString's.
    @Test(arguments: ["/a/b", "/ab", "ab/cd/", "/var/lib/snap", "x/y", "./store", "../k.txt", "/"])
    func agreesWithNSString(path: String) {
        #expect(FileOps.parent(of: path) == (path as NSString).deletingLastPathComponent)
        #expect(FileOps.lastComponent(of: path) == (path as NSString).lastPathComponent)
    }
}
