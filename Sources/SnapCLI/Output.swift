import Foundation
import SnapKit

/// Writes results to stdout and diagnostics to stderr.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints `value` as pretty JSON on stdout.
    static func json(_ value: some Encodable) throws {
        FileHandle.standardOutput.write(Data(try JSONCoding.encode(value)))
    }

    /// Left-aligned columns separated by two spaces; a cell with a control character (a
    /// newline in a file name or a note) is shown escaped, so every row stays one line.
    static func table(_ header: [String], _ rows: [[String]]) {
        let rows = rows.map { $0.map(\.escapedForTerminal) }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func render(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
            }.joined(separator: "  ")
        }
        // One write for the whole table: `list` prints thousands of rows.
        line(([render(header)] + rows.map(render)).joined(separator: "\n"))
    }

    /// `12.3 MiB`.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// `2026-11-29 11:24:43Z`.
    static func time(_ date: Date) -> String {
        UTCTime.format(date, separator: " ")
    }
}

extension Output {
    /// A line on stderr that each call rewrites (an empty text clears it), when stderr is a
    /// terminal and the run is not quiet; nil otherwise, so that cron and pipes get no progress.
    static func progressLine(quiet: Bool) -> (@Sendable (String) -> Void)? {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return nil }
        return { text in
            let width = Int(terminalWidth()) - 1
            let shown = text.count > width && width > 0 ? String(text.prefix(width)) : text
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + shown).utf8))
        }
    }

    /// The terminal's width in columns (80 when it cannot be told).
    private static func terminalWidth() -> UInt16 {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? size.ws_col : 80
    }
}
