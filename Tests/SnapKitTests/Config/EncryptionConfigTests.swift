import SnapKit
import Testing

@Suite struct EncryptionConfigTests {
    static let first = AgeIdentity.generate().recipient.description
    static let second = AgeIdentity.generate().recipient.description

    @Test func readsRecipientsAndTheIdentityPath() throws {
        let config = try SnapConfig.parse(
            """
            store: /var/lib/snap
            encryption:
              recipients: [\(Self.first), \(Self.second)]
              identity: age.key
            """, path: "/etc/snap/snap.yaml")
        let encryption = try #require(config.encryption)
        #expect(encryption.recipients.map(\.description) == [Self.first, Self.second])
        #expect(encryption.identity == "/etc/snap/age.key")
        let single = try SnapConfig.parse("encryption:\n  recipients: \(Self.first)\n", path: "/etc/snap/snap.yaml")
        #expect(single.encryption?.recipients.count == 1 && single.encryption?.identity == nil)
        #expect(try SnapConfig.parse("store: x\n", path: "/etc/snap/snap.yaml").encryption == nil)
    }

    @Test func refusesWhatCannotBeUsedAndNeverQuotesASecret() {
        let secret = AgeIdentity.generate().secretText
        let cases: [(String, String)] = [
            ("encryption: yes\n", "a mapping with recipients and identity"),
            ("encryption:\n  recipients: [age1notarecipient]\n", "age recipients (age1..."),
            ("encryption:\n  recipients: [\(Self.first), \(Self.first)]\n", "without repeats"),
            ("encryption:\n  recipients: [\(secret)]\n", "this is a secret key"),
            ("encryption:\n  identity: \(secret)\n", "not the key itself"),
            ("encryption:\n  identity: \"\"\n", "the path of an age identity file"),
            ("encryption:\n  recipient: [\(Self.first)]\n", "unknown key \"recipient\""),
        ]
        for (yaml, expected) in cases {
            #expect {
                try SnapConfig.parse(yaml, path: "/etc/snap/snap.yaml")
            } throws: { error in
                let text = "\(error)"
                return text.contains(expected) && !text.contains(String(secret.dropFirst(16)))
            }
        }
    }

    @Test func yamlErrorsNeverQuoteAnIdentity() {
        let secret = AgeIdentity.generate().secretText
        #expect {
            try SnapConfig.parse("encryption:\n  identity: [\(secret)\n", path: "/etc/snap/snap.yaml")
        } throws: { error in
            !"\(error)".contains(String(secret.dropFirst(16)))
        }
        #expect(CredentialRedaction.redact("key \(secret) here") == "key AGE-SECRET-KEY-*** here")
        #expect(CredentialRedaction.redact(secret.lowercased()).hasSuffix("***"))
    }
}
