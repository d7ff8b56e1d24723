import Glibc

/// Receives each complete term, normalized, with the line it starts on.
protocol TermSink: ~Copyable {
    /// Takes one term; `term` is only valid during the call.
    mutating func accept(_ term: UnsafeBufferPointer<UInt8>, line: Int) throws
}

/// Cuts a byte stream into terms, normalizing each as it goes.
///
/// Fed chunk by chunk, so a term may span chunks; all state lives here between calls.
/// ``step(_:at:into:)``, the state machine, decides what every byte means; but most bytes
/// (plain text of a term, the inside of a string, whitespace, brackets that neither end
/// the term nor mismatch) only get copied or dropped, and ``consumeRun(of:from:)`` takes
/// those in a tight loop instead, keeping the state in locals and the term and the open
/// brackets in raw memory. That is what makes a dump of hundreds of megabytes quick to
/// read. Whatever the loop stops at goes through the state machine.
struct TermScanner: ~Copyable {
    /// Where in the text the scanner is.
    private enum State {
        case between  // outside any term: whitespace, comments, or the `{` of the next term
        case code  // inside a term, outside any literal
        case string, stringEscape
        case quotedAtom, quotedAtomEscape
        case char  // after `$`
        case charEscape  // after `$\`
        case charControl  // after `$\^`
        case charHex  // after `$\x`: either two hex digits or `{...}`
        case charHexBraced  // inside `$\x{...}`
        case dotInTerm  // after `.` inside brackets: a float, unless whitespace follows
        case afterTerm  // the outermost `}` is closed; only `.` may follow
        case afterDot  // the term's closing `.`; whitespace or the end must follow
        case comment  // `%` to the end of the line
    }

    /// An open bracket and the line it was opened on, for error messages. Internal, not
    /// private: Swift 6.3's debug build crashes ("Global is external, but doesn't have
    /// external or weak linkage") when another file needs the metadata of a private type
    /// held in a ``RawBuffer``.
    struct Opener {
        var byte: UInt8
        var line: Int
    }

    let source: String
    let limits: DumpLimits
    /// The current 1-based line.
    private(set) var line = 1
    private var state = State.between
    /// Where a comment returns to at its end of line.
    private var afterComment = State.between
    /// The term so far, without the whitespace outside literals. A byte of the stream adds
    /// at most one byte to it, so room for a whole chunk is made before the chunk is read.
    private var term = RawBuffer<UInt8>()
    /// Offset in the whole stream of the current term's `{`, or -1 between terms.
    private var termStart = -1
    private var termLine = 0
    /// Line where the current string or quoted atom opened.
    private var literalLine = 0
    private var open = RawBuffer<Opener>()
    /// The last byte of code (not of a literal), so `=>` in maps is not taken for a `>>`.
    private var previousCode: UInt8 = 0
    /// Bytes of the stream before the current chunk.
    private var consumed = 0

    init(source: String, limits: DumpLimits) {
        self.source = source
        self.limits = limits
    }

    /// Scans one chunk, passing every term that ends in it to `sink`.
    mutating func scan(_ chunk: UnsafeBufferPointer<UInt8>, into sink: inout some TermSink & ~Copyable) throws {
        term.reserve(chunk.count)
        var index = 0
        while index < chunk.count {
            index = consumeRun(of: chunk, from: index)
            guard index < chunk.count else { break }
            let byte = chunk[index]
            // A step that switches state may hand the byte back to be read again in the new state.
            if try step(byte, at: consumed + index, into: &sink) {
                if byte == Byte.newline { line += 1 }
                index += 1
            }
        }
        consumed += chunk.count
        try checkTermLength(upTo: consumed)
    }

    /// Takes, from `start`, bytes that ``step(_:at:into:)`` would only copy to the term or
    /// drop (counting newlines), and returns where the first byte it must decide on is.
    @inline(__always)
    private mutating func consumeRun(of chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let bytes = chunk.baseAddress else { return start }
        var index = start
        switch state {
        case .code:
            consumeCode(bytes, from: &index, to: chunk.count)
        case .string, .quotedAtom:
            var line = self.line
            var count = term.count
            if consumeLiteral(
                bytes, from: &index, to: chunk.count, closedBy: state == .string ? Byte.quote : Byte.apostrophe,
                count: &count, line: &line)
            {
                state = .code
            }
            self.line = line
            term.count = count
        case .between, .afterTerm:
            while index < chunk.count, Byte.isWhitespace(bytes[index]) {
                if bytes[index] == Byte.newline { line += 1 }
                index += 1
            }
        case .comment:
            while index < chunk.count, bytes[index] != Byte.newline { index += 1 }
        default:
            break
        }
        return index
    }

    /// Code up to a byte that needs a decision: plain text is copied, the whitespace `~p`
    /// wrapped the term with dropped, brackets opened and closed, literals read through.
    /// Stops at `%`, `$` and `.`, at the bracket that closes the term, at a bracket that is
    /// too deep or mismatched, and inside a literal at an escape.
    @inline(__always)
    private mutating func consumeCode(_ bytes: UnsafePointer<UInt8>, from index: inout Int, to end: Int) {
        var line = self.line
        var count = term.count
        var previous = previousCode
        let out = term.base
        defer {
            self.line = line
            term.count = count
            previousCode = previous
        }
        while index < end {
            let byte = bytes[index]
            if Byte.isWhitespace(byte) {
                index += 1
                if byte == Byte.newline {
                    line += 1
                    index = Self.skipSpaces(bytes, from: index, to: end)
                }
                continue
            }
            if !Byte.actsInCode(byte) {
                out[count] = byte
                count += 1
                previous = byte
                index += 1
                continue
            }
            if Byte.isOpener(byte) {
                guard open.count < limits.maxDepth else { break }
                open.append(Opener(byte: byte, line: line))
            } else if let opener = Byte.opener(closing: byte) {
                if byte != Byte.greater || previous != Byte.equals {  // else `=>` in a map
                    guard open.count > 1, open.last.byte == opener else { break }
                    open.removeLast()
                }
            } else if byte == Byte.quote || byte == Byte.apostrophe {
                literalLine = line
                out[count] = byte
                count += 1
                previous = byte
                index += 1
                guard consumeLiteral(bytes, from: &index, to: end, closedBy: byte, count: &count, line: &line)
                else {
                    state = byte == Byte.quote ? .string : .quotedAtom
                    break
                }
                continue
            } else {
                break  // `%`, `$` and `.`
            }
            out[count] = byte
            count += 1
            previous = byte
            index += 1
        }
    }

    /// The inside of a string or quoted atom, copied up to and including its closing quote
    /// (true) or up to an escape or the end of the chunk (false).
    @inline(__always)
    private func consumeLiteral(
        _ bytes: UnsafePointer<UInt8>, from index: inout Int, to end: Int, closedBy closer: UInt8,
        count: inout Int, line: inout Int
    ) -> Bool {
        let out = term.base
        while index < end {
            // Eight bytes at a time while none of them needs a look.
            while end - index >= 8 {
                let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
                if Self.contains(word, closer) || Self.contains(word, Byte.backslash)
                    || Self.contains(word, Byte.newline)
                {
                    break
                }
                UnsafeMutableRawPointer(out + count).storeBytes(of: word, as: UInt64.self)
                count += 8
                index += 8
            }
            guard index < end else { break }
            let byte = bytes[index]
            if byte == Byte.backslash { return false }
            if byte == Byte.newline { line += 1 }
            out[count] = byte
            count += 1
            index += 1
            if byte == closer { return true }
        }
        return false
    }

    /// Whether any of the eight bytes of `word` is `byte` (the zero-byte test of
    /// "Bit Twiddling Hacks", exact for this question).
    @inline(__always)
    private static func contains(_ word: UInt64, _ byte: UInt8) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let difference = word ^ (ones &* UInt64(byte))
        return (difference &- ones) & ~difference & (ones << 7) != 0
    }

    /// Skips the spaces that indent a wrapped line, eight at a time.
    @inline(__always)
    private static func skipSpaces(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        while end - index >= 8,
            UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020
        {
            index += 8
        }
        return index
    }

    /// Reports what is left open at the end of the stream.
    func finish() throws {
        switch state {
        case .between, .afterDot:
            return
        case .comment where afterComment == .between:
            return
        case .string, .stringEscape:
            throw DumpError(source: source, line: literalLine, kind: .unterminated("string never closed"))
        case .quotedAtom, .quotedAtomEscape:
            throw DumpError(source: source, line: literalLine, kind: .unterminated("quoted atom never closed"))
        case .afterTerm:
            throw DumpError(source: source, line: termLine, kind: .unterminated("term has no closing `.`"))
        case .comment where afterComment == .afterTerm:
            throw DumpError(source: source, line: termLine, kind: .unterminated("term has no closing `.`"))
        default:
            let innermost = open.lastIfAny.map { " (\(Byte.describe($0.byte)) of line \($0.line))" } ?? ""
            throw DumpError(
                source: source, line: termLine, kind: .unterminated("term has brackets never closed\(innermost)"))
        }
    }

    /// Handles one byte; returns false when the byte must be read again in the new state.
    @inline(__always)
    private mutating func step(_ byte: UInt8, at offset: Int, into sink: inout some TermSink & ~Copyable) throws -> Bool
    {
        switch state {
        case .code:
            try code(byte)
        case .string:
            term.append(byte)
            if byte == Byte.quote {
                state = .code
            } else if byte == Byte.backslash {
                state = .stringEscape
            }
        case .stringEscape:
            term.append(byte)
            state = .string
        case .quotedAtom:
            term.append(byte)
            if byte == Byte.apostrophe {
                state = .code
            } else if byte == Byte.backslash {
                state = .quotedAtomEscape
            }
        case .quotedAtomEscape:
            term.append(byte)
            state = .quotedAtom
        case .char, .charEscape, .charControl, .charHex, .charHexBraced:
            return charLiteral(byte)
        case .dotInTerm:
            if Byte.isWhitespace(byte) || byte == Byte.percent { throw dotInsideBrackets() }
            state = .code  // a float like `1.5`: read the byte as code
            return false
        case .between:
            try between(byte, at: offset)
        case .afterTerm:
            try afterTerm(byte, at: offset, into: &sink)
        case .afterDot:
            guard Byte.isWhitespace(byte) || byte == Byte.percent else {
                throw DumpError(
                    source: source, line: line,
                    kind: .syntax("`.` after a term must be followed by whitespace, found \(Byte.describe(byte))"))
            }
            state = .between
            return false
        case .comment:
            if byte == Byte.newline { state = afterComment }
        }
        return true
    }

    /// A byte of a term outside literals: brackets, literal openers, `.`, or plain text.
    @inline(__always)
    private mutating func code(_ byte: UInt8) throws {
        switch byte {
        case _ where Byte.isWhitespace(byte):
            return  // the wrapping `~p` put in; dropped so that rewrapping does not change a row
        case Byte.percent:
            afterComment = .code
            state = .comment
            return
        case Byte.quote:
            literalLine = line
            state = .string
        case Byte.apostrophe:
            literalLine = line
            state = .quotedAtom
        case Byte.dollar:
            state = .char
        case Byte.dot:
            state = .dotInTerm
        case Byte.openBrace, Byte.openBracket, Byte.openParen, Byte.less:
            try push(byte)
        case Byte.closeBrace, Byte.closeBracket, Byte.closeParen, Byte.greater:
            if byte == Byte.greater && previousCode == Byte.equals { break }  // `=>` in a map
            try pop(byte)
            if open.count == 0 { state = .afterTerm }
        default:
            break
        }
        term.append(byte)
        previousCode = byte
    }

    /// A byte of a character literal (`$a`, `$\n`, `$\^G`, `$\x41`, `$\x{1F600}`).
    ///
    /// Only the byte right after `$` or `$\` needs care: it may be a quote, `%`, `.` or
    /// a bracket that must not be read as code. Octal and hex digits are plain code.
    @inline(__always)
    private mutating func charLiteral(_ byte: UInt8) -> Bool {
        switch state {
        case .char:
            state = byte == Byte.backslash ? .charEscape : .code
        case .charEscape:
            state = byte == Byte.caret ? .charControl : byte == Byte.letterX ? .charHex : .code
        case .charHex:
            guard byte == Byte.openBrace else {
                state = .code
                return false
            }
            state = .charHexBraced
        case .charHexBraced:
            if byte == Byte.closeBrace { state = .code }
        default:  // .charControl
            state = .code
        }
        term.append(byte)
        return true
    }

    /// Between terms only whitespace, comments and the `{` of the next term may appear.
    private mutating func between(_ byte: UInt8, at offset: Int) throws {
        if Byte.isWhitespace(byte) { return }
        if byte == Byte.percent {
            afterComment = .between
            state = .comment
            return
        }
        guard byte == Byte.openBrace else {
            throw DumpError(
                source: source, line: line, kind: .syntax("expected `{` to start a term, found \(Byte.describe(byte))"))
        }
        termStart = offset
        termLine = line
        state = .code
        try code(byte)
    }

    /// After the outermost `}`: the term's `.` ends it and hands it on.
    private mutating func afterTerm(_ byte: UInt8, at offset: Int, into sink: inout some TermSink & ~Copyable) throws {
        if Byte.isWhitespace(byte) { return }
        if byte == Byte.percent {
            afterComment = .afterTerm
            state = .comment
            return
        }
        if Byte.opener(closing: byte) != nil {
            throw DumpError(
                source: source, line: line,
                kind: .unbalanced("\(Byte.describe(byte)) closes a bracket that was never opened"))
        }
        guard byte == Byte.dot else {
            throw DumpError(
                source: source, line: line,
                kind: .syntax("expected `.` to end the term starting on line \(termLine), found \(Byte.describe(byte))")
            )
        }
        try checkTermLength(upTo: offset + 1)
        try sink.accept(term.buffer, line: termLine)
        term.removeAll()
        termStart = -1
        state = .afterDot
    }

    private mutating func push(_ byte: UInt8) throws {
        guard open.count < limits.maxDepth else {
            throw DumpError(source: source, line: line, kind: .nestedTooDeep(limit: limits.maxDepth))
        }
        open.append(Opener(byte: byte, line: line))
    }

    private mutating func pop(_ byte: UInt8) throws {
        guard let top = open.lastIfAny else {
            throw DumpError(
                source: source, line: line,
                kind: .unbalanced("\(Byte.describe(byte)) closes a bracket that was never opened"))
        }
        guard Byte.opener(closing: byte) == top.byte else {
            throw DumpError(
                source: source, line: line,
                kind: .unbalanced(
                    "\(Byte.describe(byte)) does not match \(Byte.describe(top.byte)) opened on line \(top.line)"))
        }
        open.removeLast()
    }

    /// A `.` followed by whitespace ends an Erlang term; inside brackets it means the term
    /// was cut short.
    private func dotInsideBrackets() -> DumpError {
        let innermost = open.lastIfAny.map { "\(Byte.describe($0.byte)) opened on line \($0.line)" }
        return DumpError(
            source: source, line: line,
            kind: .unbalanced("`.` ends the term while \(innermost ?? "a bracket") is still open"))
    }

    /// Refuses a term once it is longer than the limit, before it can grow further.
    private func checkTermLength(upTo end: Int) throws {
        if termStart >= 0 && end - termStart > limits.maxTermBytes {
            throw DumpError(source: source, line: termLine, kind: .termTooLong(limit: limits.maxTermBytes))
        }
    }
}
