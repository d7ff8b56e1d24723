import Crypto
import Glibc
import SystemPackage

// Reads the text file that `mnesia:dump_to_textfile/1` writes (LeoFS's `dump-mnesia-data`):
//
//     {tables,[{leo_ring_cur,[{record_name,leo_ring_cur},{attributes,[vnode_id,node,clock]}]}]}.
//     {leo_ring_cur,42,'storage_1@127.0.0.1',
//         1500000000000001}.
//
// The first term declares the tables; every later term is one row, a tuple whose first
// element is its table. Dumps reach hundreds of megabytes, so this is a single pass over
// bytes: a small state machine tracks brackets, strings, quoted atoms and comments, cuts
// the text into terms at each closing `.`, and drops the whitespace that line wrapping
// put in. Only the first term is read for its structure; a row is only checked for its
// table name and kept as normalized bytes for the table's digest.

/// A table as the dump's first term declares it.
public struct DeclaredTable: Codable, Sendable, Equatable {
    /// The table name.
    public var name: String
    /// The record's field names, in order (the first is the key).
    public var attributes: [String]

    /// A declared table.
    public init(name: String, attributes: [String]) {
        self.name = name
        self.attributes = attributes
    }
}

/// The rows of one table in a dump: how many, and a digest of their content.
public struct TableSummary: Codable, Sendable, Equatable {
    /// The table name.
    public var name: String
    /// The number of rows in the dump.
    public var rows: Int
    /// Lowercase hex SHA-256 of the rows, normalized and sorted, each followed by `\n`;
    /// equal for the same rows in any order or line wrapping.
    public var digest: String

    /// A table summary.
    public init(name: String, rows: Int, digest: String) {
        self.name = name
        self.rows = rows
        self.digest = digest
    }
}

/// Bounds that keep a hostile or damaged dump from exhausting memory or the stack.
public struct DumpLimits: Sendable, Equatable {
    /// The longest single term, in bytes of the file, that is accepted.
    public var maxTermBytes: Int
    /// The deepest nesting of brackets that is accepted.
    public var maxDepth: Int

    /// Limits; the defaults are far above anything a LeoFS manager writes.
    public init(maxTermBytes: Int = 64 << 20, maxDepth: Int = 10_000) {
        self.maxTermBytes = maxTermBytes
        self.maxDepth = maxDepth
    }

    /// 64 MiB a term, 10,000 levels of brackets.
    public static let standard = DumpLimits()
}

/// What a Mnesia text dump holds, table by table.
public struct MnesiaDump: Codable, Sendable, Equatable {
    /// Tables declared in the first term, in the order given, with their attribute names.
    public var tables: [DeclaredTable]
    /// Per table: row count and digest, for every declared table (0 rows if none) plus any
    /// table that has rows but was not declared; sorted by name.
    public var summaries: [TableSummary]

    /// A dump summary.
    public init(tables: [DeclaredTable], summaries: [TableSummary]) {
        self.tables = tables
        self.summaries = summaries
    }

    /// The summary of the table called `name`, if the dump has it.
    public func summary(of name: String) -> TableSummary? {
        summaries.first { $0.name == name }
    }

    /// Reads a dump held in memory; `source` names it in errors.
    /// - Throws: ``DumpError`` naming `source` and the line.
    public static func parse(
        _ bytes: some Collection<UInt8>, source: String, limits: DumpLimits = .standard
    ) throws -> MnesiaDump {
        var parser = DumpParser(source: source, limits: limits)
        let fed: Void? = try bytes.withContiguousStorageIfAvailable { try parser.feed($0) }
        if fed == nil {
            try Array(bytes).withUnsafeBufferPointer { try parser.feed($0) }
        }
        return try parser.finish()
    }

    /// Reads the dump at `path`, streaming it; `path` names it in errors.
    /// - Throws: ``SystemError`` if the file cannot be read, ``DumpError`` if it is not a dump.
    public static func parse(contentsOf path: String, limits: DumpLimits = .standard) throws -> MnesiaDump {
        var parser = DumpParser(source: path, limits: limits)
        try FileOps.readChunks(path, chunkSize: DumpParser.chunkSize) { chunk in
            try parser.feed(chunk.bindMemory(to: UInt8.self))
        }
        return try parser.finish()
    }
}

/// Why a file is not a Mnesia text dump, with the file and the 1-based line.
public enum DumpError: SnapFailure, Equatable {
    /// Text where a term must be, or a term that is not written as Erlang writes it.
    case syntax(source: String, line: Int, detail: String)
    /// A string, quoted atom or term that is still open at the end of the file.
    case unterminated(source: String, line: Int, detail: String)
    /// A closing bracket that does not match the open one.
    case unbalanced(source: String, line: Int, detail: String)
    /// A row that is not a tuple starting with its table name.
    case notARecord(source: String, line: Int)
    /// The first term is not the `{tables, [...]}` declaration.
    case notADump(source: String, line: Int, detail: String)
    /// A single term longer than ``DumpLimits/maxTermBytes``.
    case termTooLong(source: String, line: Int, limit: Int)
    /// Brackets nested deeper than ``DumpLimits/maxDepth``.
    case nestedTooDeep(source: String, line: Int, limit: Int)

    /// The file (or name) the dump was read from.
    public var source: String {
        switch self {
        case let .syntax(source, _, _), let .unterminated(source, _, _), let .unbalanced(source, _, _),
            let .notARecord(source, _), let .notADump(source, _, _), let .termTooLong(source, _, _),
            let .nestedTooDeep(source, _, _):
            return source
        }
    }

    /// The 1-based line the problem is on (or, for something left open, starts on).
    public var line: Int {
        switch self {
        case let .syntax(_, line, _), let .unterminated(_, line, _), let .unbalanced(_, line, _),
            let .notARecord(_, line), let .notADump(_, line, _), let .termTooLong(_, line, _),
            let .nestedTooDeep(_, line, _):
            return line
        }
    }

    /// `file:line: problem; what to do`, as compilers print it.
    public var description: String {
        let advice = "is this a complete `leofs-adm dump-mnesia-data` file? take the dump again"
        switch self {
        case let .syntax(source, line, detail):
            return "\(source):\(line): \(detail); \(advice)"
        case let .unterminated(source, line, detail):
            return "\(source):\(line): \(detail) at end of file; the dump looks truncated, take it again"
        case let .unbalanced(source, line, detail):
            return "\(source):\(line): \(detail); \(advice)"
        case let .notARecord(source, line):
            return "\(source):\(line): a row must be a tuple starting with its table name, like {leo_s3_users,...}; "
                + advice
        case let .notADump(source, line, detail):
            return "\(source):\(line): not a Mnesia dump: \(detail); \(advice)"
        case let .termTooLong(source, line, limit):
            return "\(source):\(line): the term starting here is longer than \(limit) bytes; refusing to read it "
                + "(damaged or hostile dump?)"
        case let .nestedTooDeep(source, line, limit):
            return "\(source):\(line): brackets nested deeper than \(limit) levels; refusing to read further "
                + "(damaged or hostile dump?)"
        }
    }
}

// MARK: - Bytes

/// The ASCII bytes the scanner cares about.
enum Byte {
    static let newline = UInt8(ascii: "\n")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let dollar = UInt8(ascii: "$")
    static let percent = UInt8(ascii: "%")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let bar = UInt8(ascii: "|")
    static let equals = UInt8(ascii: "=")
    static let caret = UInt8(ascii: "^")
    static let letterX = UInt8(ascii: "x")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let less = UInt8(ascii: "<")
    static let greater = UInt8(ascii: ">")

    /// Erlang's scanner treats every control byte and space as whitespace.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte <= 0x20 }

    /// A byte with a meaning in a term outside literals: `%`, quotes, `$`, `.` and brackets.
    @inline(__always)
    static func actsInCode(_ byte: UInt8) -> Bool {
        // One bit per byte: `"$%'().<` below 64, `>` too, and `[]{}` from 64 to 127.
        let low: UInt64 =
            1 << 0x22 | 1 << 0x24 | 1 << 0x25 | 1 << 0x27 | 1 << 0x28 | 1 << 0x29 | 1 << 0x2E | 1 << 0x3C
            | 1 << 0x3E
        let high: UInt64 = 1 << (0x5B - 64) | 1 << (0x5D - 64) | 1 << (0x7B - 64) | 1 << (0x7D - 64)
        return byte < 128 && (byte < 64 ? low : high) >> (byte & 63) & 1 != 0
    }

    /// A bracket that opens: `{`, `[`, `(` or `<`.
    @inline(__always)
    static func isOpener(_ byte: UInt8) -> Bool {
        byte == openBrace || byte == openBracket || byte == openParen || byte == less
    }

    /// The opener a closing bracket pairs with; `nil` for anything else.
    @inline(__always)
    static func opener(closing byte: UInt8) -> UInt8? {
        switch byte {
        case closeBrace: return openBrace
        case closeBracket: return openBracket
        case closeParen: return openParen
        case greater: return less  // `<<` and `>>` are counted as two brackets each
        default: return nil
        }
    }

    /// A byte as an error message shows it.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7f { return "`\(Character(Unicode.Scalar(byte)))`" }
        return "byte 0x" + [byte].hexString
    }

    /// A lowercase letter, which starts an unquoted atom (bytes above ASCII are let in
    /// because Erlang writes Latin-1 letters unquoted).
    @inline(__always)
    static func startsAtom(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte >= 0x80
    }

    /// A byte that may continue an unquoted atom.
    @inline(__always)
    static func continuesAtom(_ byte: UInt8) -> Bool {
        startsAtom(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "@")
    }
}

// MARK: - Tables

/// Takes the terms the scanner cuts: the declaration first, then rows by table.
private struct DumpCollector: TermSink, ~Copyable {
    let source: String
    private(set) var declared: [DeclaredTable]?
    private var names: [String] = []
    private var rows: [RowStore] = []
    /// Every row's normalized bytes, one after the other; the stores keep where.
    private var rowBytes = RawBuffer<UInt8>()
    private var indexByName: [String: Int] = [:]
    /// Table index by the name's bytes as written, so most rows need no decoding.
    private var indexByHead: [[UInt8]: Int] = [:]
    private var lastHead: [UInt8] = []
    private var lastIndex = -1

    init(source: String) { self.source = source }

    mutating func accept(_ term: UnsafeBufferPointer<UInt8>, line: Int) throws {
        guard declared != nil else {
            let tables = try DeclarationReader.read(Array(term), source: source, line: line)
            declared = tables
            for table in tables { _ = index(ofTable: table.name) }
            return
        }
        guard let head = Self.tableName(in: term) else {
            throw DumpError.notARecord(source: source, line: line)
        }
        let table = tableIndex(head: UnsafeBufferPointer(rebasing: term[head]))
        rowBytes.append(contentsOf: term)
        rows[table].append(rowBytes.count - term.count..<rowBytes.count, of: rowBytes.base)
    }

    /// Summaries of every declared table and every table with rows, sorted by name.
    func summaries() -> [TableSummary] {
        zip(names, rows).map { TableSummary(name: $0, rows: $1.count, digest: $1.digest(of: rowBytes.base)) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The bytes of a row's first element if it is an atom (`{name,` or `{'quoted name',`).
    static func tableName(in term: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard term.count > 2, term[0] == Byte.openBrace else { return nil }
        var end = 1
        if term[1] == Byte.apostrophe {
            end = 2
            while end < term.count && term[end] != Byte.apostrophe {
                end += term[end] == Byte.backslash ? 2 : 1
            }
            end += 1
        } else if Byte.startsAtom(term[1]) {
            while end < term.count && Byte.continuesAtom(term[end]) { end += 1 }
        }
        guard end > 1, end < term.count, term[end] == Byte.comma || term[end] == Byte.closeBrace else { return nil }
        return 1..<end
    }

    /// Rows of one table come together in a dump, so the last table is checked first.
    private mutating func tableIndex(head: UnsafeBufferPointer<UInt8>) -> Int {
        if head.count == lastHead.count, let start = head.baseAddress, memcmp(start, lastHead, head.count) == 0 {
            return lastIndex
        }
        let key = Array(head)
        let index: Int
        if let known = indexByHead[key] {
            index = known
        } else {
            index = self.index(ofTable: AtomText.name(of: key[...]))
            indexByHead[key] = index
        }
        lastHead = key
        lastIndex = index
        return index
    }

    private mutating func index(ofTable name: String) -> Int {
        if let index = indexByName[name] { return index }
        names.append(name)
        rows.append(RowStore())
        indexByName[name] = names.count - 1
        return names.count - 1
    }
}

/// Feeds chunks to the scanner and the scanner's terms to the collector.
///
/// Noncopyable because its scanner owns memory.
struct DumpParser: ~Copyable {
    /// Large enough to make reads cheap, small enough to bound a term's overshoot of the limit.
    static let chunkSize = 1 << 20

    private var scanner: TermScanner
    private var collector: DumpCollector

    init(source: String, limits: DumpLimits) {
        scanner = TermScanner(source: source, limits: limits)
        collector = DumpCollector(source: source)
    }

    /// Reads `bytes`, the next part of the stream, in chunks of at most ``chunkSize``.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var start = 0
        while start < bytes.count {
            let end = min(start + Self.chunkSize, bytes.count)
            try scanner.scan(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &collector)
            start = end
        }
    }

    /// What the stream held, once it has all been fed.
    func finish() throws -> MnesiaDump {
        try scanner.finish()
        guard let tables = collector.declared else {
            throw DumpError.notADump(
                source: collector.source, line: scanner.line, detail: "no terms at all, expected {tables,[...]} first")
        }
        return MnesiaDump(tables: tables, summaries: collector.summaries())
    }
}

// MARK: - The declaration

/// Reads the first term, `{tables,[{Name,[{record_name,R},{attributes,[a,b]}]}, ...]}`,
/// from its normalized bytes (no whitespace outside literals).
///
/// Only the expected shape is walked; any other table option is skipped without being
/// understood, so deep or odd values cannot recurse.
private struct DeclarationReader {
    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func read(_ term: [UInt8], source: String, line: Int) throws -> [DeclaredTable] {
        var reader = DeclarationReader(term)
        guard let tables = reader.declaration() else {
            throw DumpError.notADump(
                source: source, line: line,
                detail: "the first term must be {tables,[{Table,[{attributes,[...]},...]},...]}")
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

// MARK: - Atom text

/// Turns an atom as written (`leo_s3_users`, `'weird table'`, `'it\'s'`) into its name.
private enum AtomText {
    static func name(of written: ArraySlice<UInt8>) -> String {
        guard written.first == Byte.apostrophe, written.count >= 2 else { return decode(written) }
        return decode(unescape(written.dropFirst().dropLast()))
    }

    /// Erlang's escapes: `\n` and friends, `\^X`, octal `\101`, `\x41`, `\x{1F600}`, `\'`.
    private static func unescape(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            index += 1
            guard byte == Byte.backslash, index < body.endIndex else {
                out.append(byte)
                continue
            }
            let escaped = body[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                index -= 1
                appendScalar(number(in: body, at: &index, radix: 8, maxDigits: 3), to: &out)
            case Byte.letterX where index < body.endIndex && body[index] == Byte.openBrace:
                index += 1
                appendScalar(number(in: body, at: &index, radix: 16, maxDigits: 8), to: &out)
                if index < body.endIndex && body[index] == Byte.closeBrace { index += 1 }
            case Byte.letterX:
                appendScalar(number(in: body, at: &index, radix: 16, maxDigits: 2), to: &out)
            case Byte.caret where index < body.endIndex:
                out.append(body[index] & 0x1f)
                index += 1
            default:
                out.append(simpleEscape(escaped))
            }
        }
        return out
    }

    /// Reads up to `maxDigits` digits of `radix` at `index`.
    private static func number(
        in body: ArraySlice<UInt8>, at index: inout Int, radix: UInt32, maxDigits: Int
    ) -> UInt32 {
        var value: UInt32 = 0
        var digits = 0
        while digits < maxDigits, index < body.endIndex, let digit = digitValue(body[index]), digit < radix {
            value = value * radix + digit
            index += 1
            digits += 1
        }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `\n` -> newline and the like; any other escaped byte stands for itself.
    private static func simpleEscape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "d"): return 0x7f
        case UInt8(ascii: "e"): return 0x1b
        case UInt8(ascii: "f"): return 0x0c
        case UInt8(ascii: "n"): return 0x0a
        case UInt8(ascii: "r"): return 0x0d
        case UInt8(ascii: "s"): return 0x20
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "v"): return 0x0b
        default: return byte
        }
    }

    private static func appendScalar(_ value: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(scalar)).utf8)
    }

    /// UTF-8 when it is; otherwise Latin-1, which is what `~p` writes to a file opened
    /// without an encoding.
    private static func decode(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
