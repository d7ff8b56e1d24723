/// Durations as operators write them: `90s`, `15m`, `36h`, `14d`, `2w`.
package enum DurationText {
    /// Failure to read a duration.
    struct Invalid: SnapFailure {
        package var text: String
        package var description: String {
            "\(text.debugDescription) is not a duration: write a number and a unit s, m, h, d or w (36h, 14d)"
        }
    }

    /// The duration in seconds.
    /// - Throws: ``Invalid``.
    package static func seconds(_ text: String) throws -> Double {
        guard let unit = text.last, let number = Double(text.dropLast()), number >= 0, number.isFinite else {
            throw Invalid(text: text)
        }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3600
        case "d": return number * 86400
        case "w": return number * 7 * 86400
        default: throw Invalid(text: text)
        }
    }

    /// The shortest exact text for `seconds` (`36h`, `14d`, `90s`).
    package static func format(_ seconds: Double) -> String {
        for (unit, size) in [("w", 604_800.0), ("d", 86_400.0), ("h", 3600.0), ("m", 60.0)]
        where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return "\(Int(seconds))s"
    }

    /// A rounded age for people: `45s`, `12m`, `5h`, `3d`.
    package static func approximate(_ seconds: Double) -> String {
        let value = max(seconds, 0)
        if value < 120 { return "\(Int(value))s" }
        if value < 7200 { return "\(Int(value / 60))m" }
        if value < 172_800 { return "\(Int(value / 3600))h" }
        return "\(Int(value / 86_400))d"
    }
}
