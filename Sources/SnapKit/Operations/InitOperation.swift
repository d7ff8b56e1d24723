import Foundation

/// The init use case: makes a new store where the session says, and opens its audit log.
package enum InitOperation {
    /// - Returns: the new store's `store.json`.
    /// - Throws: ``StoreError/noStoreConfigured`` or ``StoreError/alreadyExists(_:)``.
    package static func run(in session: Session) throws -> (store: Store, info: StoreInfo) {
        guard let path = session.storePath else { throw StoreError.noStoreConfigured }
        let store = try Store.initialize(at: path)
        try store.withLock("init", by: session.invocation) { _, _ in }
        return (store, try store.readInfo())
    }
}
