import Foundation

/// A type whose coding keys are spelled in snake_case already, as stored: it decodes
/// without key conversion, which is faster (`list` and `history` read thousands) and
/// which ``JSONCoding/decoder(for:)`` picks for it.
package protocol SnakeCaseKeys {}

/// The JSON dialect of the store's files and of `--json` output: snake_case keys,
/// ISO 8601 UTC times, sorted keys. A bundle's manifest, below the store, has its own
/// coder (``BundleManifest/encoded()``).
package enum JSONCoding {
    /// An encoder for store files and machine output.
    static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(UTCTime.format(date))
        }
        encoder.outputFormatting =
            pretty
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The matching decoder for `type`: without key conversion for ``SnakeCaseKeys`` types
    /// (conversion would break their keys), with it for the rest.
    package static func decoder(for type: Any.Type) -> JSONDecoder {
        decoder(convertingKeys: !(type is any SnakeCaseKeys.Type))
    }

    /// The matching decoder, converting keys: not for ``SnakeCaseKeys`` types, whose keys
    /// it would break (use ``decoder(for:)``).
    package static func decoder() -> JSONDecoder { decoder(convertingKeys: true) }

    private static func decoder(convertingKeys: Bool) -> JSONDecoder {
        let decoder = JSONDecoder()
        if convertingKeys { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = UTCTime.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "\(text) is not an ISO 8601 time")
            }
            return date
        }
        return decoder
    }

    /// Encodes `value` with a trailing newline.
    package static func encode(_ value: some Encodable, pretty: Bool = true) throws -> [UInt8] {
        Array(try encoder(pretty: pretty).encode(value)) + [0x0a]
    }

    /// Decodes a store file, turning any failure into ``StoreError/corruptFile(path:detail:)``.
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String) throws -> T {
        do {
            return try decoder(for: type).decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw StoreError.corruptFile(path: path, detail: error.explanation)
        } catch {
            throw StoreError.corruptFile(path: path, detail: "\(error)")
        }
    }
}
