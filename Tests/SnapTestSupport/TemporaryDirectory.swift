import Foundation

/// A fresh directory under the system temp dir, removed when the value is released.
package final class TemporaryDirectory: @unchecked Sendable {
    // Only `path` is read after init; deinit runs once.
    package let path: String

    package init(_ label: String = "test") {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/snap-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`.
    package func callAsFunction(_ name: String) -> String { path + "/" + name }
}

/// Paths of the package, found from this source file.
package enum PackagePaths {
    /// The package root.
    package static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The stand-in pair's control script.
    package static var testbed: String { root + "/Tests/Testbed/leofs-testbed" }

    /// The Mnesia fixture maker under `Tests/Testbed`.
    package static var mnesiaFixture: String { root + "/Tests/Testbed/mnesia-fixture" }

    /// The script that renders an HTML file in headless Chromium (``HeadlessChromium``).
    package static var chromiumProbe: String { root + "/Tests/Testbed/chromium-probe" }
}
