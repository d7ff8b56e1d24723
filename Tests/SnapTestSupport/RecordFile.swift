import Foundation
import SnapKit

/// Hand edits of snapshot records, for tests that forge a store: the edited record is
/// sealed again, as snap would have written it, so that what is tested is what comes
/// after the record (snap refuses a record whose seal does not hold).
package enum RecordFile {
    /// Rewrites the record at `path` in the store at `store` with `change` applied to its JSON.
    package static func edit(_ path: String, store: String, _ change: (inout [String: Any]) -> Void) throws {
        guard
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
                as? [String: Any]
        else { throw CocoaError(.fileReadCorruptFile) }
        change(&object)
        let bytes = try JSONSerialization.data(withJSONObject: object)
        let record = try JSONCoding.decode(SnapshotRecord.self, from: Array(bytes), path: path)
        try Store.open(at: store).locked { try $0.save(record) }
    }
}
