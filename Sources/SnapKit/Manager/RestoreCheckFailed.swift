import Foundation

/// A check after a restore step did not hold.
package struct RestoreCheckFailed: SnapFailure {
    package var detail: String
    package init(detail: String) { self.detail = detail }
    package var description: String { detail }
}
