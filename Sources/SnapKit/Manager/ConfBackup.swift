import Foundation

/// A conf file a restore edits, and where the copy of its old content is kept until the
/// restore is over (a rollback puts it back).
package struct ConfBackup: Codable, Sendable, Equatable {
    package var file: String
    package var backup: String

    package init(file: String, backup: String) {
        self.file = file
        self.backup = backup
    }
}
