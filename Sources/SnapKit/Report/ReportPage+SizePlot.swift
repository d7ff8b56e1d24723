import Foundation

extension ReportPage {
    /// Snapshots listed one by one under the size plot; the rest are in `--json`.
    static let newestSnapshotsShown = 50

    static func sizes(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<section id=\"sizes\">\n<h2>Store size over time</h2>\n")
        html.markup(
            "<p>The line is the store's bytes after each snapshot of the period: the distinct bundles of the "
                + "snapshots it still holds that were taken by then. Bundles of snapshots pruned since are not counted "
                + "(their sizes left with their records), so the line shows what the kept history costs. Now: ")
        html.text("\(size(report.store.bytes)) in \(report.store.snapshots) snapshots.")
        html.markup("</p>\n")
        if report.sizes.isEmpty {
            html.markup("<p class=\"empty\">No snapshot in the period, so no size to plot.</p>\n")
        } else {
            sizePlot(report, into: &html)
        }
        snapshotTable(report.snapshots, into: &html)
        html.markup("</section>\n")
    }

    private static func sizePlot(_ report: AuditReport, into html: inout HTMLText) {
        let c = HTMLText.coordinate
        let (top, bottom, left) = (12.0, 232.0, 90.0)
        let height = bottom + 26
        let axis = TimeAxis(report, left: left, right: plotWidth - 16)
        let scale = SizeScale(maximum: report.sizes.map(\.bytes).max() ?? 0)
        func y(_ bytes: Int64) -> Double { bottom - Double(bytes) / scale.top * (bottom - top) }

        html.markup(
            "<svg class=\"plot\" viewBox=\"0 0 \(c(plotWidth)) \(c(height))\" width=\"\(c(plotWidth))\" "
                + "height=\"\(c(height))\" role=\"img\" aria-label=\"Store bytes after each snapshot\">\n")
        axis.draw(top: top, bottom: bottom, into: &html)
        html.markup("<line class=\"axis\" x1=\"\(c(left))\" y1=\"\(c(top))\" x2=\"\(c(left))\" y2=\"\(c(bottom))\"/>\n")
        for value in scale.ticks {
            let tickY = bottom - value / scale.top * (bottom - top)
            html.markup(
                "<line class=\"grid\" x1=\"\(c(left))\" y1=\"\(c(tickY))\" x2=\"\(c(plotWidth - 16))\" y2=\"\(c(tickY))\"/>"
                    + "<text class=\"ytick\" x=\"\(c(left - 6))\" y=\"\(c(tickY + 4))\">")
            html.text(scale.label(value))
            html.markup("</text>\n")
        }
        // A step line: flat until the next snapshot changes the total. Points that fall on the
        // same pixel column only move the line up or down, which keeps ten thousand points short.
        var path = ""
        var lastX = ""
        var lastY = ""
        for point in report.sizes {
            let x = c(axis.x(point.time).rounded())
            let pointY = c(y(point.bytes))
            if path.isEmpty {
                path = "M\(x) \(pointY)"
            } else {
                if x != lastX { path += "H\(x)" }
                if pointY != lastY { path += "V\(pointY)" }
            }
            lastX = x
            lastY = pointY
        }
        if let last = report.sizes.last, last.time < report.period.until {
            path += "H\(c(axis.right))"
        }
        html.markup("<path class=\"size\" d=\"\(path)\"><title>")
        if let first = report.sizes.first, let last = report.sizes.last {
            html.text(
                "\(size(first.bytes)) at \(time(first.time)), \(size(last.bytes)) at \(time(last.time)), "
                    + "\(report.sizes.count) snapshots")
        }
        html.markup("</title></path>\n</svg>\n")
    }

    /// A y axis in one binary unit, with round ticks.
    struct SizeScale {
        var unit: Double
        var unitName: String
        /// The axis' top, in bytes.
        var top: Double
        var ticks: [Double]

        init(maximum: Int64) {
            let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
            var unit = 1.0
            var index = 0
            while Double(maximum) / unit >= 1024 && index < units.count - 1 {
                unit *= 1024
                index += 1
            }
            let value = max(Double(maximum) / unit, 1)
            let rough = value / 4
            let magnitude = pow(10, (log10(rough)).rounded(.down))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? rough
            let steps = (value / step).rounded(.up)
            self.unit = unit
            self.unitName = units[index]
            self.top = steps * step * unit
            self.ticks = (0...Int(steps)).map { Double($0) * step * unit }
        }

        /// `1.5 GiB`, `0 GiB`: every tick in the axis' unit.
        func label(_ bytes: Double) -> String {
            let value = bytes / unit
            let text = value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
            return "\(text) \(unitName)"
        }
    }

    /// The newest snapshots, newest first; the page stays small whatever the store holds.
    private static func snapshotTable(_ snapshots: [AuditReport.SnapshotMark], into html: inout HTMLText) {
        html.markup("<h3>Bytes per snapshot</h3>\n")
        guard !snapshots.isEmpty else {
            html.markup("<p class=\"empty\">No snapshot in the period.</p>\n")
            return
        }
        let shown = snapshots.suffix(newestSnapshotsShown).reversed()
        html.markup(
            "<table class=\"snapshots\">\n<thead><tr><th>Node</th><th>Version</th><th>Id</th><th>Created</th>"
                + "<th>Mode</th><th>Bytes</th><th>New bytes</th><th>Verified</th><th>Loaded</th><th>Note</th>"
                + "<th>Tags</th></tr></thead>\n<tbody>\n")
        for mark in shown {
            html.markup("<tr>")
            html.cell(mark.node)
            html.cell(String(mark.version), classes: "n")
            html.cell(shortID(mark.id), classes: "id")
            html.cell(time(mark.created))
            html.cell(mark.preRestore ? "\(mark.mode), pre-restore" : mark.mode)
            html.cell(size(mark.bytes), classes: "n")
            html.cell(size(mark.newBytes), classes: "n")
            html.cell(
                mark.verified.map { $0 ? "ok" : "FAILED" } ?? "never", classes: mark.verified == false ? "crit" : nil)
            html.cell(mark.loaded.map { $0 ? "ok" : "FAILED" } ?? "never", classes: mark.loaded == false ? "crit" : nil)
            html.cell(mark.note ?? "")
            html.cell(((mark.pinned ? ["pinned"] : []) + mark.tags).joined(separator: ", "))
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n")
        if snapshots.count > newestSnapshotsShown {
            html.element(
                "p",
                "The newest \(newestSnapshotsShown) of \(snapshots.count) snapshots in the period; "
                    + "snap report --json lists all \(snapshots.count).",
                classes: "more")
        }
    }
}
