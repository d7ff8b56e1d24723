import Foundation
import Testing

@testable import SnapKit

/// What a restricted agent (`snap agent --home`) lets through: the console commands snap
/// sends, node names, paths inside the homes it serves; nothing that a line break, `..`,
/// a prefix or a link would smuggle past.
@Suite struct AgentGuardTests {
    @Test(arguments: [
        ("status", true), ("update-managers m0@10.0.0.1 m1@10.0.0.2", true),
        ("update-managers a b\ndelete-bucket x", false), ("status\ndelete-user alice", false),
        ("delete-bucket photos", false), ("update-managers m0@10.0.0.1", false),
        ("update-managers m0@10.0.0.1 m1@10.0.0.2 extra", false), ("update-managers m0@h m1@h;rm", false),
    ])
    func consoleCommands(command: String, allowed: Bool) {
        #expect(Agent.isAllowedConsoleCommand(command) == allowed)
    }

    @Test func nodeNames() {
        #expect(Agent.isNodeName("manager_1@10.0.0.12"))
        #expect(Agent.isNodeName("m0-x.y@host.example:1"))
        #expect(!Agent.isNodeName("manager_1@10.0.0.12\ndistributed_cookie = known"))
        #expect(!Agent.isNodeName("manager_1"))
        #expect(!Agent.isNodeName("a@b@c"))
        #expect(!Agent.isNodeName("a b@c"))
    }

    @Test func pathsInsideAHome() throws {
        let base = FileManager.default.temporaryDirectory.path + "/snap-guard-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/home/work", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/homer", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: base + "/home/work/out", withDestinationPath: base + "/homer")
        let home = Agent.realPath(base + "/home")
        #expect(Agent.isInside(base + "/home/work", home))
        #expect(Agent.isInside(base + "/home/work/not-yet/file", home))  // a path to be made
        #expect(!Agent.isInside(base + "/homer", home))  // a prefix is not inside
        #expect(!Agent.isInside(base + "/home/work/out/x", home))  // nor a link out
        #expect(!Agent.isInside(base + "/home/work/../../homer", home))
        #expect(!Agent.isInside(base + "/home/work/missing/../../../homer", home))
    }
}
