import Foundation
import SnapTestSupport
import Testing

/// The stand-in must reproduce the traps of LEOFS.md, or the tests that rely on it prove nothing.
@Suite struct StandinTrapTests {
    @Test func filesUnderAnotherNodeNameNeverLoadTheirTables() throws {
        let original = try StandinPair("trap-original")
        try original.start()
        try original.stop()
        let renamed = try StandinPair("trap-renamed", tableWait: 3)
        for index in 0..<2 {
            try FileManager.default.removeItem(atPath: renamed.mnesia(index))
            try FileManager.default.copyItem(atPath: original.mnesia(index), toPath: renamed.mnesia(index))
        }
        // `start` itself reports nothing wrong...
        #expect(try renamed.control(0, ["start"]).status == 0)
        #expect(try renamed.control(1, ["start"]).status == 0)
        // ...but the tables never load and the node stops itself after the table wait.
        let ready = try renamed.control(0, ["wait_ready"])
        #expect(ready.status != 0)
        var stopped = false
        for _ in 0..<100 where !stopped {
            stopped = try renamed.control(0, ["ping"]).status != 0
            if !stopped { usleep(100_000) }
        }
        #expect(stopped)
    }

    @Test func controlScriptExitCodesLieAsTheRealOnesDo() throws {
        let pair = try StandinPair("trap-exit-codes")
        try pair.start()
        let usage = try pair.control(0, ["dump-mnesia-data"])
        #expect(usage.status == 0)
        #expect(usage.stdout.contains("Usage"))
        #expect(try pair.control(0, ["dump-mnesia-data", "/nonexistent/dir/dump"]).status == 1)
        let dump = pair.directory("dump.txt")
        #expect(try pair.control(0, ["dump-mnesia-data", dump]).status == 0)
        let load = try pair.control(0, ["load-mnesia-data", dump])
        #expect(load.status == 1)
        #expect(load.stdout.contains("{atomic,ok}"))
        let again = try pair.control(0, ["start"])
        #expect(again.status == 1)
        #expect(again.stdout.contains("Node is already running!"))
        try pair.stop()
        #expect(try pair.control(0, ["stop"]).status == 1)
        #expect(try pair.control(0, ["ping"]).status != 0)
    }

    @Test func consoleSpeaksCRLFAndKnowsItsCommands() throws {
        let pair = try StandinPair("trap-console")
        try pair.start()
        let reply = try Console.exchange(
            port: pair.consolePort(0), "status\r\nfrobnicate\nupdate-managers a@h b@h\nquit\n")
        #expect(reply.contains(" [System Confiuration]\r\n"))
        #expect(reply.contains("cluster Id"))
        #expect(reply.contains("current ring-hash"))
        #expect(reply.contains("[ERROR] Command not exist\r\n"))
        #expect(reply.contains("OK\r\n"))
        #expect(reply.hasSuffix("BYE\r\n"))
        let hashes = try [0, 1].map { index in
            try pair.console(index, "status").components(separatedBy: "\r\n").first { $0.contains("current ring-hash") }
        }
        #expect(hashes[0] != nil && hashes[0] == hashes[1], "\(hashes)")
    }
}
