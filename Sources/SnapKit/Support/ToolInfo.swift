import Foundation
import Glibc

/// Who and where snap runs: written into records and audit entries.
package enum ToolInfo {
    /// snap's version.
    package static let version = "0.1.0"

    /// This machine's host name.
    package static var host: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The effective user's name, or `uid N` when it has none.
    package static var user: String {
        let uid = geteuid()
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}
