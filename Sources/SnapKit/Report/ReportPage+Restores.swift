import Foundation

extension ReportPage {
    static func restores(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<section id=\"restores\">\n<h2>Restores</h2>\n")
        guard !report.restores.isEmpty else {
            html.markup("<p class=\"empty\">No restore in this store.</p>\n</section>\n")
            return
        }
        html.markup(
            "<table>\n<thead><tr><th>Restore</th><th>Snapshot</th><th>Mode</th><th>Targets</th><th>Started</th>"
                + "<th>Took</th><th>Phase</th><th>Last step</th><th>Failure</th><th>Rescue snapshots</th></tr></thead>\n"
                + "<tbody>\n")
        for row in report.restores {
            html.markup("<tr data-restore=\"")
            html.text(row.id)
            html.markup("\">")
            html.cell(row.id, classes: "id")
            html.cell(shortID(row.snapshot), classes: "id")
            html.markup("<td>")
            html.element("strong", caseName(row.mode))
            if !row.modeReason.isEmpty {
                html.text(": " + row.modeReason)
            }
            html.markup("</td>")
            html.cell(row.targets.joined(separator: ", "))
            html.cell(row.started.map(time) ?? "unknown")
            html.cell(DurationText.approximate(row.seconds), classes: "n")
            html.markup("<td>")
            html.element("span", row.phase, classes: "badge b-\(phaseKind(row.phase))")
            html.markup("</td>")
            html.cell(row.lastStep.map { "\($0) (step \(row.steps))" } ?? "none started")
            html.cell(row.failure ?? "", classes: row.failure == nil ? nil : "crit")
            html.cell(
                row.rescueSnapshots.sorted { $0.key < $1.key }.map { "\($0.key): \(shortID($0.value))" }
                    .joined(separator: ", "))
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n</section>\n")
    }

    /// `Case 1 (copy)` or `Case 2 (load)`, the names the restore runbook uses.
    static func caseName(_ mode: String) -> String {
        switch mode {
        case "copy": return "Case 1 (copy)"
        case "load": return "Case 2 (load)"
        default: return mode
        }
    }

    /// A restore's phase as a badge colour; the badge still says the phase.
    private static func phaseKind(_ phase: String) -> String {
        switch phase {
        case "completed": return "ok"
        case "running", "planned": return "warn"
        case "rolled-back", "failed", "abandoned": return "crit"
        default: return phase.contains("fail") ? "crit" : "unknown"
        }
    }
}
