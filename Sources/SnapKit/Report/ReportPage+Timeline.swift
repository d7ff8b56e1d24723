import Foundation

extension ReportPage {
    static let plotWidth = 1100.0
    private static let laneLeft = 180.0
    private static let laneHeight = 26.0
    private static let eventBand = 30.0
    private static let axisBand = 26.0

    // MARK: Timeline

    static func timeline(_ report: AuditReport, into html: inout HTMLText) {
        html.markup("<section id=\"timeline\">\n<h2>Timeline</h2>\n")
        let lanes = laneNames(report)
        let unmet = report.nodes.flatMap { row in row.unmetRuns.map { (node: row.node, run: $0) } }
        if report.snapshots.isEmpty && report.events.isEmpty && unmet.isEmpty {
            html.markup("<p class=\"empty\">No snapshot, restore, prune or failed run in the period.</p>\n")
        } else {
            timelinePlot(report, lanes: lanes, unmet: unmet, into: &html)
            legend(into: &html)
        }
        unmetList(unmet, into: &html)
        eventTable(report.events, into: &html)
        html.markup("</section>\n")
    }

    /// The nodes in the order of the report's rows, then any node only a snapshot names.
    private static func laneNames(_ report: AuditReport) -> [String] {
        var names = report.nodes.map(\.node)
        var seen = Set(names)
        var extra: Set<String> = []
        for mark in report.snapshots where !seen.contains(mark.node) { extra.insert(mark.node) }
        names += extra.sorted()
        seen.formUnion(extra)
        return names.isEmpty ? [""] : names
    }

    private static func timelinePlot(
        _ report: AuditReport, lanes: [String], unmet: [(node: String, run: AuditReport.UnmetRun)],
        into html: inout HTMLText
    ) {
        let c = HTMLText.coordinate
        let axis = TimeAxis(report, left: laneLeft, right: plotWidth - 16)
        let lanesBottom = eventBand + Double(lanes.count) * laneHeight
        let height = lanesBottom + axisBand
        var laneIndex: [String: Int] = [:]
        for (index, name) in lanes.enumerated() { laneIndex[name] = index }
        func middle(_ lane: Int) -> Double { eventBand + (Double(lane) + 0.5) * laneHeight }

        html.markup(
            "<svg class=\"plot\" viewBox=\"0 0 \(c(plotWidth)) \(c(height))\" width=\"\(c(plotWidth))\" "
                + "height=\"\(c(height))\" role=\"img\" aria-label=\"Snapshots, restores, prunes and runs per node "
                + "over the period\">\n<defs><pattern id=\"hatch\" width=\"5\" height=\"5\" "
                + "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line class=\"hatch-line\" "
                + "x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\"/></pattern></defs>\n")
        for (index, name) in lanes.enumerated() {
            let top = eventBand + Double(index) * laneHeight
            if index % 2 == 0 {
                html.markup(
                    "<rect class=\"band\" x=\"0\" y=\"\(c(top))\" width=\"\(c(plotWidth))\" height=\"\(c(laneHeight))\"/>"
                )
            }
            html.markup("<text class=\"lane-name\" x=\"\(c(laneLeft - 8))\" y=\"\(c(top + laneHeight / 2 + 4))\">")
            html.text(name.count > 26 ? String(name.prefix(25)) + "…" : name)
            html.markup("<title>")
            html.text(name)
            html.markup("</title></text>\n")
        }
        axis.draw(top: eventBand - 4, bottom: lanesBottom, into: &html)

        // Unmet runs a few pixels apart merge into one bar: a year of hourly misses is a
        // band, not nine thousand bars.
        for streak in streaks(unmet, on: axis) {
            guard let lane = laneIndex[streak.node] else { continue }
            let top = eventBand + Double(lane) * laneHeight + 2
            let kind = streak.outcome == "missed" ? "um-miss" : "um-fail"
            html.markup(
                "<rect class=\"\(kind)\" x=\"\(c(streak.from - 3))\" y=\"\(c(top))\" "
                    + "width=\"\(c(streak.to - streak.from + 6))\" height=\"\(c(laneHeight - 4))\"><title>")
            html.text(streak.text)
            html.markup("</title></rect>\n")
        }

        // One mark per lane, pixel and look: ten thousand snapshots draw at most a lane's
        // width of marks, the newest one's tooltip saying how many share it.
        for group in pixelGroups(report.snapshots, x: { axis.x($0.created) }, key: { markKey($0, lane: laneIndex) }) {
            let mark = group.last
            let x = c(axis.x(mark.created))
            let y = middle(laneIndex[mark.node] ?? 0)
            let yText = c(y)
            if let loaded = mark.loaded {
                html.markup("<circle class=\"\(loaded ? "ld" : "ldbad")\" cx=\"\(x)\" cy=\"\(yText)\" r=\"7.5\"/>")
            }
            let pre = mark.preRestore ? " pre" : ""
            let tag: String
            if mark.verified == false {
                tag = "path"
                html.markup("<path class=\"bad\(pre)\" d=\"M\(c(axis.x(mark.created) - 4)) \(c(y - 4))l8 8m0-8l-8 8\">")
            } else if mark.mode.contains("dump") {
                tag = "rect"
                html.markup(
                    "<rect class=\"\(verdict(mark))\(pre)\" x=\"\(c(axis.x(mark.created) - 4))\" y=\"\(c(y - 4))\" "
                        + "width=\"8\" height=\"8\">")
            } else {
                tag = "circle"
                html.markup("<circle class=\"\(verdict(mark))\(pre)\" cx=\"\(x)\" cy=\"\(yText)\" r=\"4\">")
            }
            html.markup("<title>")
            html.text(markText(mark) + more(group.count, "snapshot"))
            html.markup("</title></\(tag)>\n")
        }

        var lastLabel = -Double.infinity
        let lines = report.events.filter { eventKind($0) != nil || $0.outcome == "ok" }
        for group in pixelGroups(lines, x: { axis.x($0.time) }, key: { "\(eventKind($0) ?? "other") \($0.outcome)" }) {
            let event = group.last
            let x = axis.x(event.time)
            let kind = eventKind(event)
            let classes = "vr \(kind ?? "other")\(event.outcome != "ok" ? " fail" : "")"
            html.markup(
                "<line class=\"\(classes)\" x1=\"\(c(x))\" y1=\"\(c(eventBand - 12))\" x2=\"\(c(x))\" "
                    + "y2=\"\(c(lanesBottom))\"><title>")
            html.text(eventText(event) + more(group.count, kind ?? event.action))
            html.markup("</title></line>\n")
            if x - lastLabel >= 44 {
                lastLabel = x
                html.markup("<text class=\"vl \(kind ?? "other")\" x=\"\(c(x + 2))\" y=\"\(c(eventBand - 16))\">")
                html.text(kind ?? event.action)
                html.markup("</text>\n")
            }
        }
        let failures = report.events.filter { $0.outcome != "ok" }.flatMap { event in
            let lanes = event.nodes.compactMap { laneIndex[$0] }
            return (lanes.isEmpty ? [-1] : lanes).map { (lane: $0, event: event) }
        }
        for group in pixelGroups(failures, x: { axis.x($0.event.time) }, key: { String($0.lane) }) {
            let (lane, event) = group.last
            let x = axis.x(event.time)
            let y = lane < 0 ? eventBand - 8 : middle(lane)
            html.markup("<path class=\"tri\" d=\"M\(c(x)) \(c(y - 6))l5.5 10h-11z\"><title>")
            html.text(eventText(event) + more(group.count, "run that did not end well"))
            html.markup("</title></path>\n")
        }
        html.markup("</svg>\n")
    }

    /// `items` (in time order) grouped by `key` and by the pixel `x` puts them on, each
    /// group in time order; groups in the order of their first item.
    private static func pixelGroups<Item>(
        _ items: [Item], x: (Item) -> Double, key: (Item) -> String
    ) -> [(last: Item, count: Int)] {
        var groups: [(last: Item, count: Int)] = []
        var index: [String: Int] = [:]
        for item in items {
            let id = "\(Int(x(item).rounded())) \(key(item))"
            if let at = index[id] {
                groups[at] = (item, groups[at].count + 1)
            } else {
                index[id] = groups.count
                groups.append((item, 1))
            }
        }
        return groups
    }

    /// What makes two snapshots' marks look alike: lane, shape and fill.
    private static func markKey(_ mark: AuditReport.SnapshotMark, lane: [String: Int]) -> String {
        "\(lane[mark.node] ?? 0) \(mark.mode.contains("dump")) \(String(describing: mark.verified)) "
            + "\(String(describing: mark.loaded)) \(mark.preRestore)"
    }

    /// `" (and 3 more snapshots here)"` for a group of 4; nothing for one.
    private static func more(_ count: Int, _ what: String) -> String {
        count > 1 ? " (and \(count - 1) more \(what)\(count > 2 ? "s" : "") here)" : ""
    }

    /// A node's unmet runs of one outcome whose bars would touch, merged: from, to (x), and
    /// the words for the tooltip.
    private static func streaks(
        _ unmet: [(node: String, run: AuditReport.UnmetRun)], on axis: TimeAxis
    ) -> [(node: String, outcome: String, from: Double, to: Double, text: String)] {
        var streaks: [(node: String, outcome: String, from: Double, to: Double, text: String)] = []
        let byNode = Dictionary(grouping: unmet, by: \.node)
        for node in byNode.keys.sorted() {
            let runs = (byNode[node] ?? []).map(\.run).sorted { $0.expected < $1.expected }
            var index = 0
            while index < runs.count {
                let first = runs[index]
                var last = first
                var end = index + 1
                while end < runs.count, runs[end].outcome == first.outcome,
                    axis.x(runs[end].expected) - axis.x(last.expected) <= 6
                {
                    last = runs[end]
                    end += 1
                }
                let count = end - index
                let text =
                    count == 1
                    ? unmetText(node: node, first)
                    : "\(first.outcome): \(count) runs of \(node) expected from \(time(first.expected)) to "
                        + time(last.expected)
                streaks.append((node, first.outcome, axis.x(first.expected), axis.x(last.expected), text))
                index = end
            }
        }
        return streaks
    }

    /// `ok` for a snapshot that passed verification, `uv` for one never verified.
    private static func verdict(_ mark: AuditReport.SnapshotMark) -> String {
        mark.verified == true ? "ok" : "uv"
    }

    /// `restore` or `prune` for the events drawn as a line across the lanes; nil for others.
    private static func eventKind(_ event: AuditReport.Event) -> String? {
        if event.action.contains("restore") { return "restore" }
        if event.action.contains("prune") { return "prune" }
        return nil
    }

    /// A snapshot's tooltip. Kept short, and the note and tags clipped: ten thousand of them
    /// make most of the page.
    private static func markText(_ mark: AuditReport.SnapshotMark) -> String {
        var text = "\(mark.node) v\(mark.version) \(shortID(mark.id)) \(time(mark.created)), \(mark.mode), "
        text += "\(size(mark.bytes)) (+\(size(mark.newBytes))), "
        text += mark.verified.map { $0 ? "verified" : "verification FAILED" } ?? "unverified"
        if let loaded = mark.loaded { text += loaded ? ", load proven" : ", load FAILED" }
        if mark.preRestore { text += ", pre-restore" }
        if mark.pinned { text += ", pinned" }
        if !mark.tags.isEmpty { text += ", tags " + clipped(mark.tags.joined(separator: " "), 60) }
        if let note = mark.note, !note.isEmpty { text += ", note: " + clipped(note, 80) }
        return text
    }

    /// An event's tooltip; its snapshots are in the table under the plot.
    static func eventText(_ event: AuditReport.Event) -> String {
        var text = "\(event.action) \(event.outcome) \(time(event.time)) by \(event.user)@\(event.host)"
        if !event.nodes.isEmpty { text += ", " + clipped(event.nodes.joined(separator: ", "), 80) }
        if let error = event.error, !error.isEmpty { text += ": " + clipped(error, 120) }
        return text
    }

    static func unmetText(node: String, _ run: AuditReport.UnmetRun) -> String {
        var text = "\(run.outcome): \(node) expected \(time(run.expected))"
        if let at = run.at { text += ", ran \(time(at))" }
        return text
    }

    // MARK: In words

    private static func legend(into html: inout HTMLText) {
        let items: [(svg: String, words: String)] = [
            ("<circle class=\"ok\" cx=\"9\" cy=\"9\" r=\"4\"/>", "verified (circle: files)"),
            ("<rect class=\"ok\" x=\"5\" y=\"5\" width=\"8\" height=\"8\"/>", "verified (square: with a dump)"),
            ("<circle class=\"uv\" cx=\"9\" cy=\"9\" r=\"4\"/>", "never verified (hollow)"),
            ("<path class=\"bad\" d=\"M5 5l8 8m0-8l-8 8\"/>", "verification failed"),
            (
                "<circle class=\"ld\" cx=\"9\" cy=\"9\" r=\"7.5\"/><circle class=\"ok\" cx=\"9\" cy=\"9\" r=\"4\"/>",
                "ring: proven to load"
            ),
            (
                "<circle class=\"ldbad\" cx=\"9\" cy=\"9\" r=\"7.5\"/><circle class=\"uv\" cx=\"9\" cy=\"9\" r=\"4\"/>",
                "dashed red ring: load failed"
            ),
            ("<circle class=\"uv pre\" cx=\"9\" cy=\"9\" r=\"4\"/>", "purple outline: pre-restore snapshot"),
            ("<line class=\"vr restore\" x1=\"9\" y1=\"1\" x2=\"9\" y2=\"17\"/>", "restore"),
            ("<line class=\"vr prune\" x1=\"9\" y1=\"1\" x2=\"9\" y2=\"17\"/>", "prune"),
            ("<path class=\"tri\" d=\"M9 3l5.5 10h-11z\"/>", "run that did not end well"),
            ("<rect class=\"um-miss\" x=\"6\" y=\"2\" width=\"6\" height=\"14\"/>", "expected run missed"),
            ("<rect class=\"um-fail\" x=\"6\" y=\"2\" width=\"6\" height=\"14\"/>", "expected run failed"),
        ]
        html.markup("<ul class=\"legend\">\n")
        for item in items {
            html.markup(
                "<li><svg width=\"18\" height=\"18\" viewBox=\"0 0 18 18\" aria-hidden=\"true\">\(item.svg)</svg>")
            html.text(item.words)
            html.markup("</li>\n")
        }
        html.markup("</ul>\n<p class=\"more\">Hover a mark for its details; times are UTC.</p>\n")
    }

    /// The unmet runs in words, so a reader (or a search) need not find them on the plot.
    private static func unmetList(_ unmet: [(node: String, run: AuditReport.UnmetRun)], into html: inout HTMLText) {
        html.markup("<h3>Runs the schedule expected and did not get</h3>\n")
        guard !unmet.isEmpty else {
            html.markup(
                "<p class=\"empty\">None: every expected run in the period was captured, or there is no schedule.</p>\n"
            )
            return
        }
        let limit = 1000
        let sorted = unmet.sorted { $0.run.expected < $1.run.expected }
        html.markup("<ul class=\"unmet\">\n")
        for item in sorted.prefix(limit) {
            html.element(
                "li", unmetText(node: item.node, item.run), classes: item.run.outcome == "missed" ? nil : "crit-text")
            html.markup("\n")
        }
        html.markup("</ul>\n")
        if sorted.count > limit {
            html.element("p", "\(sorted.count - limit) more unmet runs are in snap report --json.", classes: "more")
        }
    }

    /// Restores, prunes and failed runs as a table.
    private static func eventTable(_ events: [AuditReport.Event], into html: inout HTMLText) {
        html.markup("<h3>Restores, prunes and runs that did not end well</h3>\n")
        guard !events.isEmpty else {
            html.markup("<p class=\"empty\">None in the period.</p>\n")
            return
        }
        // The newest rows only, as an hourly prune alone makes thousands.
        let limit = 300
        if events.count > limit {
            html.element(
                "p", "The newest \(limit) of \(events.count); all of them are in snap report --json.", classes: "more")
        }
        html.markup(
            "<table class=\"events\">\n<thead><tr><th>Seq</th><th>Time</th><th>Action</th><th>Outcome</th><th>Nodes</th>"
                + "<th>Snapshots</th><th>By</th><th>Error</th></tr></thead>\n<tbody>\n")
        // Cells take their look from the table's style, not a class each.
        for event in events.suffix(limit) {
            html.markup("<tr>")
            html.cell(String(event.seq))
            html.cell(time(event.time))
            html.cell(event.action)
            html.cell(event.outcome, classes: event.outcome == "ok" ? nil : "crit")
            html.cell(event.nodes.joined(separator: ", "))
            html.cell(idList(event.snapshots))
            html.cell("\(event.user)@\(event.host)")
            html.cell(clipped(event.error ?? "", 300))
            html.markup("</tr>\n")
        }
        html.markup("</tbody>\n</table>\n")
    }
}
