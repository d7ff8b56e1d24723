/// A remote whose audit history or records are not what this store wrote: cut, reordered,
/// edited, or another history altogether. snap never adopts or extends such a remote (exit 4).
package struct RemoteHistoryError: SnapFailure, Equatable {
    /// The remote, as messages show it.
    package var remote: String
    /// What is wrong, naming the entry, segment or record.
    package var problem: String

    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "remote \(remote): \(problem); snap will not use this history: compare it with the store's "
            + "(\(Remedy.history)), and copy to a new path if the remote cannot be trusted"
    }
}
