import Foundation

extension ReportPage {
    /// The time axis the timeline and the size plot share: the period, from its start (or the
    /// first thing that happened in it) to its end, over a span of pixels.
    struct TimeAxis {
        var start: Date
        var end: Date
        var left: Double
        var right: Double

        /// The report's period; without a `since`, from its first snapshot, event, expected
        /// run or size, so an unbounded report does not start in 1970.
        init(_ report: AuditReport, left: Double, right: Double) {
            let end = report.period.until
            var first = report.period.since
            if first == nil {
                let candidates =
                    [report.snapshots.first?.created, report.events.first?.time, report.sizes.first?.time]
                    + report.nodes.map { $0.unmetRuns.map(\.expected).min() }
                first = candidates.compactMap { $0 }.min()
            }
            var start = first ?? end.addingTimeInterval(-86_400)
            if start >= end { start = end.addingTimeInterval(-3600) }
            self.start = start
            self.end = end
            self.left = left
            self.right = right
        }

        /// The x of `date`, clamped to the axis (a clock that was wrong puts a snapshot at its
        /// edge rather than off the plot).
        func x(_ date: Date) -> Double {
            let fraction = date.timeIntervalSince(start) / end.timeIntervalSince(start)
            return left + min(max(fraction, 0), 1) * (right - left)
        }

        /// Ticks at round UTC times, at most about ten, each with its label.
        func ticks() -> [(x: Double, label: String)] {
            let span = end.timeIntervalSince(start)
            let steps: [Double] = [
                600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400,
                28 * 86_400, 91 * 86_400, 182 * 86_400, 365 * 86_400,
            ]
            let step = steps.first { span / $0 <= 10 } ?? (span / 10).rounded(.up)
            let daily = step >= 86_400
            var tick = (start.timeIntervalSince1970 / step).rounded(.up) * step
            var ticks: [(x: Double, label: String)] = []
            while tick <= end.timeIntervalSince1970 {
                let date = Date(timeIntervalSince1970: tick)
                let text = ReportPage.time(date)
                // `2026-12-01` for days and longer, `12-01 03:00` within a day.
                let label = daily ? String(text.prefix(10)) : String(text.dropFirst(5).dropLast())
                ticks.append((x(date), label))
                tick += step
            }
            return ticks
        }

        /// Grid lines and labelled ticks from `top` to `bottom`, labels under `bottom`.
        func draw(top: Double, bottom: Double, into html: inout HTMLText) {
            let c = HTMLText.coordinate
            html.markup(
                "<line class=\"axis\" x1=\"\(c(left))\" y1=\"\(c(bottom))\" x2=\"\(c(right))\" y2=\"\(c(bottom))\"/>\n")
            for tick in ticks() {
                html.markup(
                    "<line class=\"grid\" x1=\"\(c(tick.x))\" y1=\"\(c(top))\" x2=\"\(c(tick.x))\" y2=\"\(c(bottom))\"/>"
                )
                // A label centred on a tick at the plot's right edge would be cut off.
                if tick.x <= right - 32 {
                    html.markup("<text class=\"tick\" x=\"\(c(tick.x))\" y=\"\(c(bottom + 14))\">")
                    html.text(tick.label)
                    html.markup("</text>")
                }
                html.markup("\n")
            }
        }
    }
}
