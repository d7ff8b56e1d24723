import Foundation
import Glibc

extension Output {
    /// The width tables are fitted to when standard output is a terminal: `COLUMNS` when set
    /// to a number, else the terminal's; nil when output goes to a pipe or a file, which get
    /// every value whole. `SNAP_COLUMNS` sets it whatever the output is (for tests).
    static var fittingWidth: Int? {
        let environment = ProcessInfo.processInfo.environment
        if let columns = environment["SNAP_COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        return ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : nil
    }

    /// `items` joined by commas within `width` characters: those that fit, then `+N` for the
    /// rest (`a1b2c3d4,e5f6a7b8,+12`).
    static func shortened(list items: [String], to width: Int) -> String {
        let whole = items.joined(separator: ",")
        guard whole.count > width else { return whole }
        var shown: [String] = []
        for (index, item) in items.enumerated() {
            let rest = "+\(items.count - index - 1)"
            let candidate = (shown + [item, rest]).joined(separator: ",")
            if candidate.count > width { break }
            shown.append(item)
        }
        return (shown + ["+\(items.count - shown.count)"]).joined(separator: ",")
    }

    /// `text` cut to `width` characters, the cut marked with `…`.
    static func shortened(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    /// `rows` with the cells of column `list` (a comma-separated list) and of the last column
    /// (free text) shortened so that each line of ``table(_:_:)`` fits `width`; the other
    /// columns are kept whole. The list gets up to `listShare` of the room left.
    static func fitted(
        _ header: [String], _ rows: [[String]], width: Int, list: Int, listShare: Double = 0.4
    ) -> [[String]] {
        let last = header.count - 1
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.escapedForTerminal.count)
            }
        }
        let fixed = widths.indices.filter { $0 != list && $0 != last }.map { widths[$0] + 2 }.reduce(0, +)
        let room = max(24, width - fixed - 2)
        let listWidth = min(widths[list], max(header[list].count, Int(Double(room) * listShare)))
        let textWidth = max(header[last].count, room - listWidth)
        // Cut as shown: a control character is shown escaped, which makes it wider.
        return rows.map { row in
            var row = row
            row[list] = shortened(
                list: row[list].split(separator: ",").map { String($0).escapedForTerminal }, to: listWidth)
            row[last] = shortened(row[last].escapedForTerminal, to: textWidth)
            return row
        }
    }
}
