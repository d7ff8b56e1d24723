import Foundation
import Testing

@testable import SnapKit

/// The HTML page of `snap report`: every section, the words a reader needs, and nothing a
/// hostile note could make run.
@Suite struct ReportPageTests {
    static let start = Date(timeIntervalSince1970: 1_794_960_000)  // 2026-11-18 00:00Z
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'><svg onload=alert(1)>"]

    /// A report of two nodes over a week, with one of each thing the page shows.
    static func report(hostile text: String = "plain") -> AuditReport {
        let day = 86_400.0
        func brief(_ version: Int) -> AuditReport.SnapshotBrief {
            .init(id: String(format: "%016x", version), version: version, created: start, ageSeconds: 3 * 3600)
        }
        let snapshots = (0..<14).map { index in
            AuditReport.SnapshotMark(
                id: String(format: "%016x", index + 1), node: index % 2 == 0 ? "manager_0" : text, version: index + 1,
                created: start.addingTimeInterval(Double(index) * day / 2),
                mode: index % 3 == 0 ? "files+dump" : "files",
                bytes: 40 << 20, newBytes: index == 0 ? 40 << 20 : 1 << 20, verified: [true, nil, false][index % 3],
                loaded: index == 4 ? true : index == 7 ? false : nil, preRestore: index == 9, pinned: index == 2,
                tags: [text, "weekly"], note: text)
        }
        return AuditReport(
            generated: start.addingTimeInterval(7 * day), snapVersion: "1.4.0", user: text, host: "backup-1",
            store: .init(id: "store-\(text)", path: "/srv/snap/\(text)", snapshots: 14, bytes: 54 << 20),
            period: .init(since: start.addingTimeInterval(-day), until: start.addingTimeInterval(7 * day), node: nil),
            policy: .init(
                path: "/etc/snap/policy.yaml", schedule: "0 3 * * *", timeZone: "UTC", scheduleTimeZone: "UTC",
                freshnessWarnSeconds: 36 * 3600,
                freshnessCritSeconds: 72 * 3600),
            nodes: [
                .init(
                    node: "manager_0", state: "OK", message: "newest snapshot 3h old", newest: brief(13),
                    newestVerified: brief(13), newestLoaded: brief(5), newestOffsite: nil, snapshots: 7,
                    expectedRuns: 7, missedRuns: 1, failedRuns: 0,
                    unmetRuns: [
                        .init(expected: start.addingTimeInterval(3 * day + 3 * 3600), outcome: "missed", at: nil)
                    ]
                ),
                .init(
                    node: text, state: "CRITICAL", message: "verification failed: \(text)", newest: brief(14),
                    newestVerified: nil, newestLoaded: nil, newestOffsite: nil, snapshots: 7, expectedRuns: 7,
                    missedRuns: 0, failedRuns: 1,
                    unmetRuns: [
                        .init(
                            expected: start.addingTimeInterval(4 * day + 3 * 3600), outcome: "failed",
                            at: start.addingTimeInterval(4 * day + 3 * 3600 + 60))
                    ]),
            ],
            snapshots: snapshots,
            events: [
                .init(
                    seq: 40, time: start.addingTimeInterval(2 * day), action: "restore", outcome: "ok",
                    nodes: ["manager_0"], snapshots: [snapshots[2].id], user: "ops", host: "backup-1", error: nil),
                .init(
                    seq: 52, time: start.addingTimeInterval(4 * day + 3 * 3600 + 60), action: "create",
                    outcome: "failed",
                    nodes: [text], snapshots: [], user: "cron", host: "backup-1", error: text),
                .init(
                    seq: 60, time: start.addingTimeInterval(5 * day), action: "prune", outcome: "ok", nodes: [],
                    snapshots: [snapshots[0].id, snapshots[1].id], user: "cron", host: "backup-1", error: nil),
            ],
            sizes: snapshots.enumerated().map { index, mark in
                .init(time: mark.created, bytes: Int64(40 + index) << 20)
            },
            restores: [
                .init(
                    id: "r-20261120-\(text)", snapshot: snapshots[2].id, mode: "load", modeReason: text,
                    targets: ["manager_0", text], started: start.addingTimeInterval(2 * day),
                    updated: start.addingTimeInterval(2 * day + 300), seconds: 300, phase: "rolled-back", steps: 6,
                    lastStep: "start \(text)", failure: text,
                    rescueSnapshots: ["manager_0": snapshots[3].id, text: text])
            ],
            actors: [
                .init(
                    user: text, host: "backup-1", action: "create", runs: 14, failed: 1,
                    last: start.addingTimeInterval(6 * day))
            ],
            evidence: .init(
                chainOk: false, entries: 120, headSeq: 119, headHash: "ab" + text, problem: text, tornTailBytes: 17),
            retention: snapshots.map { mark in
                RetentionDecision(
                    id: mark.id, node: mark.node, version: mark.version, created: mark.created, keep: mark.version > 4,
                    reasons: mark.version > 4 ? ["daily \(mark.version)", "newest of \(text)"] : [])
            })
    }

    static func page(_ report: AuditReport) -> String {
        String(decoding: ReportPage.render(report), as: UTF8.self)
    }

    /// The page's text as a reader sees it: tags dropped, the five entities read back.
    static func visibleText(_ html: String) -> String {
        var text = ""
        var inTag = false
        for character in html {
            if character == "<" {
                inTag = true
            } else if character == ">" {
                inTag = false
                text.append(" ")
            } else if !inTag {
                text.append(character)
            }
        }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func everySectionIsThereWithItsID() {
        let html = Self.page(Self.report())
        for id in ["nodes", "timeline", "sizes", "restores", "evidence", "actors", "retention"] {
            #expect(html.contains("id=\"\(id)\""), "section \(id)")
        }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        let head = html.components(separatedBy: "<head>\n").last ?? ""
        #expect(
            head.hasPrefix(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    + "style-src 'unsafe-inline'; img-src data:\">"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<title>snap report — store store-plain</title>"))
        #expect(html.contains("2026-11-25 00:00Z"), "generated, in UTC to the minute")
    }

    @Test func eachNodeHasARowWithItsStateInWords() throws {
        let html = Self.page(Self.report())
        for (node, state) in [("manager_0", "OK"), ("plain", "CRITICAL")] {
            let start = try #require(html.range(of: "<tr data-node=\"\(node)\">"))
            let row = html[start.upperBound...].prefix { $0 != "\n" }
            #expect(row.contains(">\(state)</span>"), "\(node)'s badge says \(state)")
        }
        #expect(html.contains("3h ago"))
        #expect(html.contains("<td class=\"never\">never</td>"))
    }

    @Test func unmetRunsRestoresAndPrunesAreInTheText() {
        let text = Self.visibleText(Self.page(Self.report()))
        #expect(text.contains("missed: manager_0 expected 2026-11-21 03:00Z"))
        #expect(text.contains("failed: plain expected 2026-11-22 03:00Z, ran 2026-11-22 03:01Z"))
        #expect(text.contains("restore"))
        #expect(text.contains("prune"))
    }

    @Test func aRestoreRowShowsItsCasePhaseAndLastStep() throws {
        let html = Self.page(Self.report())
        let start = try #require(html.range(of: "<tr data-restore=\"r-20261120-plain\">"))
        let row = Self.visibleText(String(html[start.upperBound...].prefix { $0 != "\n" }))
        #expect(row.contains("Case 2 (load)"))
        #expect(row.contains("rolled-back"))
        #expect(row.contains("start plain (step 6)"))
        #expect(row.contains("manager_0: 000000000000"))
    }

    @Test(arguments: hostile)
    func hostileStringsAreEscapedEverywhere(text: String) {
        let html = Self.page(Self.report(hostile: text))
        for forbidden in ["<script", "<img", "<svg onload", "\" onerror", "' onerror", "'><"] {
            #expect(!html.contains(forbidden), "\(forbidden) unescaped")
        }
        // The handlers appear only inside the escaped text, where no tag can hold them.
        for (handler, escapedTag) in [("onerror=", "&lt;img src=x onerror="), ("onload=", "&lt;svg onload=")] {
            #expect(
                html.components(separatedBy: handler).count == html.components(separatedBy: escapedTag).count,
                "\(handler) outside escaped text")
        }
        #expect(!html.contains(text))
        #expect(html.contains(HTMLText.escaped(text)))
        // The hostile text shows as text: in the node rows, the notes, the errors, the tags.
        let visible = Self.visibleText(html)
        #expect(visible.contains("verification failed: \(text)"))
        #expect(visible.contains("The audit chain does NOT verify: \(text)"))
    }

    @Test func theEscapingEscapesTheFiveCharacters() {
        #expect(HTMLText.escaped("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f")
        #expect(HTMLText.escaped("ünï — ok") == "ünï — ok")
    }

    @Test func nothingRunsOrLoads() {
        let html = Self.page(Self.report()).lowercased()
        for forbidden in ["<script", "http://", "https://", "<img", "<link", "@import", "url(http", "<iframe"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
    }

    @Test func anEmptyReportSaysSoInWords() {
        var report = Self.report()
        report.nodes = []
        report.snapshots = []
        report.events = []
        report.sizes = []
        report.restores = []
        report.actors = []
        report.retention = []
        report.policy = nil
        report.period.since = nil
        report.evidence = .init(chainOk: true, entries: 0, headSeq: 0, headHash: "", problem: nil, tornTailBytes: 0)
        let text = Self.visibleText(Self.page(report))
        #expect(text.contains("No node in this report"))
        #expect(text.contains("No snapshot, restore, prune or failed run in the period."))
        #expect(text.contains("No restore in this store."))
        #expect(text.contains("The audit chain verifies"))
        #expect(text.contains("No forecast"))
    }

    static func hourlyMark(_ index: Int, node: String) -> AuditReport.SnapshotMark {
        let verified: Bool? = index % 10 == 0 ? true : nil
        let loaded: Bool? = index % 100 == 0 ? true : nil
        let created = start.addingTimeInterval(Double(index) * 900)
        return AuditReport.SnapshotMark(
            id: String(format: "%064x", index + 1), node: node, version: index + 1, created: created,
            mode: index % 24 == 0 ? "files+dump" : "files", bytes: 60 << 20, newBytes: 2 << 20, verified: verified,
            loaded: loaded, preRestore: false, pinned: false, tags: ["hourly"], note: "scheduled capture")
    }

    /// Ten thousand snapshots, two thousand events, ten thousand decisions: a page that still
    /// opens from a mail.
    @Test func aLargeStoreMakesABoundedPage() throws {
        var report = Self.report()
        let nodes = ["manager_0", "manager_1", "manager_2", "manager_3"]
        report.snapshots = (0..<10_000).map { index in Self.hourlyMark(index, node: nodes[index % 4]) }
        report.period = .init(since: Self.start, until: Self.start.addingTimeInterval(10_000 * 900), node: nil)
        report.nodes = nodes.map { node in
            .init(
                node: node, state: "WARNING", message: "newest verified is 3d old", newest: nil, newestVerified: nil,
                newestLoaded: nil, newestOffsite: nil, snapshots: 2500, expectedRuns: 2600, missedRuns: 100,
                failedRuns: 0,
                // The bench store's mix: a node not captured for a year of hourly runs.
                unmetRuns: (0..<12_000).map {
                    .init(expected: Self.start.addingTimeInterval(Double($0) * 3600), outcome: "missed", at: nil)
                })
        }
        report.events = (0..<25_000).map { index in
            .init(
                seq: index * 4, time: Self.start.addingTimeInterval(Double(index) * 360),
                action: index % 2 == 0 ? "prune" : "create", outcome: index % 2 == 0 ? "ok" : "failed",
                nodes: [nodes[index % 4]], snapshots: (0..<40).map { String(format: "%064x", $0 + index) },
                user: "cron", host: "backup-1", error: index % 2 == 0 ? nil : "manager did not answer in 30s")
        }
        report.sizes = report.snapshots.enumerated().map { index, mark in
            .init(time: mark.created, bytes: Int64(index) * (2 << 20))
        }
        report.retention = report.snapshots.map { mark in
            RetentionDecision(
                id: mark.id, node: mark.node, version: mark.version, created: mark.created, keep: false, reasons: [])
        }
        let bytes = ReportPage.render(report)
        #expect(bytes.count <= 5 << 20, "\(bytes.count) bytes")
        let html = String(decoding: bytes, as: UTF8.self)
        #expect(html.contains("The newest 50 of 10000 snapshots in the period"))
    }
}
