/// One recipient stanza of an age header: `-> type args...` and a body.
package struct AgeStanza: Sendable, Hashable {
    /// The stanza's type, its first argument (`X25519`, `scrypt`, or one this module does not know).
    package var type: String
    /// The arguments after the type.
    package var args: [String]
    /// The decoded body.
    package var body: [UInt8]

    /// Makes a stanza; `type` and each argument must be non-empty printable ASCII without spaces.
    package init(type: String, args: [String], body: [UInt8]) {
        self.type = type
        self.args = args
        self.body = body
    }

    /// The stanza as a header holds it: the argument line, then the body in 64-column base64
    /// lines, the last shorter than 64 (empty if need be).
    var encoded: [UInt8] {
        var out = Array((["->", type] + args).joined(separator: " ").utf8)
        out.append(UInt8(ascii: "\n"))
        let text = Array(AgeBase64.encode(body).utf8)
        var start = 0
        repeat {
            let end = min(start + 64, text.count)
            out += text[start..<end]
            out.append(UInt8(ascii: "\n"))
            start += 64
        } while start <= text.count
        return out
    }
}
