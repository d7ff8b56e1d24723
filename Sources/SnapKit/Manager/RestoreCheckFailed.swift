import Foundation

/// A check after a restore step did not hold.
public struct RestoreCheckFailed: SnapFailure {
    public var detail: String
    public init(detail: String) { self.detail = detail }
    public var description: String { detail }
}
