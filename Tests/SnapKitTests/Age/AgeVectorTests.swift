import Crypto
import Foundation
import Testing

@testable import SnapKit

@Suite struct AgeVectorTests {
    /// Vectors that only a hybrid (ML-KEM-768 + X25519) identity decrypts: not supported here.
    static let hybridOnly: Set<String> = [
        "armor_hybrid", "hybrid", "hybrid_and_x25519", "hybrid_grease", "hybrid_multiple_recipients",
    ]

    @Test func everyVectorIsThere() {
        #expect(AgeVector.names.count == 143)
    }

    @Test func theUnsupportedSetIsExactlyTheHybridSuccesses() throws {
        var needHybrid: Set<String> = []
        for name in AgeVector.names {
            let vector = try AgeVector(name)
            if vector.expect == "success" && vector.identities.contains(where: { $0.hasPrefix("AGE-SECRET-KEY-PQ-") }) {
                needHybrid.insert(name)
            }
        }
        #expect(needHybrid == Self.hybridOnly)
    }

    @Test(arguments: AgeVector.names) func vector(_ name: String) throws {
        let vector = try AgeVector(name)
        var identities: [AgeIdentity] = []
        for text in vector.identities {
            do { identities.append(try AgeIdentity(text)) } catch {
                #expect(text.hasPrefix("AGE-SECRET-KEY-PQ-"), "\(name): an X25519 identity did not parse: \(error)")
            }
        }
        let file: [UInt8]
        do {
            file = vector.armored ? try AgeArmor.decode(vector.file) : vector.file
        } catch {
            #expect(vector.expect == "armor failure", "\(name): \(error)")
            if case .armor = error {} else { Issue.record("\(name): \(error) is not .armor") }
            return
        }
        #expect(vector.expect != "armor failure", "\(name): the armor was accepted")
        let result = AgeTesting.decrypt(file, identities: identities, passphrases: vector.passphrases)
        if Self.hybridOnly.contains(name) {
            #expect(result.ageError == .noMatchingIdentity, "\(name) needs a hybrid identity")
            return
        }
        if name.contains("hybrid") && vector.expect != "success" {
            #expect(result.error != nil, "\(name) must not decrypt")
            return
        }
        let hash = SHA256.hash(data: result.plaintext).map { String(format: "%02x", $0) }.joined()
        switch (vector.expect, result.ageError) {
        case ("success", nil): #expect(hash == vector.payload)
        case ("header failure", .header?), ("header failure", .unsupportedVersion?): #expect(result.plaintext.isEmpty)
        case ("no match", .noMatchingIdentity?), ("HMAC failure", .headerMAC?): #expect(result.plaintext.isEmpty)
        case ("payload failure", .payload?): #expect(hash == vector.payload, "\(name): the released plaintext")
        default: Issue.record("\(name): expected \(vector.expect), got \(String(describing: result.error))")
        }
    }

    /// The header of every vector that parses encodes back to its exact bytes.
    @Test(arguments: AgeVector.names) func headerRoundTrip(_ name: String) throws {
        let vector = try AgeVector(name)
        guard !vector.armored, vector.expect != "header failure" else { return }
        let parsed = try #require(try AgeHeader.parse(vector.file))
        #expect(parsed.header.encoded == Array(vector.file[..<parsed.length]))
    }

    /// Valid armor encodes back to itself, up to CRLF and the whitespace around it.
    @Test(arguments: AgeVector.names) func armorRoundTrip(_ name: String) throws {
        let vector = try AgeVector(name)
        guard vector.armored, vector.expect != "armor failure" else { return }
        let text = String(decoding: vector.file, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let expected = text.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        #expect(AgeArmor.encode(try AgeArmor.decode(vector.file)) == Array(expected.utf8))
    }

    @Test(arguments: [
        "x25519", "x25519_grease", "scrypt", "stanza_empty_last_line", "hmac_bad", "stream_two_chunks",
        "stream_last_chunk_full", "stream_no_final_full", "stream_trailing_garbage_short", "stream_no_nonce",
        "version_unsupported", "x25519_long_share",
    ])
    func oneByteAtATime(_ name: String) throws {
        let vector = try AgeVector(name)
        let identities = try vector.identities.map { try AgeIdentity($0) }
        let whole = AgeTesting.decrypt(vector.file, identities: identities, passphrases: vector.passphrases)
        let bytewise = AgeTesting.decrypt(
            vector.file, identities: identities, passphrases: vector.passphrases, sliceSize: 1)
        #expect(bytewise.plaintext == whole.plaintext)
        #expect(bytewise.ageError == whole.ageError)
        #expect((bytewise.error == nil) == (vector.expect == "success"))
    }
}
