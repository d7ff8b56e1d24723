import Foundation

extension ReportPage {
    /// Kept snapshots listed one by one (in a collapsed list) only below this many.
    static let keptListedBelow = 500

    static func retention(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<section id=\"retention\">\n<h2>Retention forecast</h2>\n")
        guard !report.retention.isEmpty else {
            html.markup(
                "<p class=\"empty\">No forecast: without a policy, or without snapshots, the next prune has "
                    + "nothing to decide.</p>\n</section>\n")
            return
        }
        let removed = report.retention.filter { !$0.keep }
        let kept = report.retention.filter(\.keep)
        html.element(
            "p",
            "The next snap prune under the policy would remove \(removed.count) snapshot\(removed.count == 1 ? "" : "s") "
                + "and keep \(kept.count).")
        removedTable(removed, into: &html)
        keptSummary(kept, into: &html)
        html.markup("</section>\n")
    }

    private static func removedTable(_ removed: [RetentionDecision], into html: inout HTMLText) {
        html.markup("<h3>Would be removed</h3>\n")
        guard !removed.isEmpty else {
            html.markup("<p class=\"empty\">Nothing: every snapshot is kept by a rule.</p>\n")
            return
        }
        let withRemote = removed.contains { $0.remote != nil }
        // Removed snapshots have no reason (nothing keeps them); a column saying so ten
        // thousand times would be most of the page.
        let withReasons = removed.contains { !$0.reasons.isEmpty }
        if !withReasons {
            html.markup("<p>No rule of the policy keeps these, and none is pinned, newest, verified or loaded.</p>\n")
        }
        let collapsed = removed.count > 200
        if collapsed {
            html.markup("<details>\n<summary>")
            html.text("All \(removed.count) snapshots that would be removed")
            html.markup("</summary>\n")
        }
        html.markup(
            "<table class=\"removed\">\n<thead><tr><th>Node</th><th>Version</th><th>Id</th><th>Created</th>"
                + (withRemote ? "<th>Remote</th>" : "") + (withReasons ? "<th>Why</th>" : "")
                + "</tr></thead>\n<tbody>\n")
        for decision in removed {
            html.markup("<tr>")
            html.cell(decision.node)
            html.cell(String(decision.version))
            html.cell(shortID(decision.id))
            html.cell(time(decision.created))
            if withRemote { html.cell(decision.remote ?? "the store") }
            if withReasons { html.cell(decision.reasons.joined(separator: "; ")) }
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n")
        if collapsed { html.markup("</details>\n") }
    }

    private static func keptSummary(_ kept: [RetentionDecision], into html: inout HTMLText) {
        html.markup("<h3>Kept, by reason</h3>\n")
        guard !kept.isEmpty else {
            html.markup("<p class=\"crit-text\">Nothing would be kept.</p>\n")
            return
        }
        var counts: [String: Int] = [:]
        for decision in kept {
            for rule in Set(decision.reasons.map(rule)) { counts[rule, default: 0] += 1 }
        }
        html.markup(
            "<p>A snapshot kept for several reasons counts under each. Calendar rules are counted together "
                + "(daily: every day's kept snapshot).</p>\n"
                + "<table class=\"kept\">\n<thead><tr><th>Reason</th><th>Snapshots</th></tr></thead>\n<tbody>\n")
        for (rule, count) in counts.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            html.markup("<tr>")
            html.cell(rule)
            html.cell(String(count), classes: "n")
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n")
        guard kept.count < keptListedBelow else {
            html.element("p", "The \(kept.count) kept snapshots one by one are in snap report --json.", classes: "more")
            return
        }
        html.markup("<details>\n<summary>")
        html.text("The \(kept.count) kept snapshots and why")
        html.markup("</summary>\n<table class=\"kept-each\">\n<tbody>\n")
        for decision in kept {
            html.markup("<tr>")
            html.cell(decision.node)
            html.cell(String(decision.version), classes: "n")
            html.cell(shortID(decision.id), classes: "id")
            html.cell(time(decision.created))
            html.cell(decision.reasons.joined(separator: "; "))
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n</details>\n")
    }

    /// The rule a reason names: `daily 2026-11-28` and `daily oldest` are both `daily`; other
    /// reasons (`newest of manager_0`, `last 24`, `pinned`) are their own rule.
    private static func rule(_ reason: String) -> String {
        let word = reason.prefix { $0 != " " }
        return CalendarBucket(rawValue: String(word)) != nil ? String(word) : reason
    }
}
