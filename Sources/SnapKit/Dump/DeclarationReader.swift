/// Reads the first term, `{tables,[{Name,[{record_name,R},{attributes,[a,b]}]}, ...]}`,
/// from its normalized bytes (no whitespace outside literals).
///
/// Only the expected shape is walked; any other table option is skipped without being
/// understood, so deep or odd values cannot recurse.
struct DeclarationReader {
    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func read(_ term: [UInt8], source: String, line: Int) throws -> [DeclaredTable] {
        var reader = DeclarationReader(term)
        guard let tables = reader.declaration() else {
            throw DumpError(
                source: source, line: line,
                kind: .notADump("the first term must be {tables,[{Table,[{attributes,[...]},...]},...]}"))
        }
        return tables
    }

    private mutating func declaration() -> [DeclaredTable]? {
        guard take(Byte.openBrace), atom() == "tables", take(Byte.comma),
            let tables = list(of: { $0.table() }), take(Byte.closeBrace), index == bytes.count
        else { return nil }
        return tables
    }

    /// `{Name,[Option,...]}`, where the option `{attributes,[...]}` gives the field names.
    private mutating func table() -> DeclaredTable? {
        guard take(Byte.openBrace), let name = atom(), take(Byte.comma) else { return nil }
        var attributes: [String] = []
        // Each option reads as whether it was the attributes, or nil when it is not a value.
        let options = list { reader -> Bool? in
            if let found = reader.attributesOption() {
                attributes = found
                return true
            }
            return reader.skipValue() ? false : nil
        }
        guard options != nil, take(Byte.closeBrace) else { return nil }
        return DeclaredTable(name: name, attributes: attributes)
    }

    /// `{attributes,[a,b,c]}`; leaves the reader untouched when the option is another one.
    private mutating func attributesOption() -> [String]? {
        let start = index
        guard take(Byte.openBrace), atom() == "attributes", take(Byte.comma),
            let names = list(of: { $0.atom() }), take(Byte.closeBrace)
        else {
            index = start
            return nil
        }
        return names
    }

    /// `[E,E,...]` with `element` reading each E.
    private mutating func list<Element>(of element: (inout DeclarationReader) -> Element?) -> [Element]? {
        guard take(Byte.openBracket) else { return nil }
        var elements: [Element] = []
        if take(Byte.closeBracket) { return elements }
        repeat {
            guard let next = element(&self) else { return nil }
            elements.append(next)
        } while take(Byte.comma)
        return take(Byte.closeBracket) ? elements : nil
    }

    /// An atom, quoted or not, as text.
    private mutating func atom() -> String? {
        guard index < bytes.count else { return nil }
        let start = index
        if bytes[index] == Byte.apostrophe {
            index += 1
            while index < bytes.count && bytes[index] != Byte.apostrophe {
                index += bytes[index] == Byte.backslash ? 2 : 1
            }
            guard index < bytes.count else { return nil }
            index += 1
        } else {
            guard Byte.startsAtom(bytes[index]) else { return nil }
            while index < bytes.count && Byte.continuesAtom(bytes[index]) { index += 1 }
        }
        return AtomText.name(of: bytes[start..<index])
    }

    /// Skips one value of any kind, up to the `,` `|` or closing bracket after it.
    /// The scanner has already checked that brackets and literals are balanced.
    private mutating func skipValue() -> Bool {
        let start = index
        var depth = 0
        var previous: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case Byte.quote, Byte.apostrophe:
                skipLiteral(closedBy: byte)
                previous = byte
                continue
            case Byte.dollar:
                // `$` takes the next byte, or `\` and the byte after it, whatever they are.
                index += index + 1 < bytes.count && bytes[index + 1] == Byte.backslash ? 3 : 2
                previous = byte
                continue
            case Byte.openBrace, Byte.openBracket, Byte.openParen, Byte.less:
                depth += 1
            case Byte.closeBrace, Byte.closeBracket, Byte.closeParen, Byte.greater:
                if byte == Byte.greater && previous == Byte.equals { break }
                if depth == 0 { return index > start }
                depth -= 1
            case Byte.comma, Byte.bar:
                if depth == 0 { return index > start }
            default:
                break
            }
            previous = byte
            index += 1
        }
        return index > start
    }

    /// Skips a string or quoted atom starting at `index`, escapes included.
    private mutating func skipLiteral(closedBy closer: UInt8) {
        index += 1
        while index < bytes.count && bytes[index] != closer {
            index += bytes[index] == Byte.backslash ? 2 : 1
        }
        index = min(index + 1, bytes.count)
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}
