import SnapKit
import Testing

@Suite struct SnapConfigTests {
    @Test func readsStoreClusterAndManagers() throws {
        let config = try SnapConfig.parse(
            """
            # snap.yaml
            store: store-dir
            cluster: leofs_1
            policy: default
            managers:
              - name: manager_0
                home: /usr/local/leofs/current/leo_manager_0
              - name: manager_1
                home: leo_manager_1
                console_port: "10011"
            """, path: "/etc/snap/snap.yaml")
        #expect(config.store == "/etc/snap/store-dir")
        #expect(config.cluster == "leofs_1")
        #expect(config.managers.map(\.name) == ["manager_0", "manager_1"])
        #expect(config.managers[1].home == "/etc/snap/leo_manager_1")
        #expect(config.managers[1].overrides == ["console_port": "10011"])
    }

    @Test func acceptsStopAndStartCommands() throws {
        let config = try SnapConfig.parse(
            """
            managers:
              - name: manager_0
                home: /usr/local/leofs/current/leo_manager_0
                stop_command: systemctl stop leofs-manager@0
                start_command: "systemctl start leofs-manager@0 && logger started"
              - name: manager_1
                home: /usr/local/leofs/current/leo_manager_1
                start_command: systemctl start leofs-manager@1
            """, path: "/etc/snap/snap.yaml")
        #expect(
            config.managers[0].overrides == [
                "stop_command": "systemctl stop leofs-manager@0",
                "start_command": "systemctl start leofs-manager@0 && logger started",
            ])
        // Either may be set without the other.
        #expect(config.managers[1].overrides == ["start_command": "systemctl start leofs-manager@1"])
    }

    @Test func aManagerWithAHostIsReachedOverSSH() throws {
        let config = try SnapConfig.parse(
            """
            managers:
              - name: manager_0
                home: /usr/local/leofs/current/leo_manager_0
                host: leofs@10.0.0.11
                port: 2222
                identity: keys/id_ed25519
                known_hosts: /etc/snap/known_hosts
                snap: /usr/local/bin/snap
              - name: manager_1
                home: leo_manager_1
            """, path: "/etc/snap/snap.yaml")
        #expect(
            config.managers[0].ssh
                == SSHTarget(
                    host: "leofs@10.0.0.11", port: 2222, identity: "/etc/snap/keys/id_ed25519",
                    knownHosts: "/etc/snap/known_hosts", snap: "/usr/local/bin/snap"))
        #expect(config.managers[0].overrides.isEmpty)
        #expect(config.managers[0].ssh?.address == "10.0.0.11")
        // No host: local, the home resolved against the config's directory, as before.
        #expect(config.managers[1].ssh == nil)
        #expect(config.managers[1].home == "/etc/snap/leo_manager_1")
    }

    @Test(arguments: [
        ("store: /s\nstroe: /t\n", "line 2 / unknown key", ":2:", "stroe"),
        ("store: [unclosed\n", "malformed", "not valid YAML", "snap.yaml"),
        ("- just\n- a list\n", "top level", "mapping", "snap.yaml"),
        ("managers:\n  - name: m0\n", "manager without home", "name and home", ":2"),
        ("managers:\n  - name: m0\n    home: /h\n    colour: red\n", "unknown manager key", ":4:", "colour"),
        ("managers:\n  - name: m0\n    home: /h\n    stop_command: \"\"\n", "empty stop", ":4:", "stop_command must"),
        ("managers:\n  - name: m0\n    start_command:\n    home: /h\n", "null start", ":3:", "start_command must"),
        ("managers:\n  - name: m0\n    home: /h\n    start_command: \"  \"\n", "blank start", ":4:", "not empty"),
        ("managers:\n  - name: m0\n    home: /h\n    port: 22\n", "port without host", "port", "to go with host"),
        ("managers:\n  - name: m0\n    home: /h\n    host: a@b\n    port: ssh\n", "bad port", "port", "TCP port"),
        (
            "managers:\n  - name: m0\n    home: /h\n    host: -oProxyCommand=x\n", "option as host", "host",
            "user@address"
        ),
        ("managers:\n  - name: m0\n    home: /h\n    host: \"@b\"\n", "empty user", "host", "user@address"),
        ("managers:\n  - name: m0\n    home: rel/h\n    host: a@b\n", "relative remote home", "home", "absolute path"),
    ])
    func badConfigsNameFileLineAndProblem(text: String, label: String, fragment: String, detail: String) {
        #expect {
            try SnapConfig.parse(text, path: "/etc/snap/snap.yaml")
        } throws: { error in
            let message = "\(error)"
            return message.contains(fragment) && message.contains(detail) && message.contains("/etc/snap/snap.yaml")
        }
    }
}
