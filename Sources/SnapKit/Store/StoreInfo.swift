import Foundation

/// The content of `store.json`: what a store is and which layout it uses.
package struct StoreInfo: Codable, Sendable, Equatable {
    /// The layout this snap reads and writes.
    static let currentFormatVersion = 1

    /// Store layout version.
    package var formatVersion: Int
    /// Random id of this store; seeds the audit chain.
    package var storeId: String
    /// When `snap init` made it.
    package var created: Date
    /// The highest snapshot version ever given out, so versions never repeat after a prune.
    var lastVersion: Int

    package init(storeId: String, created: Date) {
        self.formatVersion = Self.currentFormatVersion
        self.storeId = storeId
        self.created = created
        self.lastVersion = 0
    }
}
