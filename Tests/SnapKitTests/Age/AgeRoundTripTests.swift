import Testing

@testable import SnapKit

@Suite struct AgeRoundTripTests {
    static let chunk = 64 * 1024

    @Test(arguments: [0, 1, chunk, chunk + 1, 3 * chunk, (1 << 20) + 12345])
    func roundTrip(_ size: Int) throws {
        let identity = AgeIdentity.generate()
        let plaintext = AgeTesting.bytes(size, seed: UInt64(size))
        let file = try AgeTesting.encrypt(plaintext, to: [identity.recipient])
        let length = try #require(try AgeHeader.parse(file)).length
        let chunks = max(1, (size + Self.chunk - 1) / Self.chunk)
        #expect(file.count - length == 16 + size + 16 * chunks)
        let result = AgeTesting.decrypt(file, identities: [identity])
        #expect(result.error == nil)
        #expect(result.plaintext == plaintext)
        for (encryptSlice, decryptSlice) in [(1000, 7777), (Self.chunk, Self.chunk + 16), (Self.chunk + 1, 3)] {
            let sliced = try AgeTesting.encrypt(plaintext, to: [identity.recipient], sliceSize: encryptSlice)
            #expect(sliced.count == file.count)
            let again = AgeTesting.decrypt(sliced, identities: [identity], sliceSize: decryptSlice)
            #expect(again.error == nil && again.plaintext == plaintext)
        }
    }

    @Test func eachOfThreeRecipientsDecryptsAlone() throws {
        let identities = (0..<3).map { _ in AgeIdentity.generate() }
        let plaintext = AgeTesting.bytes(100_000)
        let file = try AgeTesting.encrypt(plaintext, to: identities.map(\.recipient))
        #expect(try #require(try AgeHeader.parse(file)).header.stanzas.map(\.type) == ["X25519", "X25519", "X25519"])
        for identity in identities {
            let result = AgeTesting.decrypt(file, identities: [identity])
            #expect(result.error == nil && result.plaintext == plaintext)
        }
        let stranger = AgeTesting.decrypt(file, identities: [AgeIdentity.generate()])
        #expect(stranger.ageError == .noMatchingIdentity && stranger.plaintext.isEmpty)
    }

    @Test func anEncryptorNeedsARecipient() {
        #expect(throws: AgeError.invalidKey("there is no recipient to encrypt to")) {
            try AgeEncryptor(recipients: [])
        }
    }

    /// A file of three chunks, its identity and the header's length.
    private func threeChunks() throws -> (file: [UInt8], plaintext: [UInt8], identity: AgeIdentity, header: Int) {
        let identity = AgeIdentity.generate()
        let plaintext = AgeTesting.bytes(2 * Self.chunk + 5000, seed: 7)
        let file = try AgeTesting.encrypt(plaintext, to: [identity.recipient])
        return (file, plaintext, identity, try #require(try AgeHeader.parse(file)).length)
    }

    @Test func aChangedByteIsCaughtWherever() throws {
        let (file, plaintext, identity, header) = try threeChunks()
        let bodyLine = try #require(file.firstIndex(of: UInt8(ascii: "\n"), after: 22))
        let macLine = try #require(file.indices.first { file[$0...].starts(with: "--- ".utf8) }) + 4
        let sealed = Self.chunk + 16
        let cases: [(String, Int, AgeError, Int)] = [
            ("stanza body", bodyLine + 1, .noMatchingIdentity, 0),
            ("MAC", macLine, .headerMAC, 0),
            ("nonce", header + 3, .payload("chunk 1 did not authenticate"), 0),
            ("chunk 1", header + 16 + 100, .payload("chunk 1 did not authenticate"), 0),
            ("chunk 2's tag", header + 16 + 2 * sealed - 1, .payload("chunk 2 did not authenticate"), Self.chunk),
            ("last chunk", file.count - 1, .payload("chunk 3 did not authenticate"), 2 * Self.chunk),
        ]
        for (what, offset, error, released) in cases {
            var damaged = file
            damaged[offset] = Self.otherBase64Digit(damaged[offset])
            let result = AgeTesting.decrypt(damaged, identities: [identity])
            #expect(result.ageError == error, "\(what)")
            #expect(result.plaintext == Array(plaintext.prefix(released)), "\(what)")
        }
    }

    /// A different base64 digit, so the header stays canonical where the byte was base64.
    private static func otherBase64Digit(_ byte: UInt8) -> UInt8 {
        byte == UInt8(ascii: "A") ? UInt8(ascii: "Q") : UInt8(ascii: "A")
    }

    @Test func aTruncatedFileReleasesOnlyWholeAuthenticatedChunks() throws {
        let (file, plaintext, identity, header) = try threeChunks()
        let sealed = Self.chunk + 16
        let payload = header + 16
        var cuts = Array(stride(from: 0, to: file.count, by: 997))
        cuts += [header - 1, header, header + 8, payload, payload + 1, payload + sealed, payload + 2 * sealed]
        cuts += [payload + sealed - 1, payload + sealed + 1, file.count - 1]
        for cut in cuts {
            let result = AgeTesting.decrypt(Array(file.prefix(cut)), identities: [identity])
            let error = try #require(result.ageError, "cut at \(cut)")
            switch error {
            case .header: #expect(cut < payload, "cut at \(cut)")
            case .payload: #expect(cut >= payload, "cut at \(cut)")
            default: Issue.record("cut at \(cut): \(error)")
            }
            #expect(result.plaintext.count % Self.chunk == 0, "cut at \(cut)")
            #expect(result.plaintext.count <= max(0, cut - payload) / sealed * Self.chunk, "cut at \(cut)")
            #expect(result.plaintext == Array(plaintext.prefix(result.plaintext.count)), "cut at \(cut)")
        }
        let atBoundary = AgeTesting.decrypt(Array(file.prefix(payload + sealed)), identities: [identity])
        #expect(atBoundary.ageError == .payload("the file ends before its last chunk"))
    }

    @Test func rewrapKeepsThePayloadAndChangesWhoCanRead() throws {
        let old = AgeIdentity.generate()
        let new = AgeIdentity.generate()
        let plaintext = AgeTesting.bytes(200_000, seed: 3)
        let file = try AgeTesting.encrypt(plaintext, to: [old.recipient])
        let (header, length) = try #require(try AgeHeader.parse(file))
        let newHeader = try AgeHeader.rewrap(header, identities: [old], recipients: [new.recipient])
        let rewrapped = newHeader + file[length...]
        #expect(try #require(try AgeHeader.parse(rewrapped)).length == newHeader.count)
        #expect(Array(rewrapped[newHeader.count...]) == Array(file[length...]))
        let decrypted = AgeTesting.decrypt(rewrapped, identities: [new])
        #expect(decrypted.error == nil && decrypted.plaintext == plaintext)
        #expect(AgeTesting.decrypt(rewrapped, identities: [old]).ageError == .noMatchingIdentity)
        #expect(throws: AgeError.noMatchingIdentity) {
            try AgeHeader.rewrap(header, identities: [new], recipients: [new.recipient])
        }
        #expect(throws: AgeError.invalidKey("there is no recipient to encrypt to")) {
            try AgeHeader.rewrap(header, identities: [old], recipients: [])
        }
    }

    @Test func theFileKeyUnwrapsFromAHeaderAlone() throws {
        let identity = AgeIdentity.generate()
        let fileKey = AgeFileKey.random()
        let header = AgeHeader.encode(fileKey: fileKey, recipients: [identity.recipient])
        #expect(header.last == UInt8(ascii: "\n"))
        let parsed = try #require(try AgeHeader.parse(header))
        #expect(parsed.length == header.count)
        #expect(try parsed.header.fileKey(using: [identity]) == fileKey)
        #expect(try AgeHeader.parse(Array(header.dropLast())) == nil)
    }
}

extension Array where Element == UInt8 {
    fileprivate func firstIndex(of byte: UInt8, after start: Int) -> Int? {
        self[start...].firstIndex(of: byte)
    }
}
