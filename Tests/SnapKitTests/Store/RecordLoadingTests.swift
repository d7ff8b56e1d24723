import Foundation
import SnapTestSupport
import Testing

@testable import SnapKit

/// `loadRecords` reads what `save` wrote, whole or without the table summaries, and a
/// record read without them can never be written back over the full one.
@Suite struct RecordLoadingTests {
    @Test func recordsReadWithoutTablesAreTheSameButForTheTables() throws {
        let directory = TemporaryDirectory("record-loading")
        let store = try Store.initialize(at: directory("store"))
        var random = SeededGenerator(seed: 3)
        let saved = try (0..<40).map { index in
            var record = FastDecodingTests.randomRecord(index, using: &random)
            record.seal = nil
            try store.locked { try $0.save(record) }
            return record
        }
        let full = try store.loadRecords()
        let light = try store.loadRecords(.withoutTables)
        #expect(full.damaged.isEmpty && light.damaged.isEmpty)
        #expect(full.records.map(\.id) == saved.sorted { $0.version > $1.version }.map(\.id))
        for (whole, header) in zip(full.records, light.records) {
            #expect(whole.tables == saved.first { $0.id == whole.id }?.tables)
            #expect(header.tablesOmitted && header.tables == nil)
            var expected = whole
            expected.tables = nil
            expected.load?.tables = []
            expected.tablesOmitted = true
            #expect(header == expected)
        }
    }

    @Test func aRecordReadWithoutTablesIsNeverSaved() throws {
        let directory = TemporaryDirectory("record-loading")
        let store = try Store.initialize(at: directory("store"))
        var record = SnapshotRefTests.record("abcdef0123456789", 1, "manager_0")
        record.tables = [TableSummary(name: "leo_s3_users", rows: 3, digest: String(repeating: "a", count: 64))]
        try store.locked { try $0.save(record) }
        let before = try FileOps.readFile(store.recordPath(record.id))
        var header = try #require(try store.loadRecords(.withoutTables).records.first)
        header.pinned = true
        #expect(throws: StoreError.self) { try store.locked { try $0.save(header) } }
        #expect(try FileOps.readFile(store.recordPath(record.id)) == before)
        #expect(try store.loadRecords().records.first?.tables == record.tables)
    }

    @Test func filesOfAnySizeAreReadWhole() throws {
        let directory = TemporaryDirectory("record-loading")
        for size in [0, 1, 4095, 4096, 4097, 200_000] {
            let path = directory("file-\(size)")
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try FileOps.readFile(path) == bytes)
        }
        #expect(throws: SystemError.self) { try FileOps.readFile(directory("missing")) }
    }
}
