import Foundation

/// What a capture takes from a manager's host: its Mnesia directory (from a live node, which
/// must settle, or a stopped one), a fresh dump, or both.
package struct CaptureSources: Sendable, Equatable, Codable {
    /// How the Mnesia directory is read.
    package enum Files: String, Sendable, Codable {
        /// From a running node: the copy holds only when nothing moved for the node's settle time.
        case live
        /// From a stopped node: nothing may move at all.
        case stopped
    }

    /// The Mnesia directory, when it is captured.
    package var files: Files?
    /// Whether a fresh `dump-mnesia-data` goes into the bundle.
    package var dump: Bool

    package init(files: Files?, dump: Bool) {
        self.files = files
        self.dump = dump
    }
}

/// Bundles what a manager's host made ready for a capture into a file on snap's host.
///
/// The bundle is built where the files are, so that what reaches snap's host is the
/// compressed bundle; a local host builds it straight into the store.
package protocol CaptureBundler: Sendable {
    /// How messages name the captured directory (nil for a dump only).
    var shownAs: String? { get }
    /// The table summary of the dump, parsed where it was made; nil without a dump.
    func tables() throws -> [TableSummary]?
    /// Lists the sources, reading no content.
    func scan() throws -> any ScannedCapture
}

/// Sources as listed, ready to be bundled.
package protocol ScannedCapture {
    /// The regular files directly in the captured directory (what ``MnesiaDirectoryCheck``
    /// judges).
    var topLevelFiles: [String] { get }
    /// How the sources look on disk (``ScannedSources/signature``), for sources that need no
    /// settling; nil for a live node's files, which may hold commits not yet written.
    var signature: String? { get }
    /// Writes the bundle of what was listed to a temporary file in `directory`, on snap's host,
    /// encrypted to `recipients` when there are any (on snap's host: no key travels).
    /// - Throws: ``BundleError/fileChanged(path:)`` when something moved under the copy.
    func build(in directory: String, compression: CompressionSettings, recipients: [AgeRecipient]) throws
        -> BuiltBundle
}

/// Bundles files on snap's own host.
package struct LocalBundler: CaptureBundler {
    package var sources: BundleSources
    package var shownAs: String?

    package init(_ sources: BundleSources, shownAs: String? = nil) {
        self.sources = sources
        self.shownAs = shownAs ?? sources.mnesiaDirectory
    }

    package func tables() throws -> [TableSummary]? {
        try sources.dumpFile.map { try MnesiaDump.parse(contentsOf: $0).summaries }
    }

    package func scan() throws -> any ScannedCapture { LocalScan(scanned: try BundleBuilder.scan(sources)) }
}

private struct LocalScan: ScannedCapture {
    var scanned: ScannedSources

    var topLevelFiles: [String] {
        scanned.tree.items.filter { $0.isRegular && !$0.relativePath.contains("/") }.map(\.relativePath)
    }

    var signature: String? { scanned.sources.stableFor == nil ? scanned.signature : nil }

    func build(in directory: String, compression: CompressionSettings, recipients: [AgeRecipient]) throws
        -> BuiltBundle
    {
        try BundleBuilder.build(scanned, in: directory, compression: compression, recipients: recipients)
    }
}
