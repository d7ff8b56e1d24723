import Foundation

/// The content of `store.json`: what a store is and which layout it uses.
public struct StoreInfo: Codable, Sendable, Equatable {
    /// The layout this snap reads and writes.
    public static let currentFormatVersion = 1

    /// Store layout version.
    public var formatVersion: Int
    /// Random id of this store; seeds the audit chain.
    public var storeId: String
    /// When `snap init` made it.
    public var created: Date
    /// The highest snapshot version ever given out, so versions never repeat after a prune.
    public var lastVersion: Int

    public init(storeId: String, created: Date) {
        self.formatVersion = Self.currentFormatVersion
        self.storeId = storeId
        self.created = created
        self.lastVersion = 0
    }
}
