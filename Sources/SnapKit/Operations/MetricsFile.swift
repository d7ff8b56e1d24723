import Foundation

/// A node_exporter textfile-collector file (Prometheus text format), written atomically.
package enum MetricsFile {
    /// The metrics text for the store's records. "Newest" is the highest version of a node's
    /// regular captures (not its `pre-restore` snapshots); `snap_snapshots` counts them all.
    /// A node never rehearsed (`verify --load`) has no `snap_last_load_*` sample.
    /// - Parameters:
    ///   - action: the command that ran (for `snap_run_duration_seconds`).
    ///   - duration: how long it ran.
    package static func render(records: [SnapshotRecord], storeBytes: Int64, action: String, duration: Double) -> String
    {
        let nodes = Array(Set(records.map(\.node))).sorted()
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        // Newest is the highest version of a regular capture: a `pre-restore` snapshot is
        // not a backup, and a date may come from a wrong clock.
        func newest(_ node: String, where accepted: (SnapshotRecord) -> Bool = { _ in true }) -> SnapshotRecord? {
            records.filter { $0.node == node && !$0.isPreRestore && accepted($0) }.max { $0.version < $1.version }
        }
        func label(_ node: String) -> String { "{node=\"\(escape(node))\"}" }
        metric(
            "snap_last_snapshot_timestamp_seconds", "Creation time of the newest snapshot of a node.", "gauge",
            nodes.compactMap { node in newest(node).map { (label(node), "\(Int($0.created.timeIntervalSince1970))") } })
        metric(
            "snap_last_success_timestamp_seconds",
            "Creation time of the newest snapshot that did not fail verification.",
            "gauge",
            nodes.compactMap { node in
                newest(node) { $0.verification?.ok != false }
                    .map { (label(node), "\(Int($0.created.timeIntervalSince1970))") }
            })
        metric(
            "snap_last_verify_ok", "1 when the newest verification of the node's newest snapshot passed.", "gauge",
            nodes.map { node in (label(node), newest(node)?.verification?.ok == true ? "1" : "0") })
        metric(
            "snap_snapshots", "Snapshots of a node in the store.", "gauge",
            nodes.map { node in (label(node), "\(records.filter { $0.node == node }.count)") })
        // Per node and remote: the creation time of the newest snapshot copied there (what
        // the remote could give back), for every remote any record names.
        let remotes = Array(Set(records.flatMap { $0.copies?.map(\.remote) ?? [] })).sorted()
        metric(
            "snap_last_offsite_timestamp_seconds",
            "Creation time of the newest snapshot of a node copied to a remote.", "gauge",
            nodes.flatMap { node in
                remotes.compactMap { remote in
                    newest(node) { $0.copy(on: remote) != nil }.map {
                        (
                            "{node=\"\(escape(node))\",remote=\"\(escape(remote))\"}",
                            "\(Int($0.created.timeIntervalSince1970))"
                        )
                    }
                }
            })
        // Per node, the rehearsals (`verify --load`): the newest rehearsed capture's verdict,
        // and when the newest one that loaded was proven to (its `checked` time).
        metric(
            "snap_last_load_ok", "1 when the newest rehearsed snapshot of a node loaded (verify --load), 0 when not.",
            "gauge",
            nodes.compactMap { node in
                newest(node) { $0.load != nil }?.load.map { (label(node), $0.ok ? "1" : "0") }
            })
        metric(
            "snap_last_load_timestamp_seconds",
            "When the newest snapshot of a node that loaded (verify --load) was proven to.", "gauge",
            nodes.compactMap { node in
                newest(node) { $0.load?.ok == true }?.load.map {
                    (label(node), "\(Int($0.checked.timeIntervalSince1970))")
                }
            })
        metric("snap_store_bytes", "Bytes of bundles in the store.", "gauge", [("", "\(storeBytes)")])
        metric(
            "snap_run_duration_seconds", "Wall time of the last run of an action.", "gauge",
            [("{action=\"\(escape(action))\"}", String(format: "%.3f", duration))])
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `text` to `path` atomically (node_exporter never reads half a file).
    package static func write(_ text: String, to path: String) throws {
        try FileOps.writeAtomically(Array(text.utf8), to: path, mode: 0o644)
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

extension Store {
    /// Bytes of all bundle files.
    func bundleBytes() -> Int64 {
        let names = (try? FileOps.listDirectory(bundlesDirectory)) ?? []
        return names.filter { BundleName.sha256(of: $0) != nil }.reduce(0) { total, name in
            total + Int64((try? FileOps.status(bundlesDirectory + "/" + name))?.st_size ?? 0)
        }
    }
}
