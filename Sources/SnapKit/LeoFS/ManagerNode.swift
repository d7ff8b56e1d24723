import Foundation
import Glibc

/// One manager, fully resolved: snap.yaml's entry plus its `leo_manager.conf`.
package struct ManagerNode: Sendable, Equatable {
    /// The operator's name for it (`manager_0`).
    package var name: String
    /// Release directory.
    package var home: String
    /// Erlang node name (`manager_0@127.0.0.1`).
    package var nodename: String
    /// The other manager of the pair.
    package var partner: String?
    /// `master` or `slave`, when known.
    package var role: String?
    /// Absolute Mnesia directory.
    package var mnesiaDirectory: String
    /// Text console address.
    package var consoleHost: String
    package var consolePort: Int
    /// Erlang cookie (never printed).
    package var cookie: String?
    /// Cluster id (`system.cluster_id`), when set.
    package var cluster: String?
    /// Deadline for each control command and console exchange, in seconds.
    package var timeout: Double
    /// Seconds a hot copy waits before listing the directory again. Mnesia's transaction
    /// log (disk_log) reaches the file up to 2 s after a commit; a copy is accepted only if
    /// nothing changed by then, so it holds every transaction committed before it began.
    package var settle: Double
    /// snap.yaml's `stop_command`: a shell command line run instead of `bin/leo_manager stop`
    /// (a systemd unit's `systemctl stop ...`); `nil` for the launch script.
    package var stopCommand: String?
    /// snap.yaml's `start_command`, run instead of `bin/leo_manager start`.
    package var startCommand: String?

    package init(
        name: String, home: String, nodename: String, partner: String?, role: String?, mnesiaDirectory: String,
        consoleHost: String, consolePort: Int, cookie: String?, cluster: String?, timeout: Double, settle: Double,
        stopCommand: String? = nil, startCommand: String? = nil
    ) {
        self.name = name
        self.home = home
        self.nodename = nodename
        self.partner = partner
        self.role = role
        self.mnesiaDirectory = mnesiaDirectory
        self.consoleHost = consoleHost
        self.consolePort = consolePort
        self.cookie = cookie
        self.cluster = cluster
        self.timeout = timeout
        self.settle = settle
        self.stopCommand = stopCommand
        self.startCommand = startCommand
    }

    /// `bin/leo_manager` of this node.
    var controlScript: String { home + "/bin/leo_manager" }

    /// What stops this node, as a restore plan shows it.
    var stopOperation: String { stopCommand ?? controlScript + " stop" }

    /// What starts this node, as a restore plan shows it.
    var startOperation: String { startCommand ?? controlScript + " start" }

    /// Resolves snap.yaml's entry for a manager from its `leo_manager.conf` files and the entry's overrides.
    /// - Throws: ``LeoFSError`` naming the file, line or key at fault.
    package static func resolve(_ entry: ManagerEntry) throws -> ManagerNode {
        let conf = try LeoManagerConf.load(home: entry.home)
        func value(_ override: String, _ key: String) -> String? { entry.overrides[override] ?? conf[key] }
        let nodename = value("nodename", "nodename") ?? "manager_0@127.0.0.1"
        var mnesia = value("mnesia_dir", "mnesia.dir") ?? "./work/mnesia/127.0.0.1"
        if !mnesia.hasPrefix("/") {
            mnesia = entry.home + "/" + (mnesia.hasPrefix("./") ? String(mnesia.dropFirst(2)) : mnesia)
        }
        var host = value("console_host", "console.bind_address") ?? "localhost"
        if host == "localhost" || host == "0.0.0.0" { host = "127.0.0.1" }
        let portText = value("console_port", "console.port.cui") ?? "10010"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw LeoFSError.badSetting(
                node: entry.name, key: "console.port.cui", value: portText, expected: "a TCP port")
        }
        let timeoutText = entry.overrides["timeout"] ?? "120"
        guard let timeout = Double(timeoutText), timeout > 0 else {
            throw LeoFSError.badSetting(node: entry.name, key: "timeout", value: timeoutText, expected: "seconds")
        }
        let settleText = entry.overrides["settle"] ?? "2.5"
        guard let settle = Double(settleText), settle >= 0 else {
            throw LeoFSError.badSetting(node: entry.name, key: "settle", value: settleText, expected: "seconds")
        }
        let base = FileOps.lastComponent(of: entry.home)
        let role =
            entry.overrides["role"] ?? (base.hasSuffix("_0") ? "master" : (base.hasSuffix("_1") ? "slave" : nil))
        return ManagerNode(
            name: entry.name, home: entry.home, nodename: nodename,
            partner: value("partner", "manager.partner"), role: role, mnesiaDirectory: mnesia,
            consoleHost: host, consolePort: port, cookie: value("cookie", "distributed_cookie"),
            cluster: conf["system.cluster_id"], timeout: timeout, settle: settle,
            stopCommand: entry.overrides["stop_command"], startCommand: entry.overrides["start_command"])
    }
}
