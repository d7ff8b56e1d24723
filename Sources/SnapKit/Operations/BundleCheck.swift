import Crypto
import Foundation

/// What one full read of a bundle file found.
package struct BundleCheck: Sendable {
    /// The bundle file read.
    package var path: String
    /// SHA-256 of the file as read (nil when it could not be read to the end).
    package var sha256: String?
    /// Size of the file as read.
    package var size: Int64?
    /// The manifest inside the bundle, when it decoded.
    package var manifest: BundleManifest?
    /// The exact bytes of the manifest inside the bundle, when it decoded.
    package var manifestBytes: [UInt8]?
    /// Everything wrong with the bundle itself, in words.
    package var problems: [String]
    /// What is wrong with the store's copy of the manifest beside the bundle, if anything.
    /// The copy is derived from the bundle, so `verify` writes it again from a sound one.
    var manifestCopyProblem: String?
    /// False when the bundle is encrypted and only its file was checked (its SHA-256 and
    /// age header): no identity was configured to read what is inside.
    package var contentChecked = true
    /// Why an encrypted bundle could not be opened: no identity, or none that fits.
    package var keyError: BundleKeyError?
    /// Why a delta could not be read for want of room under `$TMPDIR` for its archives: no
    /// verdict on the bundle, which is not damaged for it.
    package var scratchError: SystemError?
    /// A delta's tar as this read decoded it, when asked for (``DeltaTarCache``).
    var tar: DeltaReference?

    /// Reads the bundle of `record` in `store`, with the store's copy of its manifest. An
    /// encrypted bundle is opened with the store's identity; without one it is checked as far
    /// as that goes (``runSealed(_:in:)``), unless `contentRequired`, which sets ``keyError``.
    /// A delta is read against its base, decoded from the store's chain: a base that is gone
    /// or damaged is a problem of this snapshot too.
    /// With `cache` (`verify`, in version order), a delta is read against the tar the cache
    /// kept of its base, and this snapshot's tar is kept for the next.
    package static func run(
        _ record: SnapshotRecord, in store: Store, contentRequired: Bool = false, cache: DeltaTarCache? = nil
    ) -> BundleCheck {
        let copyPath = store.manifestPath(record.bundleSha256)
        let path = store.bundlePath(of: record)
        if let encryption = record.encryption, store.keys.identityPath == nil {
            // What can be checked without the identity first: damage is damage (exit 4).
            var check = runSealed(record, in: store)
            if contentRequired && check.problems.isEmpty {
                check.keyError = BundleKeyError.noIdentity(bundle: path).naming(recipients: encryption.recipients)
            }
            return check
        }
        var reference: DeltaReference?
        if let base = record.deltaBase {
            do {
                reference =
                    try cache?.reference(for: base)
                    ?? store.deltaReference(
                        for: record, in: store.loadRecords(.withoutTables).records, hashingContent: true)
            } catch let error as BundleKeyError {
                let digest = try? FileOps.sha256(ofFile: path)
                var check = BundleCheck(path: path, sha256: digest?.sha256, size: digest?.size, problems: [])
                check.keyError = error.naming(recipients: record.encryption?.recipients ?? [])
                return check
            } catch let error as SystemError where error.temporary {
                cache?.keep(nil)  // the tar it holds is no base of what comes next
                return unread(path, error)
            } catch {
                let digest = try? FileOps.sha256(ofFile: path)
                return BundleCheck(path: path, sha256: digest?.sha256, size: digest?.size, problems: ["\(error)"])
            }
        }
        var check = run(
            path: path, storedManifest: try? FileOps.readFile(copyPath), keys: store.keys, reference: reference,
            keepingTar: cache != nil)
        if let cache {
            var tar = check.problems.isEmpty ? check.tar : nil
            // A whole bundle is read by streaming; spooled again only when a delta needs it.
            if tar == nil, check.problems.isEmpty, record.deltaBase == nil, cache.isBase(record),
                let spooled = try? BundleArchive.spool(path, keys: store.keys, reference: nil),
                spooled.digest.file.sha256 == record.bundleSha256
            {
                tar = try? spooled.load()
            }
            cache.keep(tar)
            check.tar = nil
        }
        if let problem = check.manifestCopyProblem {
            check.manifestCopyProblem = "\(copyPath): \(problem)"
        }
        check.keyError = check.keyError?.naming(recipients: record.encryption?.recipients ?? [])
        return check
    }

    /// A check that could not read `path` for want of scratch space: no verdict.
    private static func unread(_ path: String, _ error: SystemError) -> BundleCheck {
        var check = BundleCheck(path: path, problems: [])
        check.scratchError = error
        return check
    }

    /// Throws the key problem that kept the content from being read, when the file itself is
    /// the one recorded (a file that hashes otherwise is damage, which the problems say).
    package func requireKey(for record: SnapshotRecord) throws {
        guard let keyError else { return }
        if let sha256, sha256 != record.bundleSha256 { return }
        throw keyError
    }

    /// Reads `path` once: the file's SHA-256, every entry's SHA-256, the manifest and the
    /// checksum list, and compares them with each other and with `storedManifest`
    /// (the store's copy beside the bundle; nil when it is missing or unreadable).
    ///
    /// An entry is only decompressed up to what the store's manifest promises for it (an
    /// entry it does not list is not decompressed at all), so a bundle crafted to unpack to
    /// far more than it holds is reported, not inflated into memory.
    package static func run(
        path: String, storedManifest: [UInt8]?, keys: BundleKeys = .none, reference: DeltaReference? = nil,
        keepingTar: Bool = false
    ) -> BundleCheck {
        guard FileOps.exists(path) else {
            return BundleCheck(path: path, problems: ["bundle \(path) is missing"])
        }
        let limits = ReadLimits(storedManifest: storedManifest, bundle: path)
        var actual: [String: ManifestEntry] = [:]
        var manifestBytes: [UInt8]?
        var sumsBytes: [UInt8]?
        var oversizedMetadata: Set<String> = []
        var problems: [String] = []
        var digest: (sha256: String, size: Int64)?
        var tar: DeltaReference?
        do {
            let reader = try BundleReader(path: path, keys: keys, reference: reference)
            if keepingTar { tar = try reader.spooled?.load() }
            while let entry = try reader.next() {
                if case .file = entry.kind, entry.size > limits.limit(for: entry.path) {
                    if entry.path == BundleBuilder.manifestPath || entry.path == BundleBuilder.checksumsPath {
                        oversizedMetadata.insert(entry.path)
                        problems.append(
                            "\(entry.path): the archive declares \(entry.size) bytes, "
                                + "\(limits.limit(for: entry.path)) expected; not read (decompression bomb?)")
                    } else {
                        // What the header says is enough for the comparison to name it.
                        actual[entry.path] = ManifestEntry(
                            path: entry.path, type: .file, mode: entry.mode, size: entry.size, sha256: nil)
                    }
                    continue
                }
                switch entry.kind {
                case .file where entry.path == BundleBuilder.manifestPath:
                    manifestBytes = try reader.readAll(limit: ReadLimits.metadata)
                case .file where entry.path == BundleBuilder.checksumsPath:
                    sumsBytes = try reader.readAll(limit: ReadLimits.metadata)
                case .file:
                    var hasher = SHA256()
                    var size: Int64 = 0
                    try reader.readData { chunk in
                        hasher.update(bufferPointer: chunk)
                        size += Int64(chunk.count)
                    }
                    actual[entry.path] = ManifestEntry(
                        path: entry.path, type: .file, mode: entry.mode, size: size,
                        sha256: hasher.finalizeHex())
                case .directory:
                    actual[entry.path] = ManifestEntry(path: entry.path, type: .directory, mode: entry.mode, size: 0)
                case .symlink(let target):
                    actual[entry.path] = ManifestEntry(
                        path: entry.path, type: .symlink, mode: entry.mode,
                        size: Int64(target.utf8.count), target: target)
                case .hardlink, .other:
                    problems.append("\(entry.path.escapedForTerminal): unexpected entry kind in a snap bundle")
                }
            }
            digest = try reader.finish()
        } catch let error as BundleKeyError {
            let digest = try? FileOps.sha256(ofFile: path)
            var check = BundleCheck(path: path, sha256: digest?.sha256, size: digest?.size, problems: problems)
            check.keyError = error
            return check
        } catch let error as SystemError where error.temporary {
            return unread(path, error)
        } catch {
            problems.append("unreadable archive: \(error)")
            digest = try? FileOps.sha256(ofFile: path)
        }
        var check = BundleCheck(path: path, sha256: digest?.sha256, size: digest?.size, problems: problems)
        check.tar = tar
        if storedManifest == nil {
            check.manifestCopyProblem = "the store's copy of the manifest is missing or unreadable"
        }
        guard let manifestBytes else {
            if !oversizedMetadata.contains(BundleBuilder.manifestPath) {
                check.problems.append("\(BundleBuilder.manifestPath) is missing from the bundle")
            }
            // The store's copy still says what every entry should have been.
            if digest != nil, let stored = limits.storedManifest {
                check.problems += compare(manifest: stored, actual: actual)
            }
            return check
        }
        guard let manifest = try? BundleManifest.decode(manifestBytes, source: path) else {
            check.problems.append("\(BundleBuilder.manifestPath) in the bundle is not valid JSON")
            return check
        }
        check.manifest = manifest
        check.manifestBytes = manifestBytes
        if TreeDigest.compute(manifest.entries) != manifest.treeDigest {
            check.problems.append("\(BundleBuilder.manifestPath): its tree digest does not match its entries")
        }
        if let storedManifest, storedManifest != manifestBytes {
            check.manifestCopyProblem = "the store's copy of the manifest differs from the one in the bundle"
        }
        if sumsBytes != manifest.sha256sums() {
            check.problems.append("\(BundleBuilder.checksumsPath) does not match the manifest")
        }
        if digest != nil { check.problems += compare(manifest: manifest, actual: actual) }
        return check
    }

    /// How many bytes each entry may decompress to.
    private struct ReadLimits {
        /// The most a manifest or checksum list is read into memory.
        static let metadata = 256 << 20
        /// Without the store's manifest, an entry larger than this many times the whole
        /// bundle (zstd rarely passes 1:100 on Mnesia files) is taken for a bomb.
        static let ratio: Int64 = 1024

        /// The store's copy of the manifest, when it decodes.
        var storedManifest: BundleManifest?
        /// Promised sizes by path, from the store's copy of the manifest.
        var promised: [String: Int64]?
        /// The cap without the store's manifest.
        var fallback: Int64

        init(storedManifest: [UInt8]?, bundle: String) {
            let bundleSize = Int64((try? FileOps.status(bundle))?.st_size ?? 0)
            let scaled = bundleSize.multipliedReportingOverflow(by: Self.ratio)
            fallback = scaled.overflow ? .max : max(Int64(Self.metadata), scaled.partialValue)
            guard let storedManifest, let manifest = try? BundleManifest.decode(storedManifest, source: bundle) else {
                return
            }
            var promised: [String: Int64] = [:]
            for entry in manifest.entries where entry.type == .file { promised[entry.path] = entry.size }
            promised[BundleBuilder.manifestPath] = Int64(storedManifest.count)
            promised[BundleBuilder.checksumsPath] = Int64(manifest.sha256sums().count)
            self.promised = promised
            self.storedManifest = manifest
        }

        /// The size an entry may have; -1 for an entry the store's manifest does not list,
        /// which is not decompressed at all.
        func limit(for path: String) -> Int64 {
            guard let promised else {
                let isMetadata = path == BundleBuilder.manifestPath || path == BundleBuilder.checksumsPath
                return isMetadata ? Int64(Self.metadata) : fallback
            }
            return promised[path] ?? -1
        }
    }

    private static func compare(manifest: BundleManifest, actual: [String: ManifestEntry]) -> [String] {
        var problems: [String] = []
        var unseen = actual
        for expected in manifest.entries {
            guard let found = unseen.removeValue(forKey: expected.path) else {
                problems.append("\(expected.path): missing from the bundle")
                continue
            }
            if found.type != expected.type {
                problems.append(
                    "\(expected.path): is a \(found.type.rawValue), the manifest says \(expected.type.rawValue)")
            } else if found.size != expected.size {
                problems.append("\(expected.path): \(found.size) bytes, the manifest says \(expected.size)")
            } else if found.sha256 != expected.sha256 || found.target != expected.target {
                problems.append("\(expected.path): SHA-256 mismatch")
            } else if found.mode != expected.mode {
                problems.append("\(expected.path): mode \(found.mode), the manifest says \(expected.mode)")
            }
        }
        for path in unseen.keys.sorted() { problems.append("\(path): in the bundle but not in the manifest") }
        return problems
    }
}
