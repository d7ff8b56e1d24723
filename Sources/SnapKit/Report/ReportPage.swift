import Foundation

/// `snap report`'s HTML: one self-contained page an auditor can open from a mail attachment
/// with no network. Inline CSS and inline SVG only, no script, no URL; a Content Security
/// Policy forbids anything else in case some model string got past the escaping.
package enum ReportPage {
    /// The report as one self-contained HTML document.
    ///
    /// Bytes rather than a `String`: the page goes straight to a file or stdout, and ten
    /// thousand snapshots make a few megabytes that need not be copied again.
    /// - Returns: the document as UTF-8 bytes.
    package static func render(_ report: AuditReport) -> [UInt8] {
        var html = HTMLText(capacity: 64 * 1024 + report.snapshots.count * 256 + report.retention.count * 128)
        html.markup("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n")
        html.markup(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
                + "img-src data:\">\n")
        html.markup(
            "<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        html.markup("<title>snap report — store ")
        html.text(report.store.id)
        html.markup("</title>\n<style>\n\(style)</style>\n</head>\n<body>\n")
        header(report, into: &html)
        nodes(report, into: &html)
        timeline(report, into: &html)
        sizes(report, into: &html)
        restores(report, into: &html)
        evidence(report, into: &html)
        actors(report, into: &html)
        retention(report, into: &html)
        html.markup("</body>\n</html>\n")
        return html.bytes
    }

    // MARK: Header

    private static func header(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<header id=\"summary\">\n<h1>snap report — store <span class=\"id\">")
        html.text(report.store.id)
        html.markup("</span></h1>\n<dl class=\"facts\">\n")
        func fact(_ name: String, _ value: String) {
            html.markup("<dt>\(name)</dt><dd>")
            html.text(value)
            html.markup("</dd>\n")
        }
        fact("Store", report.store.path)
        fact(
            "Holds",
            "\(report.store.snapshots) snapshot\(report.store.snapshots == 1 ? "" : "s"), "
                + size(report.store.bytes))
        let since = report.period.since.map(time) ?? "the first snapshot"
        fact("Period", "\(since) to \(time(report.period.until))")
        fact("Nodes", report.period.node.map { "only \($0)" } ?? "all")
        fact("Generated", time(report.generated))
        fact("By", "\(report.user)@\(report.host), snap \(report.snapVersion)")
        if let policy = report.policy {
            fact("Policy", policy.path)
            fact("Schedule", policy.schedule ?? "none (expected runs are not judged)")
            fact("Time zone", "\(policy.timeZone) (the policy's, for retention's calendar)")
            fact("Runs read in", "\(policy.scheduleTimeZone) (this host's zone, which cron fires in)")
            fact(
                "Freshness",
                "warning past \(DurationText.format(policy.freshnessWarnSeconds)), critical past "
                    + DurationText.format(policy.freshnessCritSeconds))
        } else {
            fact("Policy", "none: no schedule, freshness or retention to judge by")
        }
        html.markup("</dl>\n</header>\n")
    }

    // MARK: Nodes

    private static func nodes(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<section id=\"nodes\">\n<h2>Nodes at a glance</h2>\n")
        guard !report.nodes.isEmpty else {
            html.markup(
                "<p class=\"empty\">No node in this report: the store holds no snapshot of one.</p>\n</section>\n")
            return
        }
        html.markup(
            "<table>\n<thead><tr><th>Node</th><th>State</th><th>Why</th><th>Newest</th><th>Newest verified</th>"
                + "<th>Newest loaded</th><th>Newest off site</th><th>Snapshots in period</th>"
                + "<th>Expected runs</th><th>Missed</th><th>Failed</th></tr></thead>\n<tbody>\n")
        for row in report.nodes {
            html.markup("<tr data-node=\"")
            html.text(row.node)
            html.markup("\">")
            html.cell(row.node, classes: "node")
            html.markup("<td>")
            badge(row.state, into: &html)
            html.markup("</td>")
            html.cell(row.message)
            for brief in [row.newest, row.newestVerified, row.newestLoaded, row.newestOffsite] {
                snapshotBrief(brief, into: &html)
            }
            html.cell(String(row.snapshots), classes: "n")
            if let expected = row.expectedRuns {
                html.cell(String(expected), classes: "n")
                html.cell(row.missedRuns.map(String.init) ?? "—", classes: (row.missedRuns ?? 0) > 0 ? "n warn" : "n")
                html.cell(row.failedRuns.map(String.init) ?? "—", classes: (row.failedRuns ?? 0) > 0 ? "n crit" : "n")
            } else {
                html.markup("<td class=\"n\" title=\"no schedule\">—</td><td class=\"n\">—</td><td class=\"n\">—</td>")
            }
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n</section>\n")
    }

    /// A freshness state as a coloured badge that says its word: colour alone is not read by
    /// everyone, nor printed in black and white.
    static func badge(_ state: String, into html: inout HTMLText) {
        let kind: String
        switch state.uppercased() {
        case "OK": kind = "ok"
        case "WARNING": kind = "warn"
        case "CRITICAL": kind = "crit"
        default: kind = "unknown"
        }
        html.element("span", state.isEmpty ? "UNKNOWN" : state, classes: "badge b-\(kind)")
    }

    private static func snapshotBrief(_ brief: AuditReport.SnapshotBrief?, into html: inout HTMLText) {
        guard let brief else {
            html.markup("<td class=\"never\">never</td>")
            return
        }
        html.markup("<td title=\"")
        html.text("\(brief.id), created \(time(brief.created))")
        html.markup("\">")
        html.text("v\(brief.version) ")
        html.element("span", shortID(brief.id), classes: "id")
        html.text(" · \(DurationText.approximate(brief.ageSeconds)) ago")
        html.markup("</td>")
    }

    // MARK: Words for values

    /// `2026-12-06 13:20Z`: the minute is as fine as an auditor reads a report.
    static func time(_ date: Date) -> String {
        String(UTCTime.format(date, separator: " ").dropLast(4)) + "Z"
    }

    /// `12.3 MiB`, in powers of 1024 as `snap list` prints sizes.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// The first 12 characters of a snapshot or restore id: enough to tell them apart and to
    /// type into `snap show`.
    static func shortID(_ id: String) -> String {
        id.count > 12 ? String(id.prefix(12)) : id
    }

    /// `text`, or its first `limit` characters and `…`.
    static func clipped(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// Up to `limit` ids, then how many more.
    static func idList(_ ids: [String], limit: Int = 5) -> String {
        let shown = ids.prefix(limit).map(shortID).joined(separator: ", ")
        return ids.count > limit ? "\(shown) and \(ids.count - limit) more" : shown
    }
}
