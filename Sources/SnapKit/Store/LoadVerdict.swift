import Foundation

/// The last `snap verify --load` of a snapshot: its Mnesia files booted in a private
/// Erlang node and its dump loaded into a fresh one, every table counted and compared with
/// the record's summary (`load` in the record).
package struct LoadVerdict: Codable, Sendable, Equatable {
    /// When the rehearsal ran.
    package var checked: Date
    /// Whether everything loaded and matched.
    package var ok: Bool
    /// How long the rehearsal took, unpacking included.
    package var seconds: Double
    /// What the loaded Mnesia files held, table by table (the loaded dump's, for a
    /// dump-only snapshot); empty when nothing loaded.
    package var tables: [TableSummary]
    /// Tables Mnesia would not load without the absent partner, force-loaded from the
    /// snapshot's own files (`mnesia:force_load_table/1`).
    package var forced: [String]?
    /// What did not load or differed, one line each; nil when ok.
    package var problems: [String]?
    /// What differed without failing: a hot copy's files against the dump the running node
    /// wrote just before (a write in between explains it); one line each.
    package var notes: [String]?
    /// The Erlang runtime that ran it: `erl`'s path and OTP release (`/usr/bin/erl (OTP 25)`).
    package var runtime: String?

    package init(
        checked: Date, ok: Bool, seconds: Double, tables: [TableSummary], forced: [String]? = nil,
        problems: [String]? = nil, notes: [String]? = nil, runtime: String? = nil
    ) {
        self.checked = checked
        self.ok = ok
        self.seconds = seconds
        self.tables = tables
        self.forced = forced
        self.problems = problems
        self.notes = notes
        self.runtime = runtime
    }
}
