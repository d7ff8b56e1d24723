import Foundation
import SnapTestSupport
import Testing

/// The harness the HTML report's end-to-end tests stand on: each test shows that one of
/// `RenderedPage`'s findings can come out either way in the Chromium scripts/install-deps
/// installs. Without Chromium they fail, saying to run scripts/install-deps.
@Suite struct HeadlessChromiumTests {
    /// The hostile strings a backup's note or a node name could carry into the report.
    static let hostile = #"<script>alert(1)</script>"><img src=x onerror=alert(2)><img src="http://127.0.0.1:9/x.png">"#

    /// The policy the report sets: no scripts, no fetches, inline styles and data: images only.
    static let lockedDown =
        #"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#

    /// Writes a page with `head` and `body`, renders it, and returns the report with the
    /// directory holding the page and its screenshot (removed when the caller drops it).
    func render(head: String = "", body: String) throws -> (RenderedPage, TemporaryDirectory) {
        let directory = TemporaryDirectory("chromium")
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8">\(head)</head>
            <body>\(body)</body></html>
            """
        try page.write(toFile: directory("page.html"), atomically: true, encoding: .utf8)
        let rendered = try HeadlessChromium.render(directory("page.html"), screenshot: directory("page.png"))
        return (rendered, directory)
    }

    @Test func textAndAColouredDrawingShowAndTheScreenshotCoversTheWholePage() throws {
        let (page, directory) = try render(
            head: "<title>Snapshots</title>",
            body: """
                <h1>Backups are healthy</h1>
                <svg width="120" height="40"><rect width="120" height="40" fill="#2a7"/></svg>
                <div style="height:2400px"></div><p>End of report</p>
                """)
        #expect(page.text.contains("Backups are healthy"))
        #expect(page.text.contains("End of report"))
        #expect(page.title == "Snapshots")
        #expect(page.html.contains("<svg"))
        #expect(page.screenshot == directory("page.png"))
        #expect(FileManager.default.fileExists(atPath: directory("page.png")))
        #expect(page.width == 1280)
        #expect(page.height > 2400, "the screenshot stops at the viewport")
        #expect(page.distinctColors > 1)
        #expect(page.dialogs.isEmpty)
        #expect(page.consoleErrors.isEmpty)
        #expect(page.exceptions.isEmpty)
        #expect(page.requests.isEmpty)
    }

    @Test func anInlineScriptsAlertIsCaughtAndDismissed() throws {
        let (page, _) = try render(body: "<p>before</p><script>alert('from the page')</script><p>after</p>")
        #expect(page.dialogs.map(\.type) == ["alert"])
        #expect(page.dialogs.map(\.message) == ["from the page"])
        // The dialog was dismissed: the parser went on past the script.
        #expect(page.text.contains("after"))
    }

    @Test func anEventHandlersConsoleErrorAndExceptionAreCaught() throws {
        let (page, _) = try render(
            body: #"<img src=x onerror="console.error('boom')"><img src=y onerror="noSuchFunction()">"#)
        #expect(page.consoleErrors.contains { $0.text == "boom" && $0.source == "console-api" })
        #expect(page.exceptions.contains { $0.contains("noSuchFunction") })
        #expect(page.dialogs.isEmpty)
    }

    @Test func aFetchOfAnotherURLIsCaught() throws {
        let (page, _) = try render(body: #"<img src="http://127.0.0.1:9/x.png">"#)
        #expect(page.requests == ["http://127.0.0.1:9/x.png"])
        #expect(page.blocked.isEmpty)
    }

    @Test func theReportsContentSecurityPolicyStopsUnescapedHostileContent() throws {
        let (page, _) = try render(head: Self.lockedDown, body: "<p>note: \(Self.hostile)</p>")
        #expect(page.dialogs.isEmpty)
        #expect(page.exceptions.isEmpty)
        // The page asked for x and the http image; Chromium refused both before sending them.
        #expect(!page.requests.isEmpty)
        #expect(Set(page.blocked.map(\.url)) == Set(page.requests))
        #expect(page.blocked.allSatisfy { $0.reason == "csp" })
        #expect(page.consoleErrors.contains { $0.source == "security" && $0.text.contains("Content Security Policy") })
    }

    @Test func escapedHostileContentUnderThePolicyIsQuietText() throws {
        let escaped = Self.hostile.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
        let (page, _) = try render(
            head: Self.lockedDown + "<style>p { color: #a33 }</style>", body: "<p>note: \(escaped)</p>")
        #expect(page.text.contains(Self.hostile))
        #expect(page.dialogs.isEmpty)
        #expect(page.console.isEmpty)
        #expect(page.exceptions.isEmpty)
        #expect(page.requests.isEmpty)
        #expect(page.distinctColors > 1)
    }

    @Test func aBlankPageIsOneColour() throws {
        let (page, _) = try render(head: "<style>html, body { background: #fff }</style>", body: "")
        #expect(page.distinctColors == 1)
        #expect(page.text.isEmpty)
    }
}
