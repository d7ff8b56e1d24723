/// Hides what LeoFS keeps in Erlang binaries (S3 access key ids and secret access keys among
/// them) from the text a manager printed, before snap shows it, logs it or audits it.
///
/// `load-mnesia-data` prints the row it could not load, secret included:
/// `{aborted,{bad_type,{leo_s3_credentials,<<"05236">>,<<"802562235">>,1,x}}}` becomes
/// `{aborted,{bad_type,{leo_s3_credentials,<<…>>,<<…>>,1,x}}}`, which still says what failed.
package enum ErlangRedaction {
    /// `text` with the content of every `<<...>>` binary replaced by `…`; a binary cut off
    /// by the end of the text is hidden to the end.
    package static func redactingBinaries(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "<<") {
            result += rest[..<open.lowerBound] + "<<…"
            rest = rest[open.upperBound...]
            guard let close = closingBrackets(in: rest) else { return result }
            result += ">>"
            rest = rest[close...]
        }
        return result + rest
    }

    /// Where the `>>` that closes a binary ends, skipping `>>` inside quoted strings.
    private static func closingBrackets(in text: Substring) -> Substring.Index? {
        var inString = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
            } else if character == ">", next < text.endIndex, text[next] == ">" {
                return text.index(after: next)
            }
            index = next
        }
        return nil
    }
}
