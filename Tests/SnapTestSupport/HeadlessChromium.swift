import Foundation

/// What a page did when a real headless Chromium opened it, as `Tests/Testbed/chromium-probe`
/// reports it.
package struct RenderedPage: Decodable, Sendable {
    /// A JavaScript dialog (alert, confirm, prompt, beforeunload) the page opened.
    package struct Dialog: Decodable, Sendable {
        package var type: String
        package var message: String
    }

    /// A console API call (`source` "console-api") or one of the browser's own log entries
    /// ("network" for a failed load, "security" for a Content-Security-Policy violation...).
    package struct ConsoleEntry: Decodable, Sendable {
        /// "error", "warning", "log", "info"...
        package var level: String
        package var text: String
        package var source: String
    }

    /// A request the browser refused before it left the browser.
    package struct BlockedRequest: Decodable, Sendable {
        package var url: String
        /// Chromium's `blockedReason`: "csp", "mixed-content", ...
        package var reason: String
    }

    /// `document.body.innerText`.
    package var text: String
    /// `document.documentElement.outerHTML`, after scripts (if any ran).
    package var html: String
    /// `document.title`.
    package var title: String
    package var dialogs: [Dialog]
    package var console: [ConsoleEntry]
    /// Uncaught JavaScript exceptions.
    package var exceptions: [String]
    /// Every URL the page asked for other than its own file and `data:` URLs, including the
    /// ones the browser then refused (see ``blocked``).
    package var requests: [String]
    /// The requests the browser refused before sending them.
    package var blocked: [BlockedRequest]
    /// The full-page PNG's path.
    package var screenshot: String
    /// The screenshot's size in pixels.
    package var width: Int
    package var height: Int
    /// How many distinct pixel values the screenshot holds: 1 for a blank page.
    package var distinctColors: Int

    enum CodingKeys: String, CodingKey {
        case text, html, title, dialogs, console, exceptions, requests, blocked, screenshot, width, height
        case distinctColors = "distinct_colors"
    }

    /// The console entries at level "error".
    package var consoleErrors: [ConsoleEntry] { console.filter { $0.level == "error" } }
}

/// Why a page could not be rendered. `CustomStringConvertible` so that a test's "Caught error"
/// line says what to do (swift-testing prints the case otherwise).
package enum HeadlessChromiumError: LocalizedError, CustomStringConvertible {
    /// The probe exited `status` (2: bad arguments or no such page; 3: Chromium missing, did not
    /// start or did not load the page in time).
    case probeFailed(page: String, status: Int32, stderr: String)
    /// The probe exited 0 but its stdout was not the report.
    case unreadableReport(page: String, stdout: String, reason: String)

    package var description: String { errorDescription ?? "chromium-probe failed" }

    package var errorDescription: String? {
        switch self {
        case .probeFailed(let page, let status, let stderr):
            return "chromium-probe could not render \(page) (exit \(status)): "
                + stderr.trimmingCharacters(in: .whitespacesAndNewlines) + "."
                + " If Chromium is not installed, run scripts/install-deps (as root), which installs Debian's chromium."
        case .unreadableReport(let page, let stdout, let reason):
            return "chromium-probe's report on \(page) is not the expected JSON (\(reason)): \(stdout.prefix(500))"
        }
    }
}

/// Renders HTML files in a real headless Chromium (Debian's `chromium`, from
/// scripts/install-deps) through `Tests/Testbed/chromium-probe`. Each render starts its own
/// browser with its own profile directory, so renders may run in parallel.
package enum HeadlessChromium {
    /// Opens `htmlPath` as a file:// URL, waits for the load event and a short settle, and
    /// writes a full-page screenshot.
    /// - Parameters:
    ///   - htmlPath: the page to open.
    ///   - screenshot: where the PNG goes (overwritten).
    ///   - width: the viewport's width in CSS pixels.
    ///   - height: the viewport's height in CSS pixels.
    ///   - viewportOnly: the screenshot holds the top of the page that fits the viewport.
    /// - Throws: ``HeadlessChromiumError`` when Chromium is missing, fails, or times out.
    package static func render(
        _ htmlPath: String, screenshot: String, width: Int = 1280, height: Int = 900, viewportOnly: Bool = false
    ) throws -> RenderedPage {
        let result = try ProcessRunner.run(
            PackagePaths.chromiumProbe,
            [htmlPath, "--screenshot", screenshot, "--width", String(width), "--height", String(height)]
                + (viewportOnly ? ["--viewport-only"] : []))
        guard result.status == 0, result.signal == nil else {
            throw HeadlessChromiumError.probeFailed(page: htmlPath, status: result.status, stderr: result.stderr)
        }
        do {
            return try JSONDecoder().decode(RenderedPage.self, from: Data(result.stdout.utf8))
        } catch {
            throw HeadlessChromiumError.unreadableReport(
                page: htmlPath, stdout: result.stdout, reason: String(describing: error))
        }
    }

    /// Where screenshots are kept after a run for people to look at: `$SNAP_TEST_ARTIFACTS`,
    /// else `.build/test-artifacts` in the package.
    package static var artifactsDirectory: String {
        ProcessInfo.processInfo.environment["SNAP_TEST_ARTIFACTS"] ?? PackagePaths.root + "/.build/test-artifacts"
    }

    /// Copies `path` into ``artifactsDirectory`` as `name` (replacing an older one).
    package static func keepArtifact(_ path: String, as name: String) throws {
        try FileManager.default.createDirectory(atPath: artifactsDirectory, withIntermediateDirectories: true)
        let target = artifactsDirectory + "/" + name
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: path, toPath: target)
    }
}
