import Foundation
import Testing

@testable import SnapKit

@Suite struct AgeKeyTests {
    /// The identity of the C2SP vectors and its recipient, as `age-keygen -y` prints it.
    static let secret = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"
    static let recipientText = "age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef"

    @Test func anIdentityGivesItsRecipient() throws {
        let identity = try AgeIdentity(Self.secret)
        #expect(identity.recipient.description == Self.recipientText)
        #expect(identity.secretText == Self.secret)
        #expect(try AgeIdentity(Self.secret.lowercased()).recipient == identity.recipient)
        #expect(try AgeRecipient(Self.recipientText) == identity.recipient)
        #expect(try AgeRecipient(Self.recipientText.uppercased()).description == Self.recipientText)
        let generated = AgeIdentity.generate()
        #expect(try AgeIdentity(generated.secretText).recipient == generated.recipient)
    }

    @Test(arguments: [
        ("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryeF", "mixes upper and lower case"),
        ("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryeq", "checksum"),
        (Bech32.encode(hrp: "agf", data: [UInt8](repeating: 9, count: 32)), "not an age1"),
        (Bech32.encode(hrp: "age", data: [UInt8](repeating: 9, count: 31)), "31 bytes"),
        (Bech32.encode(hrp: "age", data: [UInt8](repeating: 0, count: 32)), "low-order"),
        (AgeKeyTests.secret, "not an age1"),
        ("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef ", "character"),
        ("", "too short"),
    ])
    func badRecipientsAreRefused(_ text: String, _ why: String) {
        #expect {
            try AgeRecipient(text)
        } throws: { error in
            guard case let .invalidKey(message)? = error as? AgeError else { return false }
            return message.contains(why)
        }
    }

    @Test func bech32MatchesBIP173() throws {
        for valid in [
            "A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "?1ezyfcl",
            "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        ] {
            let (hrp, data) = try Bech32.decode(valid)
            #expect(Bech32.encode(hrp: hrp, data: data) == valid.lowercased())
        }
        for invalid in ["pzry9x8gf2tvdw0s3jn54khce6mua7l", "x1b4n0q5v", "li1dgmt3", "10a06t8", "1qzzfhee", "A12uEL5L"] {
            #expect(throws: AgeError.self) { try Bech32.decode(invalid) }
        }
    }

    @Test func anIdentityIsNeverPrinted() throws {
        let identity = try AgeIdentity(Self.secret)
        let dataPart = String(Self.secret.dropFirst("AGE-SECRET-KEY-1".count))
        var dumped = ""
        dump(identity, to: &dumped)
        var dumpedKey = ""
        dump(AgeFileKey.random(), to: &dumpedKey)
        for shown in [
            "\(identity)", String(reflecting: identity), dumped, "\([identity])",
            String(describing: Optional(identity)),
        ] {
            #expect(shown.contains(Self.recipientText))
            #expect(!shown.contains("AGE-SECRET-KEY"))
            #expect(!Self.shares8(shown.uppercased(), with: dataPart))
        }
        #expect(Mirror(reflecting: identity).children.isEmpty)
        #expect(Mirror(reflecting: AgeFileKey.random()).children.isEmpty)
        #expect("\(AgeFileKey.random())" == "AgeFileKey(16 bytes)" && dumpedKey.contains("AgeFileKey(16 bytes)"))
    }

    @Test func aKeyThatDoesNotParseIsNotQuoted() {
        var damaged = Array(Self.secret)
        damaged[30] = damaged[30] == "Q" ? "P" : "Q"
        let dataPart = String(Self.secret.dropFirst("AGE-SECRET-KEY-1".count))
        for text in [
            String(damaged), Self.secret + "Q", String(Self.secret.dropLast()), "AGE-SECRET-KEY-PQ-1" + dataPart,
        ] {
            do {
                _ = try AgeIdentity(text)
                Issue.record("a damaged key parsed")
            } catch {
                let message = error.localizedDescription
                #expect(!message.contains("AGE-SECRET-KEY"))
                #expect(!Self.shares8(message.uppercased(), with: dataPart))
            }
            do {
                _ = try AgeIdentityFile.parse("# a comment\n\n" + text + "\n")
                Issue.record("a damaged key file parsed")
            } catch {
                #expect(error.localizedDescription.contains("line 3"))
                #expect(!Self.shares8(error.localizedDescription.uppercased(), with: dataPart))
            }
        }
    }

    /// Whether `text` holds any 8 characters in a row of `secret`.
    private static func shares8(_ text: String, with secret: String) -> Bool {
        let secret = Array(secret)
        return (0...(secret.count - 8)).contains { text.contains(String(secret[$0..<($0 + 8)])) }
    }

    @Test func anIdentityFileIsWhatAgeKeygenWrites() throws {
        let identity = try AgeIdentity(Self.secret)
        let created = Date(timeIntervalSince1970: 1_609_597_845)
        let text = AgeIdentityFile.render(identity, created: created, timeZone: .gmt)
        #expect(text == "# created: 2021-01-02T14:30:45Z\n# public key: \(Self.recipientText)\n\(Self.secret)\n")
        let offset = AgeIdentityFile.render(
            identity, created: created, timeZone: try #require(TimeZone(secondsFromGMT: 3600)))
        #expect(offset.hasPrefix("# created: 2021-01-02T15:30:45+01:00\n"))
        let other = AgeIdentity.generate()
        let both = try AgeIdentityFile.parse(text + "\r\n# another\r\n" + other.secretText + "\r\n")
        #expect(both.map(\.recipient) == [identity.recipient, other.recipient])
    }

    @Test(arguments: ["", "\n", "# only a comment\n\n"])
    func anIdentityFileWithoutIdentitiesIsRefused(_ text: String) {
        #expect(throws: AgeError.invalidKey("no identity in the file")) { try AgeIdentityFile.parse(text) }
    }
}
