import Foundation
import Glibc

extension OffsiteCopier {
    /// A directory laid out as the remote is, from which one rclone run uploads a batch: the
    /// store's files are hard links (no copy of a bundle is made), the rest written.
    struct Stage {
        let path: String
        let store: Store

        init(_ path: String, store: Store) throws {
            self.path = path
            self.store = store
            try FileOps.makeDirectory(path)
        }

        /// Adds the store file that is `object` on the remote (`store.json`, a bundle, a manifest).
        func add(_ object: String) throws {
            try link(store.root + "/" + object, as: object)
        }

        /// Links `file` in as `object`.
        func link(_ file: String, as object: String) throws {
            try makeParents(of: object)
            if Glibc.link(file, path + "/" + object) != 0 { throw SystemError("link", file, .last) }
        }

        /// Writes `bytes` as `object`.
        func write(_ bytes: [UInt8], as object: String) throws {
            try makeParents(of: object)
            try FileOps.writeAtomically(bytes, to: path + "/" + object)
        }

        private func makeParents(of object: String) throws {
            var directory = path
            for part in object.split(separator: "/").dropLast() {
                directory += "/" + part
                try FileOps.makeDirectory(directory)
            }
        }
    }
}
