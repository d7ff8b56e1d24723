import Foundation

/// A conf file a restore edits, and where the copy of its old content is kept until the
/// restore is over (a rollback puts it back).
public struct ConfBackup: Codable, Sendable, Equatable {
    public var file: String
    public var backup: String

    public init(file: String, backup: String) {
        self.file = file
        self.backup = backup
    }
}
