import Foundation
import Yams

/// A policy file (`policies/NAME.yaml`): how to capture, what to keep, when to run, when to worry.
package struct Policy: Sendable, Equatable {
    /// Where it was read from.
    package var path: String
    /// Capture mode for `snap create` (default `auto`).
    package var mode: SnapshotRecord.CaptureMode.Requested
    /// zstd level and threads (threads 0: one per core), as the file says; ``compression``
    /// is what they mean.
    var compressionLevel: Int
    var compressionThreads: Int
    /// The retention rules.
    package var keep: RetentionRules
    /// The zone calendar buckets are taken in (IANA name).
    package var timeZone: TimeZone
    /// Cron expression for `snap cron`, as written; ``parse(_:path:)`` checked that
    /// ``CronSchedule`` reads it.
    package var schedule: String?
    /// Verify every new snapshot right after it was made.
    package var verifyAfterCreate: Bool
    /// Age of the newest snapshot that makes `snap check` warn, and go critical, in seconds.
    package var freshnessWarn: Double
    package var freshnessCrit: Double
    /// Age of a node's newest snapshot proven to load (`load.ok`) that makes `snap check`
    /// warn, in seconds (`freshness.load_warn`); nil: no such threshold.
    package var freshnessLoadWarn: Double?
    /// When `snap create` proves that snapshots load (`verify_load`, default off).
    package var verifyLoad: VerifyLoad = .off
    /// Commands run around `snap create`, by event (`before_create`, `after_create`, `on_failure`).
    package var hooks: [String: String] = [:]
    /// Deadline of each hook, in seconds.
    var hookTimeout: Double = 60
    /// Copies off site, and their retention.
    package var offsite: OffsitePolicy?
    /// Delta bundles (`delta: {max_chain, max_ratio}`); nil: every capture a whole bundle.
    package var delta: DeltaSettings?

    static let topKeys = [
        "mode", "compression", "keep", "timezone", "schedule", "verify_after_create", "verify_load", "freshness",
        "hooks", "offsite", "delta",
    ]
    static let hookKeys = ["before_create", "after_create", "on_failure", "timeout"]
    static let keepKeys = ["last", "hourly", "daily", "weekly", "monthly", "yearly", "within", "pre_restore"]
    /// The keep keys that keep regular captures (all but `pre_restore`).
    static let captureKeepKeys = keepKeys.filter { $0 != "pre_restore" }

    /// The compression the policy asks for, threads 0 meaning one per core
    /// (``CompressionSettings/standard``'s). ``parse(_:path:)`` checked the values.
    package var compression: CompressionSettings {
        CompressionSettings(
            level: compressionLevel,
            threads: compressionThreads == 0 ? CompressionSettings.standard.threads : compressionThreads,
            unchecked: ())
    }

    /// The schedule as ``CronSchedule`` reads it; nil when the policy has none
    /// (``parse(_:path:)`` refused any it cannot read).
    package var cronSchedule: CronSchedule? { schedule.flatMap { try? CronSchedule(parsing: $0) } }

    /// Finds a policy by name (`default` → `policies/default.yaml` in `searchDirectories`) or path.
    /// - Throws: ``PolicyError/notFound(_:searched:)`` listing where it looked.
    package static func load(_ nameOrPath: String, searchDirectories: [String]) throws -> Policy {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") {
            guard FileOps.exists(nameOrPath) else { throw PolicyError.notFound(nameOrPath, searched: [nameOrPath]) }
            return try parse(String(decoding: try FileOps.readFile(nameOrPath), as: UTF8.self), path: nameOrPath)
        }
        let candidates = searchDirectories.map { $0 + "/\(nameOrPath).yaml" }
        guard let path = candidates.first(where: FileOps.exists) else {
            throw PolicyError.notFound(nameOrPath, searched: candidates)
        }
        return try parse(String(decoding: try FileOps.readFile(path), as: UTF8.self), path: path)
    }

    /// Parses policy text; `path` names it in errors.
    /// - Throws: ``PolicyError`` naming the file, the key and the line.
    package static func parse(_ text: String, path: String) throws -> Policy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw PolicyError.invalid(path: path, line: nil, key: "", detail: "not valid YAML: \(error)")
        }
        guard let mapping = root?.mapping else {
            throw PolicyError.invalid(
                path: path, line: root?.mark?.line, key: "", detail: "the top level must be a mapping")
        }
        var policy = Policy(
            path: path, mode: .auto, compressionLevel: 3, compressionThreads: 0, keep: RetentionRules(),
            timeZone: TimeZone(identifier: "UTC") ?? .current, schedule: nil, verifyAfterCreate: false,
            freshnessWarn: 2 * 3600, freshnessCrit: 6 * 3600)
        var sawKeep = false
        for (key, value) in mapping {
            let name = key.string ?? ""
            let line = key.mark?.line
            func fail(_ detail: String) -> PolicyError { .invalid(path: path, line: line, key: name, detail: detail) }
            switch name {
            case "mode":
                guard let mode = value.string.flatMap(SnapshotRecord.CaptureMode.Requested.init(rawValue:)) else {
                    throw fail(
                        "must be one of \(SnapshotRecord.CaptureMode.Requested.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                policy.mode = mode
            case "compression":
                let fields = try submapping(value, allowed: ["level", "threads"], path: path, parent: name)
                if let level = fields["level"] {
                    guard let number = Int(level.text) else {
                        throw PolicyError.invalid(
                            path: path, line: level.line, key: "compression.level", detail: "must be a number")
                    }
                    policy.compressionLevel = number
                }
                if let threads = fields["threads"] {
                    guard let number = Int(threads.text), number >= 0 else {
                        throw PolicyError.invalid(
                            path: path, line: threads.line, key: "compression.threads", detail: "must be 0 or more")
                    }
                    policy.compressionThreads = number
                }
                _ = try CompressionSettings(level: policy.compressionLevel, threads: policy.compressionThreads)
            case "keep":
                sawKeep = true
                policy.keep = try keepRules(value, path: path, parent: name, line: line)
            case "offsite":
                policy.offsite = try OffsitePolicy.parse(value, path: path, line: line)
            case "delta":
                policy.delta = try deltaSettings(value, path: path)
            case "timezone":
                guard let zone = value.string.flatMap(TimeZone.init(identifier:)) else {
                    throw fail("must be an IANA time zone name such as UTC or Europe/Berlin")
                }
                policy.timeZone = zone
            case "schedule":
                guard let schedule = value.string else {
                    throw fail("must be a cron expression with five fields, such as \"17 * * * *\"")
                }
                do {
                    _ = try CronSchedule(parsing: schedule)
                } catch let error as CronScheduleError {
                    throw fail(error.detail)
                }
                policy.schedule = schedule
            case "verify_after_create":
                guard let flag = value.bool else { throw fail("must be true or false") }
                policy.verifyAfterCreate = flag
            case "verify_load":
                guard let verifyLoad = value.string.flatMap(VerifyLoad.init(name:)) else {
                    throw fail("must be one of \(VerifyLoad.names.joined(separator: ", "))")
                }
                policy.verifyLoad = verifyLoad
            case "freshness":
                let fields = try submapping(value, allowed: ["warn", "crit", "load_warn"], path: path, parent: name)
                for (level, field) in fields {
                    guard let seconds = try? DurationText.seconds(field.text), seconds > 0 else {
                        throw PolicyError.invalid(
                            path: path, line: field.line, key: "freshness.\(level)",
                            detail: "must be a duration like 2h")
                    }
                    switch level {
                    case "warn": policy.freshnessWarn = seconds
                    case "crit": policy.freshnessCrit = seconds
                    default: policy.freshnessLoadWarn = seconds
                    }
                }
                if policy.freshnessWarn > policy.freshnessCrit { throw fail("warn must not be longer than crit") }
            case "hooks":
                for (event, field) in try submapping(value, allowed: hookKeys, path: path, parent: name) {
                    if event == "timeout" {
                        guard let seconds = try? DurationText.seconds(field.text), seconds > 0 else {
                            throw PolicyError.invalid(
                                path: path, line: field.line, key: "hooks.timeout",
                                detail: "must be a duration like 30s")
                        }
                        policy.hookTimeout = seconds
                    } else {
                        policy.hooks[event] = field.text
                    }
                }
            default:
                throw fail("unknown key; known keys: \(topKeys.joined(separator: ", "))")
            }
        }
        if !sawKeep {
            throw PolicyError.invalid(
                path: path, line: nil, key: "keep", detail: "is missing: a policy must say what to keep")
        }
        return policy
    }

    /// Reads the `delta:` mapping; what it leaves out takes ``DeltaSettings/standard``'s value.
    static func deltaSettings(_ value: Node, path: String) throws -> DeltaSettings {
        var settings = DeltaSettings.standard
        for (key, field) in try submapping(value, allowed: ["max_chain", "max_ratio"], path: path, parent: "delta") {
            if key == "max_chain" {
                guard let count = Int(field.text), (1...DeltaSettings.chainLimit).contains(count) else {
                    throw PolicyError.invalid(
                        path: path, line: field.line, key: "delta.max_chain",
                        detail: "must be a whole number from 1 to \(DeltaSettings.chainLimit)")
                }
                settings.maxChain = count
            } else {
                guard let ratio = Double(field.text), ratio > 0, ratio <= 100 else {
                    throw PolicyError.invalid(
                        path: path, line: field.line, key: "delta.max_ratio",
                        detail: "must be a number above 0 and at most 100, such as 1.0")
                }
                settings.maxRatio = ratio
            }
        }
        return settings
    }

    /// Reads a `keep:` mapping (`parent` names it in errors).
    static func keepRules(_ value: Node, path: String, parent: String, line: Int?) throws -> RetentionRules {
        var keep = RetentionRules()
        let fields = try submapping(value, allowed: keepKeys, path: path, parent: parent)
        for (rule, field) in fields {
            let isDuration = rule == "within" || rule == "pre_restore"
            let failure = PolicyError.invalid(
                path: path, line: field.line, key: "\(parent).\(rule)",
                detail: isDuration ? "must be a duration like 36h or 14d" : "must be a whole number, 0 or more")
            if isDuration {
                guard let seconds = try? DurationText.seconds(field.text), seconds > 0 else { throw failure }
                if rule == "within" { keep.within = seconds } else { keep.preRestore = seconds }
                continue
            }
            guard let count = Int(field.text), count >= 0 else { throw failure }
            switch rule {
            case "last": keep.last = count
            case "hourly": keep.hourly = count
            case "daily": keep.daily = count
            case "weekly": keep.weekly = count
            case "monthly": keep.monthly = count
            default: keep.yearly = count
            }
        }
        if keep.isEmpty {
            throw PolicyError.invalid(
                path: path, line: line, key: parent,
                detail: "keeps nothing: set at least one of \(captureKeepKeys.joined(separator: ", "))")
        }
        return keep
    }

    static func submapping(_ node: Node, allowed: [String], path: String, parent: String) throws
        -> [String: (text: String, line: Int?)]
    {
        guard let mapping = node.mapping else {
            throw PolicyError.invalid(path: path, line: node.mark?.line, key: parent, detail: "must be a mapping")
        }
        var fields: [String: (text: String, line: Int?)] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard allowed.contains(name) else {
                throw PolicyError.invalid(
                    path: path, line: key.mark?.line, key: "\(parent).\(name)",
                    detail: "unknown key; known: \(allowed.joined(separator: ", "))")
            }
            guard let text = value.string else {
                throw PolicyError.invalid(
                    path: path, line: key.mark?.line, key: "\(parent).\(name)", detail: "must be a single value")
            }
            fields[name] = (text, key.mark?.line)
        }
        return fields
    }
}

/// Problems with a policy file.
package enum PolicyError: SnapFailure {
    case notFound(String, searched: [String])
    case invalid(path: String, line: Int?, key: String, detail: String)

    package var description: String {
        switch self {
        case let .notFound(name, searched):
            return "policy \(name) not found (looked in \(searched.joined(separator: ", "))); pass \(Remedy.policyPath)"
        case let .invalid(path, line, key, detail):
            return "\(path)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key) ")\(detail)"
        }
    }
}
