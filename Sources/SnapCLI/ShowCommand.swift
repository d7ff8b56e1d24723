import ArgumentParser
import SnapKit

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One snapshot in full.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("id, id prefix, vN, latest, latest@NODE or latest~K.", valueName: "ref"))
    var ref: String

    @Flag(help: "List every file with its size, mode and SHA-256.")
    var files = false

    struct Shown: Encodable {
        var snapshot: SnapshotRecord
        var files: [ManifestEntry]?
    }

    /// Rows of every table, saturating: a damaged record may hold any count.
    static func totalRows(_ tables: [TableSummary]) -> Int {
        tables.reduce(0) { total, table in
            let (sum, overflow) = total.addingReportingOverflow(table.rows)
            return overflow ? .max : sum
        }
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        let record = try SnapshotRef(parsing: ref).resolve(in: try context.loadRecords(store))
        let entries = files ? try store.manifest(for: record).manifest.entries : nil
        if global.json {
            try Output.json(Shown(snapshot: record, files: entries))
            return
        }
        let rows: [(String, String?)] = [
            ("id", record.id), ("version", "v\(record.version)"), ("created", Output.time(record.created)),
            ("node", record.node + (record.nodename.map { " (\($0))" } ?? "")), ("role", record.role),
            ("cluster", record.cluster), ("partner", record.partner),
            ("mode", record.mode.rawValue),
            ("node down", record.downtimeSeconds.map { String(format: "%.2f s (stop, copy, start, ready)", $0) }),
            ("tags", record.tags.isEmpty ? nil : record.tags.joined(separator: ", ")),
            ("note", record.note), ("host", record.host),
            ("captured from", record.coordinator.flatMap { $0 == record.host ? nil : "\($0) (over ssh)" }),
            ("user", record.user), ("tool version", record.toolVersion),
            ("bundle", store.bundlePath(of: record)), ("bundle sha256", record.bundleSha256),
            (
                "encrypted",
                record.encryption.map { encryption in
                    "age, to \(encryption.recipients.joined(separator: ", ")) (payload sha256 \(encryption.payloadSha256))"
                } ?? "no"
            ),
            ("bundle size", "\(Output.size(record.bundleSize)) (\(record.bundleSize) bytes)"),
            (
                "delta of",
                record.deltaBase.map { "v\($0.version) (\($0.snapshot)), whose tar hashes to \($0.tarSha256)" }
            ),
            ("deduplicated", record.deduplicated ? "yes (bundle shared with an earlier snapshot)" : "no"),
            ("tree digest", record.treeDigest),
            ("files", "\(record.fileCount) (\(Output.size(record.unpackedSize)) unpacked)"),
            ("dump", record.hasDump ? "yes" : "no"),
            ("ring hashes", record.ringHashes.map { "current \($0.current ?? "-"), previous \($0.previous ?? "-")" }),
            (
                "tables",
                record.tables.map { tables in
                    "\(tables.count) (\(Self.totalRows(tables)) rows; `snap show \(record.id.prefix(8)) --json` lists them)"
                }
            ),
            (
                "verified",
                record.verification.map { verification in
                    "\(verification.ok ? "ok" : "FAILED: \(verification.problem ?? "")") at \(Output.time(verification.checked))"
                        + (verification.contentChecked == false ? " (encrypted file only: no identity to read it)" : "")
                } ?? "never"
            ),
            (
                "loaded",
                record.load.map { verdict in
                    (verdict.ok
                        ? "ok at \(Output.time(verdict.checked)) (\(VerifyCommand.describe(verdict)))"
                        : "FAILED at \(Output.time(verdict.checked)): "
                            + (verdict.problems ?? []).joined(separator: "; "))
                        + (verdict.notes.map { "; noted: " + $0.joined(separator: "; ") } ?? "")
                } ?? "never (`snap verify --load \(record.id.prefix(8))` boots it in a private Mnesia)"
            ),
            (
                "off site",
                record.copies.map { copies in
                    copies.map { copy in
                        "\(copy.remote) (copied \(Output.time(copy.copied))"
                            + (copy.verified.map { ", read back \(Output.time($0))" } ?? "")
                            + (copy.pruned.map { ", pruned there \(Output.time($0))" } ?? "") + ")"
                    }.joined(separator: "; ")
                }
            ),
        ]
        for (key, value) in rows {
            if let value {
                Output.line(key.padding(toLength: 14, withPad: " ", startingAt: 0) + value.escapedForTerminal)
            }
        }
        if let entries {
            Output.line("")
            Output.table(
                ["TYPE", "MODE", "SIZE", "SHA256", "PATH"],
                entries.map { entry in
                    [
                        entry.type.rawValue, entry.mode, "\(entry.size)",
                        entry.sha256 ?? (entry.target.map { "-> \($0)" } ?? "-"),
                        entry.path,
                    ]
                })
        }
    }
}
