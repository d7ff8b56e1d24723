import Foundation
import SnapTestSupport
import Testing

@Suite struct AuditTamperTests {
    enum Tamper: String, CaseIterable, Sendable { case edit, delete, swap }

    @Test(arguments: Tamper.allCases)
    func tamperingIsCaughtWithExit4(kind: Tamper) throws {
        let fixture = try StoreFixture("audit-\(kind.rawValue)")
        for _ in 0..<3 { try fixture.create() }
        let path = fixture.store + "/audit.log"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        switch kind {
        case .edit: lines[2] = lines[2].replacingOccurrences(of: "\"user\":\"", with: "\"user\":\"mallory-")
        case .delete: lines.remove(at: 2)
        case .swap: lines.swapAt(1, 2)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let result = try fixture.snap(["audit", "verify"])
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("fails verification"))
        let named: String =
            switch kind {
            case .edit: "entry 3"
            case .delete: "entry 4"
            case .swap: "entry 3"
            }
        #expect(result.stderr.contains(named), "\(result.stderr)")
    }

    @Test func intactLogPrintsHeadAndCount() throws {
        let fixture = try StoreFixture("audit-ok")
        try fixture.create()
        let result = try fixture.snap(["audit", "verify", "--json"])
        #expect(result.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["verified"] as? Int == 2)
        #expect(report["head_seq"] as? Int == 3)
        #expect((report["head_hash"] as? String)?.count == 64)
        let history = try fixture.snap(["history", "--action", "audit-verify", "--json"])
        #expect(history.stdout.contains(report["head_hash"] as? String ?? "-"))
    }
}
