/// An HTML document being written into one growing byte buffer.
///
/// Markup that this folder's code spells out goes in with ``markup(_:)``; every string that
/// comes from a report (node names, notes, tags, errors, ids, paths) goes in only through
/// ``text(_:)``, which escapes it for element text and for quoted attribute values alike,
/// so a hostile note cannot open a tag or leave an attribute.
struct HTMLText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    /// Markup as written, for tags, class names and numbers: never a report's string.
    mutating func markup(_ markup: String) {
        bytes.append(contentsOf: markup.utf8)
    }

    /// A report's string, escaped (`&`, `<`, `>`, `"`, `'`).
    mutating func text(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(byte)
            }
        }
    }

    /// `<tag class="...">escaped text</tag>`; `tag` and `classes` are markup.
    mutating func element(_ tag: String, _ text: String, classes: String? = nil) {
        markup(classes.map { "<\(tag) class=\"\($0)\">" } ?? "<\(tag)>")
        self.text(text)
        markup("</\(tag)>")
    }

    /// `<td>escaped text</td>`.
    mutating func cell(_ text: String, classes: String? = nil) {
        element("td", text, classes: classes)
    }

    /// The escaped form of `text`, the one escaping ``text(_:)`` does.
    static func escaped(_ text: String) -> String {
        var html = HTMLText(capacity: text.utf8.count + 16)
        html.text(text)
        return String(decoding: html.bytes, as: UTF8.self)
    }

    /// A coordinate rounded to a tenth, without a trailing `.0`: `12`, `12.5`, `-3.2`. Keeps
    /// ten thousand marks' attributes short.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}
