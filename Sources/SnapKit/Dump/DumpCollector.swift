import Glibc

/// Takes the terms the scanner cuts: the declaration first, then rows by table.
struct DumpCollector: TermSink, ~Copyable {
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
            throw DumpError(source: source, line: line, kind: .notARecord)
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
