extension DecodingError {
    /// Why decoding failed, in words an operator can act on (no Swift type dump), naming
    /// fields as the file spells them (`last_version`).
    var explanation: String {
        switch self {
        case let .dataCorrupted(context):
            return "not valid JSON (\(context.debugDescription))"
        case let .keyNotFound(key, _):
            return "field \(Self.snakeCase(key.stringValue)) is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            let path = context.codingPath.map { Self.snakeCase($0.stringValue) }.joined(separator: ".")
            return "field \(path) has the wrong type"
        @unknown default:
            return "\(self)"
        }
    }

    /// A key as it is written in the file (`last_version`), not as Swift names it.
    private static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { result, character in
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
    }
}
