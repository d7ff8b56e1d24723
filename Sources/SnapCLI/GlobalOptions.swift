import ArgumentParser

/// Options every command accepts, before or after its name.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Config file (else $SNAP_CONFIG, ./snap.yaml, /etc/snap/snap.yaml).", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Store directory (overrides the config's `store`).", valueName: "path"))
    var store: String?

    @Flag(name: .long, help: "Machine-readable output on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Only errors on stderr.")
    var quiet = false

    @Flag(name: [.short, .long], help: "More detail on stderr.")
    var verbose = false

    @Option(
        name: .long, help: ArgumentHelp("Seconds to wait for the store lock before exiting 11.", valueName: "seconds"))
    var wait: Double = 0

    /// Option names that take a value, for moving them behind the subcommand.
    static let valued: Set<String> = ["--config", "--store", "--wait"]
    /// Flags without a value.
    static let flags: Set<String> = ["--json", "--quiet", "-q", "--verbose", "-v"]

    mutating func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
        if wait < 0 { throw ValidationError("--wait must be 0 or more seconds") }
    }
}
