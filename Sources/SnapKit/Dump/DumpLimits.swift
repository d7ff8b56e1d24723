/// Bounds that keep a hostile or damaged dump from exhausting memory or the stack.
package struct DumpLimits: Sendable, Equatable {
    /// The longest single term, in bytes of the file, that is accepted.
    package var maxTermBytes: Int
    /// The deepest nesting of brackets that is accepted.
    package var maxDepth: Int

    /// Limits; the defaults are far above anything a LeoFS manager writes.
    package init(maxTermBytes: Int = 64 << 20, maxDepth: Int = 10_000) {
        self.maxTermBytes = maxTermBytes
        self.maxDepth = maxDepth
    }

    /// 64 MiB a term, 10,000 levels of brackets.
    package static let standard = DumpLimits()
}
