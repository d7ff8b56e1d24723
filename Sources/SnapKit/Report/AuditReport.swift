import Foundation

/// Everything `snap report` shows, as data: the HTML page and `--json` are two renderings of
/// one value, so what an auditor sees and what a script reads cannot differ.
package struct AuditReport: Codable, Sendable, Equatable {
    /// When the report was made.
    package var generated: Date
    package var snapVersion: String
    /// Who made it, and where.
    package var user: String
    package var host: String
    package var store: StoreFacts
    package var period: Period
    /// The policy the freshness states, expected runs and forecast are judged by.
    package var policy: PolicyFacts?
    /// One row per node, by name.
    package var nodes: [NodeRow]
    /// Every snapshot taken in the period, oldest first.
    package var snapshots: [SnapshotMark]
    /// Restores, prunes and runs that did not end well, in the period, oldest first.
    package var events: [Event]
    /// Bytes the store held after each snapshot of the period (see ``SizePoint``).
    package var sizes: [SizePoint]
    /// Every restore the store holds a journal of, oldest first.
    package var restores: [RestoreRow]
    /// Who ran what in the period.
    package var actors: [Actor]
    package var evidence: Evidence
    /// What the next `prune` under the policy would do, snapshot by snapshot (none without
    /// a policy).
    package var retention: [RetentionDecision]

    /// The report's time window.
    package struct Period: Codable, Sendable, Equatable {
        package var since: Date?
        package var until: Date
        /// Only this node, when the report was asked for one.
        package var node: String?
    }

    /// The store as the report found it.
    package struct StoreFacts: Codable, Sendable, Equatable {
        package var id: String
        package var path: String
        /// Snapshots it holds, all nodes and times.
        package var snapshots: Int
        /// Bytes of its bundle files now.
        package var bytes: Int64
    }

    /// The policy's settings that the report judges by.
    package struct PolicyFacts: Codable, Sendable, Equatable {
        package var path: String
        package var schedule: String?
        /// The policy's zone, for its calendar buckets.
        package var timeZone: String
        /// The zone the schedule's expected runs are read in: this host's, which cron fires in.
        package var scheduleTimeZone: String
        package var freshnessWarnSeconds: Double
        package var freshnessCritSeconds: Double
    }

    /// A snapshot named in a node's row: which, and how old at report time.
    package struct SnapshotBrief: Codable, Sendable, Equatable {
        package var id: String
        package var version: Int
        package var created: Date
        package var ageSeconds: Double
    }

    /// One node at a glance.
    package struct NodeRow: Codable, Sendable, Equatable {
        package var node: String
        /// What `snap check` would say: `OK`, `WARNING`, `CRITICAL` or `UNKNOWN`, and why.
        package var state: String
        package var message: String
        package var newest: SnapshotBrief?
        package var newestVerified: SnapshotBrief?
        package var newestLoaded: SnapshotBrief?
        package var newestOffsite: SnapshotBrief?
        /// Snapshots of the node in the period.
        package var snapshots: Int
        /// Runs the policy's schedule expected in the period, and how many of them were
        /// missed or failed; nil without a schedule.
        package var expectedRuns: Int?
        package var missedRuns: Int?
        package var failedRuns: Int?
        /// The expected runs that were missed or failed (the captured ones are counted only).
        package var unmetRuns: [UnmetRun]
    }

    /// A time the schedule expected a capture of a node and none came: `missed` when
    /// nothing ran, `failed` when a run failed (`at`, its time).
    package struct UnmetRun: Codable, Sendable, Equatable {
        package var expected: Date
        package var outcome: String
        package var at: Date?
    }

    /// A snapshot on the timeline.
    package struct SnapshotMark: Codable, Sendable, Equatable {
        package var id: String
        package var node: String
        package var version: Int
        package var created: Date
        /// `files`, `dump`, `files+dump`, ...
        package var mode: String
        /// The bundle's bytes, and the bytes it added to the store (0 when it shares an
        /// earlier snapshot's bundle).
        package var bytes: Int64
        package var newBytes: Int64
        /// The last verification's verdict, and the last load rehearsal's; nil when never.
        package var verified: Bool?
        package var loaded: Bool?
        package var preRestore: Bool
        package var pinned: Bool
        package var tags: [String]
        package var note: String?
    }

    /// An entry of the audit log worth a mark on the timeline.
    package struct Event: Codable, Sendable, Equatable {
        package var seq: Int
        package var time: Date
        package var action: String
        package var outcome: String
        package var nodes: [String]
        package var snapshots: [String]
        package var user: String
        package var host: String
        package var error: String?
    }

    /// The store's bytes after a snapshot: the distinct bundles of the snapshots it still
    /// holds that were taken by then. Bundles of snapshots pruned since are not counted (their
    /// sizes left with their records), so the line shows what the kept history costs.
    package struct SizePoint: Codable, Sendable, Equatable {
        package var time: Date
        package var bytes: Int64
    }

    /// One restore, from its journal.
    package struct RestoreRow: Codable, Sendable, Equatable {
        package var id: String
        package var snapshot: String
        /// `copy` (Case 1) or `load` (Case 2), and why.
        package var mode: String
        package var modeReason: String
        package var targets: [String]
        /// When it started and last wrote its journal; for a journal that cannot be read, when
        /// its folder last changed (nil when even that cannot be told).
        package var started: Date?
        package var updated: Date?
        package var seconds: Double
        /// `running`, `completed`, `rolled-back`, ...
        package var phase: String
        package var steps: Int
        /// The last step that started, where the restore ended or stands.
        package var lastStep: String?
        package var failure: String?
        /// The pre-restore snapshot of each target: its files before the restore.
        package var rescueSnapshots: [String: String]
    }

    /// How often a user on a host ran an action in the period.
    package struct Actor: Codable, Sendable, Equatable {
        package var user: String
        package var host: String
        package var action: String
        package var runs: Int
        package var failed: Int
        package var last: Date
    }

    /// The audit chain as verified when the report was made.
    package struct Evidence: Codable, Sendable, Equatable {
        package var chainOk: Bool
        package var entries: Int
        package var headSeq: Int
        package var headHash: String
        /// The first entry at fault, when the chain does not verify.
        package var problem: String?
        package var tornTailBytes: Int
    }
}
