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
            throw DumpError(
                source: collector.source, line: scanner.line,
                kind: .notADump("no terms at all, expected {tables,[...]} first"))
        }
        return MnesiaDump(tables: tables, summaries: collector.summaries())
    }
}
