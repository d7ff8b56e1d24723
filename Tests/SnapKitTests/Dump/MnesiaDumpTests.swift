import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// The parser of `mnesia:dump_to_textfile/1` output (LeoFS's `dump-mnesia-data`).
@Suite struct MnesiaDumpTests {
    static let example = """
        {tables,[{leo_s3_endpoints,[{record_name,leo_s3_endpoints},{attributes,[endpoint,created_at]}]},
                 {leo_ring_cur,[{record_name,leo_ring_cur},{attributes,[vnode_id,node,clock]}]},
                 {leo_members_cur,[{record_name,leo_members_cur},{attributes,[node,alias]}]}]}.
        {leo_s3_endpoints,<<"localhost">>,1500000000}.
        {leo_ring_cur,42,'storage_1@127.0.0.1',
            1500000000000001}.

        """

    /// SHA-256 of nothing: the digest of a table without rows.
    static let emptyDigest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func parse(_ text: String, limits: DumpLimits = .standard) throws -> MnesiaDump {
        try MnesiaDump.parse(Array(text.utf8), source: "dump.txt", limits: limits)
    }

    /// Parses `text`, which must fail, and returns the error.
    static func failure(_ text: String, limits: DumpLimits = .standard) throws -> DumpError {
        let error = #expect(throws: DumpError.self) { try parse(text, limits: limits) }
        return try #require(error)
    }

    static var erlangInstalled: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/erl") }
    }

    // MARK: Reading

    @Test func readsTheExample() throws {
        let dump = try Self.parse(Self.example)
        #expect(
            dump.tables == [
                DeclaredTable(name: "leo_s3_endpoints", attributes: ["endpoint", "created_at"]),
                DeclaredTable(name: "leo_ring_cur", attributes: ["vnode_id", "node", "clock"]),
                DeclaredTable(name: "leo_members_cur", attributes: ["node", "alias"]),
            ])
        #expect(dump.summaries.map(\.name) == ["leo_members_cur", "leo_ring_cur", "leo_s3_endpoints"])
        #expect(dump.summaries.map(\.rows) == [0, 1, 1])
        #expect(dump.summary(of: "leo_members_cur")?.digest == Self.emptyDigest)
        #expect(dump.summary(of: "leo_ring_cur")?.digest.count == 64)
        #expect(dump.summary(of: "leo_s3_users") == nil)
    }

    @Test func digestIsSha256OfSortedNormalizedRowsEachWithNewline() throws {
        let dump = try Self.parse(
            """
            {tables,[{t,[{record_name,t},{attributes,[k,v]}]}]}.
            {t,2,
               "b c"}.
            {t, 1, a}.

            """)
        let expected = try ProcessRunner.shell(#"printf '{t,1,a}\n{t,2,"b c"}\n' | sha256sum"#)
        #expect(expected.status == 0)
        #expect(dump.summary(of: "t")?.digest == String(expected.stdout.prefix(64)))
    }

    @Test func rowsOfAnUndeclaredTableAreCountedToo() throws {
        let dump = try Self.parse(Self.example + "{leo_extra,1}.\n{'weird table',2}.\n{leo_extra,3}.\n")
        #expect(dump.tables.count == 3)
        #expect(dump.summary(of: "leo_extra")?.rows == 2)
        #expect(dump.summary(of: "weird table")?.rows == 1)
        #expect(
            dump.summaries.map(\.name) == [
                "leo_extra", "leo_members_cur", "leo_ring_cur", "leo_s3_endpoints", "weird table",
            ])
    }

    /// Every literal here holds something that would end or unbalance a term if it were read as code.
    static let tricky = #"""
        % a comment before the declaration, with "a quote and } and .
        {tables,[{'weird table',[{record_name,'weird table'},{attributes,['the key',v]}]},
                 {t,[{record_name,t},{type,set},{user_properties,[{"x.y",<<"}">>}]},{attributes,[k,v]}]}]}.
        {'weird table',"dots. commas, braces} ]) [brackets] \"quotes\" 100% not a comment",1}.
        {'weird table','atom with . and } and \' and % and "',2}.
        {t,$.,$"}.          % a comment with "unbalanced quote and } and .
        {t,$\n,$%}.
        {t,$ ,$'}.
        {t,$\\,$\"}.
        {t,$\x{7D},$\^G}.
        {t,$}, ${}.
        {t,1.5e-3,-42}.
        {t,-0.5,2.0e+10}.
        {t,<<"a.b,c">>,<<1,2,3>>}.
        {t,<<"with \"quote\" and %">>,<<>>}.
        {t,#{<<"k.">> => [1,2], a => {x}},#{}}.
        {t,"%",'%'}. % trailing comment
        {t,"multi
        line. string
        ",'x'}.
        {t,[a|b],{}}.
        {t,"one escaped \" quote }.
        and more"}.
        {t,'one escaped \' quote }.
        and more'}.
        {t,"last"}.
        """#

    @Test func literalsWithDotsQuotesBracketsAndPercentDoNotEndTerms() throws {
        let dump = try Self.parse(Self.tricky)
        #expect(dump.tables.map(\.name) == ["weird table", "t"])
        #expect(dump.tables.first?.attributes == ["the key", "v"])
        #expect(dump.tables.last?.attributes == ["k", "v"])
        #expect(dump.summary(of: "weird table")?.rows == 2)
        #expect(dump.summary(of: "t")?.rows == 17)
    }

    @Test func quotedAtomEscapesNameTheTable() throws {
        let dump = try Self.parse(
            #"""
            {tables,[{'it\'s',[{attributes,[a]}]},{'tab\x{41}\101',[{attributes,['b\tc']}]}]}.
            {'it\'s',1}.
            {'tabAA',2}.
            {tabAA,3}.

            """#)
        #expect(dump.tables.map(\.name) == ["it's", "tabAA"])
        #expect(dump.tables.last?.attributes == ["b\tc"])
        #expect(dump.summary(of: "it's")?.rows == 1)
        #expect(dump.summary(of: "tabAA")?.rows == 2)
        #expect(dump.summaries.count == 2)
    }

    /// `~p` writes Latin-1 letters of atoms as single bytes, unquoted, to a file opened
    /// without an encoding; `'\x{263A}'` stands for a character beyond Latin-1.
    @Test func latin1AndEscapedUnicodeAtomsNameTheTable() throws {
        var bytes = Array("{tables,[{".utf8) + [0xE9, UInt8(ascii: "t")] + Array(",[{attributes,[a]}]}]}.\n{".utf8)
        bytes += [0xE9, UInt8(ascii: "t")] + Array(",\"\u{E9}\"}.\n{'\\x{263A}',1}.\n".utf8)
        let dump = try MnesiaDump.parse(bytes, source: "latin1")
        #expect(dump.tables.map(\.name) == ["\u{E9}t"])
        #expect(dump.summary(of: "\u{E9}t")?.rows == 1)
        #expect(dump.summary(of: "\u{263A}")?.rows == 1)
    }

    @Test func aCollectionWithoutContiguousStorageIsRead() throws {
        let bytes = Array(Self.example.utf8).lazy.map { $0 }
        let dump = try MnesiaDump.parse(bytes, source: "lazy")
        #expect(dump == (try Self.parse(Self.example)))
    }

    @Test func summaryEncodesAsJSON() throws {
        let dump = try Self.parse(Self.example)
        let decoded = try JSONDecoder().decode(MnesiaDump.self, from: JSONEncoder().encode(dump))
        #expect(decoded == dump)
    }

    // MARK: Digests

    @Test func sameRowsInAnotherOrderAndWrappingGiveEqualDigests() throws {
        let reordered = """
            {tables,
                [{leo_s3_endpoints,[{record_name,leo_s3_endpoints},
                                    {attributes,[endpoint,created_at]}]},
                 {leo_ring_cur,[{record_name,leo_ring_cur},{attributes,[vnode_id,node,clock]}]},
                 {leo_members_cur,[{record_name,leo_members_cur},{attributes,[node,alias]}]}]}.
            % taken on another manager
            {leo_ring_cur, % the vnode, then its node
                42,
                'storage_1@127.0.0.1',1500000000000001}.
            {leo_s3_endpoints,
             <<"localhost">>,
             1500000000}.
            """
        #expect(try Self.parse(reordered).summaries == (try Self.parse(Self.example)).summaries)
        #expect(try Self.parse(Self.tricky).summaries == (try Self.parse(Self.tricky + "\n\n% end\n")).summaries)
    }

    @Test(arguments: [
        ("1500000000000001", "1500000000000002"),
        ("'storage_1@127.0.0.1'", "'storage_2@127.0.0.1'"),
        ("42,", "-42,"),
    ])
    func oneChangedValueChangesOnlyItsTablesDigest(original: String, changed: String) throws {
        let before = try Self.parse(Self.example)
        let after = try Self.parse(Self.example.replacingOccurrences(of: original, with: changed))
        #expect(after.summary(of: "leo_ring_cur")?.rows == 1)
        #expect(after.summary(of: "leo_ring_cur")?.digest != before.summary(of: "leo_ring_cur")?.digest)
        #expect(after.summary(of: "leo_s3_endpoints") == before.summary(of: "leo_s3_endpoints"))
    }

    @Test func whitespaceInsideLiteralsIsContent() throws {
        let base = #"{tables,[{t,[{attributes,[a]}]}]}.\#n"#
        let digests = try ["{t,\"a b\"}.", "{t,\"ab\"}.", "{t,'a b'}.", "{t,'ab'}.", "{t,$ }.", "{t,$a}."].map {
            try Self.parse(base + $0 + "\n").summary(of: "t")?.digest
        }
        #expect(Set(digests).count == digests.count)
    }

    // MARK: Refusals

    static let header = "{tables,[{t,[{record_name,t},{attributes,[k,v]}]}]}.\n"

    @Test(arguments: [
        ("garbage", "hello world\n", 1, "expected `{`"),
        ("garbage after the declaration", header + "{t,1}.\n\nhello world.\n", 4, "expected `{`"),
        ("unterminated string", header + "{t,1}.\n{t,\"abc}.\n{t,2}.\n", 3, "string never closed"),
        ("unterminated quoted atom", header + "{t,'abc}.\n", 2, "quoted atom never closed"),
        ("quote opened in a later row", header + "{t,1}.\n{t,2}.\n{t,\"x\"}.\n{t,\"}.\n", 5, "string never closed"),
        ("mismatched bracket", header + "{t,\n[1,2}.\n", 3, "does not match `[` opened on line 3"),
        ("bracket never closed", header + "{t,[1,\n2\n", 2, "never closed"),
        ("term cut short by a dot", header + "{t,[1,2.\n{t,3}.\n", 2, "`.` ends the term"),
        ("closing bracket never opened", header + "{t,1}}.\n", 2, "never opened"),
        ("row not starting with an atom", header + "{t,1}.\n{1,2}.\n", 3, "tuple starting with its table name"),
        ("row starting with a string", header + "{\"t\",1}.\n", 2, "tuple starting with its table name"),
        ("row starting with a variable", header + "{T,1}.\n", 2, "tuple starting with its table name"),
        ("empty tuple", header + "{}.\n", 2, "tuple starting with its table name"),
        ("row that is a list", header + "[t,1].\n", 2, "expected `{`"),
        ("first term is a row", "\n{leo_s3_users,1}.\n", 2, "not a Mnesia dump"),
        ("first term with tables not a list", "\n\n{tables,foo}.\n", 3, "not a Mnesia dump"),
        ("empty file", "", 1, "no terms"),
        ("only whitespace", "  \n\n", 3, "no terms"),
        ("no dot at the end", header + "{t,1}\n", 2, "no closing `.`"),
        ("no dot between rows", header + "{t,1}\n{t,2}.\n", 3, "expected `.` to end the term starting on line 2"),
        ("dot glued to the next row", header + "{t,1}.{t,2}.\n", 2, "must be followed by whitespace"),
    ])
    func refusesWithTheLine(name: String, text: String, line: Int, reason: String) throws {
        let error = try Self.failure(text)
        #expect(error.line == line, "\(name): \(error)")
        #expect(error.source == "dump.txt")
        #expect(error.description.hasPrefix("dump.txt:\(line): "), "\(name): \(error)")
        #expect(error.description.contains(reason), "\(name): \(error)")
    }

    @Test func nestingDeeperThanTenThousandIsRefused() throws {
        let row = "{t," + String(repeating: "[", count: 9_999) + String(repeating: "]", count: 9_999) + "}.\n"
        #expect(try Self.parse(Self.header + row).summary(of: "t")?.rows == 1)
        let deeper = "{t," + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}.\n"
        let error = try Self.failure(Self.header + "\n" + deeper)
        #expect(error == DumpError(source: "dump.txt", line: 3, kind: .nestedTooDeep(limit: 10_000)))
        #expect(error.description.contains("deeper than 10000"))
    }

    @Test func aTermLongerThanTheLimitIsRefusedBeforeItEnds() throws {
        let limits = DumpLimits(maxTermBytes: 1_000)
        let fits = "{t,\"" + String(repeating: "a", count: 900) + "\"}.\n"
        #expect(try Self.parse(Self.header + fits, limits: limits).summary(of: "t")?.rows == 1)
        let tooLong = "{t,\n\"" + String(repeating: "a", count: 2_000)  // and never closed
        let error = try Self.failure(Self.header + fits + tooLong, limits: limits)
        #expect(error == DumpError(source: "dump.txt", line: 3, kind: .termTooLong(limit: 1_000)))
    }

    @Test func aTermOver64MiBIsRefusedByDefault() throws {
        var bytes = Array(Self.header.utf8) + Array("{t,<<\"".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: (64 << 20) + 1)
        bytes += Array("\">>}.\n".utf8)
        let error = #expect(throws: DumpError.self) { try MnesiaDump.parse(bytes, source: "big.txt") }
        #expect(error == DumpError(source: "big.txt", line: 2, kind: .termTooLong(limit: 64 << 20)))
        #expect(error?.description.contains("longer than 67108864 bytes") == true)
    }

    @Test func aMissingFileIsASystemError() throws {
        let directory = TemporaryDirectory("dump-missing")
        let error = #expect(throws: SystemError.self) { try MnesiaDump.parse(contentsOf: directory("nope.txt")) }
        #expect(error?.path == directory("nope.txt"))
    }

    // MARK: Size

    /// A dump shaped like a LeoFS manager's, rows in `order`, each row either on one
    /// line or wrapped over several.
    static func generated(order: [Int], wrapped: Bool) -> String {
        var text = """
            {tables,[{leo_s3_users,[{record_name,leo_s3_users},{attributes,[id,password,role_id,created_at]}]},
                     {leo_s3_buckets,[{record_name,leo_s3_buckets},{attributes,[name,access_key_id,acls]}]},
                     {leo_members_cur,[{record_name,leo_members_cur},{attributes,[node,alias]}]}]}.

            """
        let separator = wrapped ? ",\n        " : ","
        for index in order {
            let id = "<<\"user_\(index). \\\"quoted\\\", 100%\">>"
            text += "{leo_s3_users" + separator + id + separator + "<<>>,1,1700000000}.\n"
            text += "{leo_s3_buckets,<<\"bucket-\(index)\">>" + separator + "<<\"KEY\(index)\">>" + separator
            text += "[{acl,<<\"KEY\(index)\">>,[full_control]}]}.\n"
            if index.isMultiple(of: 3) { text += "{leo_s3_users,\"user\\n\(index)\",$.,'x.y',-1.5e-3}.\n" }
        }
        return text
    }

    @Test func thousandsOfRowsAcrossChunksAreCountedExactly() throws {
        let count = 15_000
        let plain = Self.generated(order: Array(0..<count), wrapped: false)
        let wrapped = Self.generated(order: Array((0..<count).reversed()), wrapped: true)
        #expect(plain.utf8.count > 2 << 20)  // several read chunks, with terms across their edges
        let directory = TemporaryDirectory("dump-generated")
        try Data(wrapped.utf8).write(to: URL(fileURLWithPath: directory("dump.txt")))

        let fromMemory = try Self.parse(plain)
        let fromFile = try MnesiaDump.parse(contentsOf: directory("dump.txt"))
        #expect(fromMemory.summary(of: "leo_s3_users")?.rows == count + count / 3)
        #expect(fromMemory.summary(of: "leo_s3_buckets")?.rows == count)
        #expect(fromMemory.summary(of: "leo_members_cur")?.rows == 0)
        #expect(fromFile == fromMemory)
    }

    // MARK: Real Mnesia

    @Test(.enabled(if: MnesiaDumpTests.erlangInstalled, "needs Erlang/OTP (erl) for Tests/Testbed/mnesia-fixture"))
    func realDumpFromMnesiaHasTheFixturesRows() throws {
        let directory = TemporaryDirectory("dump-real")
        try MnesiaFixture.make(at: directory("mnesia"), rows: 1_500, dump: directory("dump.txt"), seed: 1)
        let dump = try MnesiaDump.parse(contentsOf: directory("dump.txt"))
        let rows = Dictionary(uniqueKeysWithValues: dump.summaries.map { ($0.name, $0.rows) })
        #expect(
            rows == [
                "leo_s3_users": 1_500, "leo_s3_credentials": 1_500, "leo_s3_buckets": 1_500,
                "leo_ring_cur": 64, "leo_ring_prv": 64, "leo_system_conf": 1, "leo_s3_endpoints": 1,
                "leo_members_cur": 0,
            ])
        #expect(dump.tables.count == 8)
        #expect(dump.tables.first { $0.name == "leo_ring_cur" }?.attributes == ["vnode_id", "node", "clock"])
        #expect(dump.summary(of: "leo_members_cur")?.digest == Self.emptyDigest)
    }

    @Test(.enabled(if: MnesiaDumpTests.erlangInstalled, "needs Erlang/OTP (erl) for Tests/Testbed/mnesia-fixture"))
    func realDumpsOfTheSameDataHaveEqualDigests() throws {
        let directory = TemporaryDirectory("dump-real-twice")
        for (name, seed) in [("a", 1), ("b", 1), ("c", 2)] {
            try MnesiaFixture.make(
                at: directory("mnesia-\(name)"), rows: 200, dump: directory("\(name).txt"), seed: seed)
        }
        let first = try MnesiaDump.parse(contentsOf: directory("a.txt"))
        let again = try MnesiaDump.parse(contentsOf: directory("b.txt"))
        let other = try MnesiaDump.parse(contentsOf: directory("c.txt"))
        #expect(again == first)
        #expect(other.summary(of: "leo_s3_credentials")?.digest != first.summary(of: "leo_s3_credentials")?.digest)
        #expect(other.summary(of: "leo_members_cur") == first.summary(of: "leo_members_cur"))
    }
}
