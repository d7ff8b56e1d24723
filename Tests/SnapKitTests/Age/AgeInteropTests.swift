import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// Files this module writes decrypt with Debian's age, and the other way round.
@Suite struct AgeInteropTests {
    let directory = TemporaryDirectory("age-interop")

    private func writeKeyFile(_ identity: AgeIdentity, _ name: String) throws -> String {
        let path = directory(name)
        let text = AgeIdentityFile.render(identity, created: Date())
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
        return path
    }

    @Test(arguments: [1, 2]) func ageDecryptsWhatTheEncryptorWrote(_ recipients: Int) throws {
        let identities = (0..<recipients).map { _ in AgeIdentity.generate() }
        let plaintext = AgeTesting.bytes(300_000, seed: 11)
        let file = try AgeTesting.encrypt(plaintext, to: identities.map(\.recipient))
        try Data(file).write(to: URL(fileURLWithPath: directory("file.age")))
        for (index, identity) in identities.enumerated() {
            let key = try writeKeyFile(identity, "key\(index)")
            let out = directory("out\(index)")
            let result = try ProcessRunner.run("/usr/bin/age", ["-d", "-i", key, "-o", out, directory("file.age")])
            #expect(result.status == 0, "\(result.stderr)")
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))) == plaintext)
        }
    }

    @Test func theDecryptorReadsWhatAgeWrote() throws {
        let identity = AgeIdentity.generate()
        let plaintext = AgeTesting.bytes(200_000, seed: 12)
        try Data(plaintext).write(to: URL(fileURLWithPath: directory("plain")))
        for armor in [false, true] {
            let out = directory(armor ? "file.age.asc" : "file.age")
            let arguments =
                ["-r", identity.recipient.description] + (armor ? ["-a"] : []) + ["-o", out, directory("plain")]
            let result = try ProcessRunner.run("/usr/bin/age", arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
            let file = armor ? try AgeArmor.decode(written) : written
            let decrypted = AgeTesting.decrypt(file, identities: [identity])
            #expect(decrypted.error == nil && decrypted.plaintext == plaintext)
        }
    }

    @Test func anAgeKeygenIdentityParses() throws {
        let key = directory("keygen")
        #expect(try ProcessRunner.run("/usr/bin/age-keygen", ["-o", key]).status == 0)
        let identities = try AgeIdentityFile.parse(try String(contentsOfFile: key, encoding: .utf8))
        let recipient = try ProcessRunner.run("/usr/bin/age-keygen", ["-y", key])
        #expect(identities.map(\.recipient.description) == [recipient.stdout.trimmingCharacters(in: .newlines)])
    }
}
