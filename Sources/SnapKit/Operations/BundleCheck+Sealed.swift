import Foundation
import Glibc

extension BundleCheck {
    /// Checks an encrypted bundle without its identity: the file's SHA-256 and size, and its
    /// age header (well formed, one X25519 stanza per recorded recipient), and that the store's
    /// copy of the manifest is the one the record names. What is inside is not read:
    /// ``contentChecked`` is false.
    static func runSealed(_ record: SnapshotRecord, in store: Store) -> BundleCheck {
        let path = store.bundlePath(of: record)
        var check = BundleCheck(path: path, problems: [])
        check.contentChecked = false
        guard FileOps.exists(path) else {
            check.problems.append("bundle \(path) is missing")
            return check
        }
        do {
            let digest = try FileOps.sha256(ofFile: path)
            (check.sha256, check.size) = (digest.sha256, digest.size)
        } catch {
            check.problems.append("unreadable bundle: \(error)")
            return check
        }
        if let problem = headerProblem(path: path, recipients: record.encryption?.recipients.count ?? 0) {
            check.problems.append(problem)
        }
        let copyPath = store.manifestPath(record.bundleSha256)
        if let bytes = try? FileOps.readFile(copyPath),
            let manifest = try? BundleManifest.decode(bytes, source: copyPath)
        {
            if TreeDigest.compute(manifest.entries) != manifest.treeDigest || manifest.treeDigest != record.treeDigest {
                check.problems.append("\(copyPath): the store's copy of the manifest is not the recorded one")
            }
        } else {
            check.problems.append("\(copyPath): the store's copy of the manifest is missing or unreadable")
        }
        return check
    }

    /// What is wrong with the age header at the start of `path`, if anything.
    private static func headerProblem(path: String, recipients: Int) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let bytes: [UInt8]
        do {
            bytes = try FileOps.readUpTo(AgeHeader.maximumLength + 64, from: fd, path: path)
        } catch {
            return "\(error)"
        }
        guard !bytes.isEmpty else { return "\(path) is empty" }
        do {
            guard let (header, _) = try AgeHeader.parse(bytes) else {
                return "the age header of \(path) is cut short"
            }
            let stanzas = header.stanzas.filter { $0.type == "X25519" }.count
            guard stanzas == recipients else {
                return
                    "the age header of \(path) has \(stanzas) X25519 stanzas, the record lists \(recipients) recipients"
            }
            return nil
        } catch {
            return "the age header of \(path) is damaged: \(error)"
        }
    }
}
