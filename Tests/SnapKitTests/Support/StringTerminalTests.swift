import SnapKit
import Testing

/// How names, notes and paths are shown on one line of output.
@Suite struct StringTerminalTests {
    @Test(arguments: [
        ("mnesia/schema.DAT", "mnesia/schema.DAT"),
        ("back\\slash \"quoted\"", "back\\slash \"quoted\""),
        ("ünïcödé", "ünïcödé"),
        ("a\nb", #""a\nb""#),
        ("tab\there\r", #""tab\there\r""#),
        ("\u{1B}[2J\u{7F}\u{85}", #""\u{1B}[2J\u{7F}\u{85}""#),
        ("quote \" and \\ with \n", #""quote \" and \\ with \n""#),
    ])
    func controlCharactersAreEscapedAndQuoted(text: String, shown: String) {
        #expect(text.escapedForTerminal == shown)
    }

    static let rawNames: [([UInt8], String)] = [
        (Array("plain".utf8), "plain"),
        (Array("bad".utf8) + [0xFF], #""bad\xFF""#),
        ([0xC3], #""\xC3""#),
        (Array("é".utf8) + [0x80, 0x0A] + Array("ok".utf8), #""é\x80\nok""#),
        (Array("new\nline".utf8), #""new\nline""#),
    ]

    @Test(arguments: rawNames)
    func rawFileNamesShowEveryByte(bytes: [UInt8], shown: String) {
        #expect(String.displaying(fileName: bytes) == shown)
    }
}
