import Foundation

extension ReportPage {
    static func evidence(_ report: AuditReport, into html: inout HTMLText) {
        let evidence = report.evidence
        html.markup("<section id=\"evidence\">\n<h2>Evidence: the audit log</h2>\n")
        if evidence.chainOk {
            html.element(
                "p",
                "The audit chain verifies: every entry's hash follows from the one before it, from the first "
                    + "entry to the head.",
                classes: "verdict-good")
        } else {
            html.markup("<p class=\"verdict-bad\">")
            html.text("The audit chain does NOT verify: " + (evidence.problem ?? "an entry is at fault"))
            html.markup("</p>\n")
        }
        html.markup("<dl class=\"facts\">\n")
        func fact(_ name: String, _ value: String, classes: String? = nil) {
            html.markup("<dt>\(name)</dt>")
            html.element("dd", value, classes: classes)
            html.markup("\n")
        }
        fact("Entries", String(evidence.entries))
        fact("Head", "seq \(evidence.headSeq)")
        fact("Head hash", evidence.headHash, classes: "id")
        if evidence.tornTailBytes > 0 {
            fact(
                "Torn tail",
                "\(evidence.tornTailBytes) bytes after the last whole entry (a write cut short)",
                classes: "crit-text")
        }
        fact("Store", report.store.id, classes: "id")
        html.markup("</dl>\n</section>\n")
    }

    static func actors(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<section id=\"actors\">\n<h2>Who ran what</h2>\n")
        guard !report.actors.isEmpty else {
            html.markup("<p class=\"empty\">Nobody ran anything in the period.</p>\n</section>\n")
            return
        }
        html.markup(
            "<table>\n<thead><tr><th>User</th><th>Host</th><th>Action</th><th>Runs</th><th>Failed</th>"
                + "<th>Last</th></tr></thead>\n<tbody>\n")
        for actor in report.actors {
            html.markup("<tr>")
            html.cell(actor.user)
            html.cell(actor.host)
            html.cell(actor.action)
            html.cell(String(actor.runs), classes: "n")
            html.cell(String(actor.failed), classes: actor.failed > 0 ? "n crit" : "n")
            html.cell(time(actor.last))
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n</section>\n")
    }
}
