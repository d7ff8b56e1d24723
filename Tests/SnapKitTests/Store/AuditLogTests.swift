import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct AuditLogTests {
    func logWithEntries(_ count: Int, in directory: TemporaryDirectory) throws -> AuditLog {
        let log = AuditLog(path: directory("audit.log"), storeId: "store-1")
        for index in 0..<count {
            try log.append(
                AuditDraft(
                    argv: ["snap", "create", "\(index)"], action: "create", snapshots: ["s\(index)"],
                    nodes: ["manager_0"], outcome: "ok", durationMs: index))
        }
        return log
    }

    func lines(_ log: AuditLog) throws -> [String] {
        try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func write(_ lines: [String], to log: AuditLog) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: log.path, atomically: false, encoding: .utf8)
    }

    @Test func intactChainVerifies() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(5, in: directory)
        let result = try log.verify()
        #expect(result.ok)
        #expect(result.count == 5)
        #expect(result.headHash == (try log.entries().entries.last?.hash))
    }

    /// Entries whose strings hold what JSON escapes (quotes, backslashes, control
    /// characters, non-ASCII, a `"hash":"` of their own), with and without an error: each
    /// chains, so the hash verify takes from the line's bytes is the one the entry calls for;
    /// and an edit inside such a string is still caught.
    @Test func trickyStringsVerifyAndEditsInThemAreCaught() throws {
        let directory = TemporaryDirectory("audit-tricky")
        let log = AuditLog(path: directory("audit.log"), storeId: "store-t")
        let strings = [
            "quote \" back\\slash", "\"hash\":\"feed\",", "tab\tnew\nline\u{1}", "naïve – 日本", "a/b </script>",
        ]
        for (index, text) in strings.enumerated() {
            try log.append(
                AuditDraft(
                    argv: ["snap", "create", "--note", text], action: "create", snapshots: [text], nodes: [text],
                    outcome: index.isMultiple(of: 2) ? "ok" : "failed", error: index.isMultiple(of: 2) ? nil : text,
                    durationMs: index))
        }
        let result = try log.verify()
        #expect(result.ok && result.count == strings.count, "\(result.problem ?? "")")
        var all = try lines(log)
        all[3] = all[3].replacingOccurrences(of: "naïve", with: "naive")
        try write(all, to: log)
        let edited = try log.verify()
        #expect(!edited.ok && edited.count == 3 && edited.problem?.contains("entry 4") == true)
    }

    @Test func editedEntryIsCaught() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(5, in: directory)
        var all = try lines(log)
        all[2] = all[2].replacingOccurrences(of: "\"outcome\":\"ok\"", with: "\"outcome\":\"failed\"")
        try write(all, to: log)
        let result = try log.verify()
        #expect(!result.ok)
        #expect(result.problem?.contains("entry 3") == true)
        #expect(result.count == 2)
    }

    @Test func deletedEntryIsCaught() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(5, in: directory)
        var all = try lines(log)
        all.remove(at: 1)
        try write(all, to: log)
        let result = try log.verify()
        #expect(!result.ok)
        #expect(result.problem?.contains("removed or reordered") == true)
        #expect(result.count == 1)
    }

    @Test func swappedEntriesAreCaught() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(5, in: directory)
        var all = try lines(log)
        all.swapAt(1, 2)
        try write(all, to: log)
        let result = try log.verify()
        #expect(!result.ok)
        #expect(result.count == 1)
    }

    @Test func rehashedEditBreaksTheNextLink() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(4, in: directory)
        var entries = try log.entries().entries
        entries[1].action = "prune"
        entries[1].hash = try entries[1].computedHash()
        var all = try lines(log)
        all[1] = String(decoding: try entries[1].canonicalLine().dropLast(), as: UTF8.self)
        try write(all, to: log)
        let result = try log.verify()
        #expect(!result.ok)
        #expect(result.problem?.contains("entry 3") == true)
    }

    @Test func tornTailIsReportedThenRepairedByTheNextAppend() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(3, in: directory)
        let handle = try #require(FileHandle(forWritingAtPath: log.path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"seq\":4,\"time\":\"20".utf8))
        try handle.close()
        let torn = try log.verify()
        #expect(torn.ok)
        #expect(torn.count == 3)
        #expect(torn.tornTailBytes == 19)
        let (entry, repaired) = try log.append(AuditDraft(argv: [], action: "verify", outcome: "ok", durationMs: 1))
        #expect(repaired == 19)
        #expect(entry.seq == 4)
        let after = try log.verify()
        #expect(after.ok && after.count == 4 && after.tornTailBytes == 0)
    }

    @Test func logsOfDifferentStoresDoNotChain() throws {
        let directory = TemporaryDirectory("audit")
        let log = try logWithEntries(2, in: directory)
        let other = AuditLog(path: log.path, storeId: "store-2")
        #expect(try !other.verify().ok)
    }
}
