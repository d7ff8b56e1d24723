import Foundation

extension SnapshotRecord {
    /// Reads a record file quickly when it has the shape snap writes; nil otherwise (decode
    /// it with `JSONDecoder` then, which explains what is wrong). `list`, `prune` and
    /// `create` read every record of the store, and `JSONDecoder` spends most of that time
    /// on the table summaries, which are passed over unread unless `tables`.
    static func fastDecode(_ bytes: [UInt8], tables: Bool = true) -> SnapshotRecord? {
        var fields = Fields(readsTables: tables)
        let read = JSONPullReader.read(bytes[...]) { reader in
            reader.object { fields.read(&$0, key: $1) } && reader.atEnd()
        }
        return read ? fields.record() : nil
    }

    /// The members of a record file as they are read, in file order.
    private struct Fields {
        let readsTables: Bool
        var id: String?, version: Int?, created: Date?, node: String?, role: String?, cluster: String?
        var partner: String?, mode: CaptureMode?, tags: [String]?, note: String?, host: String?, user: String?
        var toolVersion: String?, bundleSha256: String?, bundleSize: Int?, treeDigest: String?
        var deduplicated: Bool?, fileCount: Int?, unpackedSize: Int?, hasDump: Bool?
        var verification: Verification?, tables: [TableSummary]?, ringHashes: RingHashes?, pinned: Bool?
        var nodename: String?, sourceSignature: String?, downtimeSeconds: Double?, coordinator: String?
        var copies: [OffsiteCopy]?, encryption: BundleEncryption?, load: LoadVerdict?, seal: String?
        var deltaBase: DeltaBase?, tarSha256: String?, tarSize: Int?

        mutating func read(_ reader: inout JSONPullReader, key: String) -> Bool {
            switch key {
            case "id": return keep(reader.string(), in: &id)
            case "version": return keep(reader.integer(), in: &version)
            case "created": return keep(reader.string().flatMap(UTCTime.parse), in: &created)
            case "node": return keep(reader.string(), in: &node)
            case "role": return reader.null() || keep(reader.string(), in: &role)
            case "cluster": return reader.null() || keep(reader.string(), in: &cluster)
            case "partner": return reader.null() || keep(reader.string(), in: &partner)
            case "mode": return keep(reader.string().flatMap(CaptureMode.init(rawValue:)), in: &mode)
            case "tags": return keep(reader.strings(), in: &tags)
            case "note": return reader.null() || keep(reader.string(), in: &note)
            case "host": return keep(reader.string(), in: &host)
            case "user": return keep(reader.string(), in: &user)
            case "tool_version": return keep(reader.string(), in: &toolVersion)
            case "bundle_sha256": return keep(reader.string(), in: &bundleSha256)
            case "bundle_size": return keep(reader.integer(), in: &bundleSize)
            case "tree_digest": return keep(reader.string(), in: &treeDigest)
            case "deduplicated": return keep(reader.bool(), in: &deduplicated)
            case "file_count": return keep(reader.integer(), in: &fileCount)
            case "unpacked_size": return keep(reader.integer(), in: &unpackedSize)
            case "has_dump": return keep(reader.bool(), in: &hasDump)
            case "verification": return reader.null() || keep(Self.verification(&reader), in: &verification)
            case "tables" where !readsTables: return reader.skipValue()
            case "tables": return reader.null() || keep(Self.tables(&reader), in: &tables)
            case "ring_hashes": return reader.null() || keep(Self.ringHashes(&reader), in: &ringHashes)
            case "pinned": return reader.null() || keep(reader.bool(), in: &pinned)
            case "nodename": return reader.null() || keep(reader.string(), in: &nodename)
            case "source_signature": return reader.null() || keep(reader.string(), in: &sourceSignature)
            case "downtime_seconds": return reader.null() || keep(reader.double(), in: &downtimeSeconds)
            case "coordinator": return reader.null() || keep(reader.string(), in: &coordinator)
            case "copies": return reader.null() || keep(Self.copies(&reader), in: &copies)
            case "encryption": return reader.null() || keep(Self.encryption(&reader), in: &encryption)
            case "load": return reader.null() || keep(Self.load(&reader, tables: readsTables), in: &load)
            case "seal": return reader.null() || keep(reader.string(), in: &seal)
            case "delta_base": return reader.null() || keep(Self.deltaBase(&reader), in: &deltaBase)
            case "tar_sha256": return reader.null() || keep(reader.string(), in: &tarSha256)
            case "tar_size": return reader.null() || keep(reader.integer(), in: &tarSize)
            default: return reader.skipValue()
            }
        }

        func record() -> SnapshotRecord? {
            guard let id, let version, let created, let node, let mode, let tags, let host, let user,
                let toolVersion, let bundleSha256, let bundleSize, let treeDigest, let deduplicated, let fileCount,
                let unpackedSize, let hasDump
            else { return nil }
            var record = SnapshotRecord(
                id: id, version: version, created: created, node: node, role: role, cluster: cluster,
                partner: partner, mode: mode, tags: tags, note: note, host: host, user: user,
                toolVersion: toolVersion, bundleSha256: bundleSha256, bundleSize: Int64(bundleSize),
                treeDigest: treeDigest, deduplicated: deduplicated, fileCount: fileCount,
                unpackedSize: Int64(unpackedSize), hasDump: hasDump, verification: verification)
            record.tables = tables
            record.ringHashes = ringHashes
            record.pinned = pinned
            record.nodename = nodename
            record.sourceSignature = sourceSignature
            record.downtimeSeconds = downtimeSeconds
            record.coordinator = coordinator
            record.copies = copies
            record.encryption = encryption
            record.load = load
            record.seal = seal
            record.deltaBase = deltaBase
            record.tarSha256 = tarSha256
            record.tarSize = tarSize.map(Int64.init)
            return record
        }

        private static func deltaBase(_ reader: inout JSONPullReader) -> DeltaBase? {
            var snapshot: String?, version: Int?, tarSha256: String?
            let read = reader.object { reader, key in
                switch key {
                case "snapshot": return keep(reader.string(), in: &snapshot)
                case "version": return keep(reader.integer(), in: &version)
                case "tar_sha256": return keep(reader.string(), in: &tarSha256)
                default: return reader.skipValue()
                }
            }
            guard read, let snapshot, let version, let tarSha256 else { return nil }
            return DeltaBase(snapshot: snapshot, version: version, tarSha256: tarSha256)
        }

        private static func copies(_ reader: inout JSONPullReader) -> [OffsiteCopy]? {
            var copies: [OffsiteCopy] = []
            let read = reader.array { reader in
                var remote: String?, copied: Date?, verified: Date?, pruned: Date?
                let read = reader.object { reader, key in
                    switch key {
                    case "remote": return keep(reader.string(), in: &remote)
                    case "copied": return keep(reader.string().flatMap(UTCTime.parse), in: &copied)
                    case "verified": return reader.null() || keep(reader.string().flatMap(UTCTime.parse), in: &verified)
                    case "pruned": return reader.null() || keep(reader.string().flatMap(UTCTime.parse), in: &pruned)
                    default: return reader.skipValue()
                    }
                }
                guard read, let remote, let copied else { return false }
                copies.append(OffsiteCopy(remote: remote, copied: copied, verified: verified, pruned: pruned))
                return true
            }
            return read ? copies : nil
        }

        private static func encryption(_ reader: inout JSONPullReader) -> BundleEncryption? {
            var recipients: [String]?, payloadSha256: String?, payloadSize: Int?
            let read = reader.object { reader, key in
                switch key {
                case "recipients": return keep(reader.strings(), in: &recipients)
                case "payload_sha256": return keep(reader.string(), in: &payloadSha256)
                case "payload_size": return keep(reader.integer(), in: &payloadSize)
                default: return reader.skipValue()
                }
            }
            guard read, let recipients, let payloadSha256, let payloadSize else { return nil }
            return BundleEncryption(
                recipients: recipients, payloadSha256: payloadSha256, payloadSize: Int64(payloadSize))
        }

        private static func load(_ reader: inout JSONPullReader, tables readsTables: Bool) -> LoadVerdict? {
            var checked: Date?, ok: Bool?, seconds: Double?, tables: [TableSummary]?, forced: [String]?
            var problems: [String]?, notes: [String]?, runtime: String?
            let read = reader.object { reader, key in
                switch key {
                case "checked": return keep(reader.string().flatMap(UTCTime.parse), in: &checked)
                case "ok": return keep(reader.bool(), in: &ok)
                case "seconds": return keep(reader.double(), in: &seconds)
                case "tables" where !readsTables: return reader.skipValue()
                case "tables": return keep(Self.tables(&reader), in: &tables)
                case "forced": return reader.null() || keep(reader.strings(), in: &forced)
                case "problems": return reader.null() || keep(reader.strings(), in: &problems)
                case "notes": return reader.null() || keep(reader.strings(), in: &notes)
                case "runtime": return reader.null() || keep(reader.string(), in: &runtime)
                default: return reader.skipValue()
                }
            }
            // Passed over unread, the tables are left out as the record's own are.
            guard read, let checked, let ok, let seconds, let tables = tables ?? (readsTables ? nil : []) else {
                return nil
            }
            return LoadVerdict(
                checked: checked, ok: ok, seconds: seconds, tables: tables, forced: forced, problems: problems,
                notes: notes, runtime: runtime)
        }

        private static func verification(_ reader: inout JSONPullReader) -> Verification? {
            var checked: Date?, ok: Bool?, problem: String?, contentChecked: Bool?
            let read = reader.object { reader, key in
                switch key {
                case "checked": return keep(reader.string().flatMap(UTCTime.parse), in: &checked)
                case "ok": return keep(reader.bool(), in: &ok)
                case "problem": return reader.null() || keep(reader.string(), in: &problem)
                case "content_checked": return reader.null() || keep(reader.bool(), in: &contentChecked)
                default: return reader.skipValue()
                }
            }
            guard read, let checked, let ok else { return nil }
            return Verification(checked: checked, ok: ok, problem: problem, contentChecked: contentChecked)
        }

        private static func tables(_ reader: inout JSONPullReader) -> [TableSummary]? {
            var tables: [TableSummary] = []
            let read = reader.array { reader in
                var name: String?, rows: Int?, digest: String?
                let read = reader.object { reader, key in
                    switch key {
                    case "name": return keep(reader.string(), in: &name)
                    case "rows": return keep(reader.integer(), in: &rows)
                    case "digest": return keep(reader.string(), in: &digest)
                    default: return reader.skipValue()
                    }
                }
                guard read, let name, let rows, let digest else { return false }
                tables.append(TableSummary(name: name, rows: rows, digest: digest))
                return true
            }
            return read ? tables : nil
        }

        private static func ringHashes(_ reader: inout JSONPullReader) -> RingHashes? {
            var current: String?, previous: String?
            let read = reader.object { reader, key in
                switch key {
                case "current": return reader.null() || keep(reader.string(), in: &current)
                case "previous": return reader.null() || keep(reader.string(), in: &previous)
                default: return reader.skipValue()
                }
            }
            return read ? RingHashes(current: current, previous: previous) : nil
        }
    }
}
