import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct LeoManagerConfTests {
    static let stock = """
        ## Name of the manager node
        nodename = manager_1@10.0.0.2
          # indented comment
        manager.partner   =   manager_0@10.0.0.1

        distributed_cookie = 401321b4
        console.bind_address = localhost
        console.port.cui = 10011
        mnesia.dir = ./work/mnesia/127.0.0.1
        system.cluster_id = leofs_7
        """

    @Test func readsKeysCommentsAndOverrides() throws {
        let directory = TemporaryDirectory("conf")
        let home = directory("leo_manager_1")
        try FileManager.default.createDirectory(atPath: home + "/etc/leo_manager.d", withIntermediateDirectories: true)
        try Self.stock.write(toFile: home + "/etc/leo_manager.conf", atomically: true, encoding: .utf8)
        try "## later files win\nconsole.port.cui = 20011\n".write(
            toFile: home + "/etc/leo_manager.d/50-port.conf", atomically: true, encoding: .utf8)
        try "mnesia.dir = /srv/mnesia\n".write(
            toFile: home + "/etc/leo_manager.d/90-dir.conf", atomically: true, encoding: .utf8)
        let node = try ManagerNode.resolve(ManagerEntry(name: "manager_1", home: home, overrides: [:]))
        #expect(node.nodename == "manager_1@10.0.0.2")
        #expect(node.partner == "manager_0@10.0.0.1")
        #expect(node.consolePort == 20011)
        #expect(node.consoleHost == "127.0.0.1")
        #expect(node.mnesiaDirectory == "/srv/mnesia")
        #expect(node.cluster == "leofs_7")
        #expect(node.role == "slave")
        #expect(node.cookie == "401321b4")

        let overridden = try ManagerNode.resolve(
            ManagerEntry(name: "manager_1", home: home, overrides: ["console_port": "30011", "role": "master"]))
        #expect(overridden.consolePort == 30011)
        #expect(overridden.role == "master")
        #expect(overridden.stopCommand == nil && overridden.startCommand == nil)

        let underSystemd = try ManagerNode.resolve(
            ManagerEntry(
                name: "manager_1", home: home,
                overrides: ["stop_command": "systemctl stop leofs-manager@1", "start_command": "systemctl start m1"]))
        #expect(underSystemd.stopCommand == "systemctl stop leofs-manager@1")
        #expect(underSystemd.startCommand == "systemctl start m1")
    }

    @Test func relativeMnesiaDirIsUnderHome() throws {
        var conf = LeoManagerConf()
        try conf.read(Self.stock, path: "x.conf")
        #expect(conf["mnesia.dir"] == "./work/mnesia/127.0.0.1")
        #expect(conf["manager.partner"] == "manager_0@10.0.0.1")
    }

    @Test(arguments: [
        ("nodename = a@b\nthis line is broken\n", 2),
        ("\n\n= value\n", 3),
        ("two words = x\n", 1),
    ])
    func malformedLinesNameFileAndLine(text: String, line: Int) {
        var conf = LeoManagerConf()
        #expect {
            try conf.read(text, path: "/etc/leo_manager.conf")
        } throws: { error in
            "\(error)".contains("/etc/leo_manager.conf:\(line):")
        }
    }

    @Test func missingConfIsNamed() {
        #expect {
            try ManagerNode.resolve(ManagerEntry(name: "m", home: "/nonexistent/leo_manager_0", overrides: [:]))
        } throws: { error in
            "\(error)".contains("/nonexistent/leo_manager_0/etc/leo_manager.conf does not exist")
        }
    }

    @Test(arguments: [
        (
            "cluster Id                        | leofs_1\n current ring-hash | 41e0c107\n previous ring-hash | 0a0b0c0d\n",
            "leofs_1", "41e0c107", "0a0b0c0d"
        ),
        ("[ERROR] Not initialized\n", nil, nil, nil),
    ])
    func statusParsing(reply: String, cluster: String?, current: String?, previous: String?) {
        let status = ClusterStatus(parsing: reply)
        #expect(status.clusterId == cluster)
        #expect(status.currentRingHash == current)
        #expect(status.previousRingHash == previous)
    }
}
