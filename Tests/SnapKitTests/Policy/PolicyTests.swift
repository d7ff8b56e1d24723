import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct PolicyTests {
    @Test(arguments: ["default", "conservative"])
    func shippedPoliciesParse(name: String) throws {
        let policy = try Policy.load(name, searchDirectories: [PackagePaths.root + "/policies"])
        #expect(!policy.keep.isEmpty)
        #expect(policy.schedule != nil)
        #expect(policy.freshnessWarn < policy.freshnessCrit)
    }

    @Test func defaultPolicyValues() throws {
        let policy = try Policy.load("default", searchDirectories: [PackagePaths.root + "/policies"])
        #expect(
            policy.keep
                == RetentionRules(last: 24, hourly: 48, daily: 14, weekly: 8, monthly: 12, yearly: 3, within: 36 * 3600)
        )
        #expect(policy.mode == .auto)
        #expect(policy.timeZone.secondsFromGMT() == 0)
        #expect(policy.verifyAfterCreate)
        #expect(policy.verifyLoad == .off && policy.freshnessLoadWarn == nil && !policy.asksForLoad)
    }

    @Test func conservativePolicyProvesADailyLoad() throws {
        let policy = try Policy.load("conservative", searchDirectories: [PackagePaths.root + "/policies"])
        #expect(policy.verifyLoad == .every(86_400))
        #expect(policy.asksForLoad)
    }

    @Test(arguments: [
        ("off", Policy.VerifyLoad.off),
        ("after_create", .afterCreate),
        ("hourly", .every(3600)),
        ("daily", .every(86_400)),
        ("weekly", .every(7 * 86_400)),
    ])
    func verifyLoadSaysWhenCreateProvesSnapshotsLoad(value: String, expected: Policy.VerifyLoad) throws {
        let policy = try Policy.parse("keep:\n  last: 3\nverify_load: \(value)\n", path: "p.yaml")
        #expect(policy.verifyLoad == expected)
        #expect(policy.verifyLoad.name == value)
        #expect(policy.asksForLoad == (expected != .off))
        #expect(try Policy.parse("keep:\n  last: 3\n", path: "p.yaml").verifyLoad == .off)
    }

    @Test func deltaTakesItsKeysAndTheStandardForTheRest() throws {
        #expect(try Policy.parse("keep:\n  daily: 7\n", path: "p.yaml").delta == nil)
        let given = try Policy.parse("keep:\n  daily: 7\ndelta:\n  max_chain: 4\n  max_ratio: 0.5\n", path: "p.yaml")
        #expect(given.delta == DeltaSettings(maxChain: 4, maxRatio: 0.5))
        let partial = try Policy.parse("keep:\n  daily: 7\ndelta:\n  max_chain: 6\n", path: "p.yaml")
        #expect(partial.delta == DeltaSettings(maxChain: 6, maxRatio: DeltaSettings.standard.maxRatio))
    }

    @Test func loadWarnIsAFreshnessDurationOfItsOwn() throws {
        let policy = try Policy.parse(
            "keep:\n  last: 3\nfreshness:\n  warn: 1h\n  crit: 3h\n  load_warn: 2d\n", path: "p.yaml")
        #expect(policy.freshnessLoadWarn == 2.0 * 86_400)
        #expect(policy.freshnessWarn == 3600 && policy.freshnessCrit == 3 * 3600)
        #expect(policy.verifyLoad == .off && policy.asksForLoad)
        let alone = try Policy.parse("keep:\n  last: 3\nfreshness:\n  load_warn: 36h\n", path: "p.yaml")
        #expect(alone.freshnessLoadWarn == 36.0 * 3600 && alone.freshnessWarn == 2 * 3600)
    }

    @Test(arguments: [
        ("keep:\n  daily: 7\n", 3, 0),
        ("keep:\n  daily: 7\ncompression:\n  level: 9\n", 9, 0),
        ("keep:\n  daily: 7\ncompression:\n  level: -5\n  threads: 2\n", -5, 2),
    ])
    func compressionFollowsThePolicyWithThreadsZeroOnePerCore(text: String, level: Int, threads: Int) throws {
        let compression = try Policy.parse(text, path: "p.yaml").compression
        #expect(compression.level == level)
        #expect(compression.threads == (threads == 0 ? CompressionSettings.standard.threads : threads))
        #expect(compression.threads > 0)
    }

    @Test(arguments: [
        ("keep:\n  daily: 7\nretain: 3\n", "p.yaml:3: retain unknown key"),
        ("keep:\n  daily: 7\n  within: forever\n", "p.yaml:3: keep.within must be a duration"),
        ("keep:\n  dayly: 7\n", "p.yaml:2: keep.dayly unknown key"),
        ("keep:\n  daily: 7\n  pre_restore: 3\n", "p.yaml:3: keep.pre_restore must be a duration like 36h or 14d"),
        ("keep:\n  daily: 7\n  pre_restore: 0d\n", "p.yaml:3: keep.pre_restore must be a duration"),
        ("keep:\n  pre_restore: 7d\n", "p.yaml:1: keep keeps nothing: set at least one of last,"),
        ("keep:\n  daily: -1\n", "p.yaml:2: keep.daily must be a whole number"),
        ("keep:\n  daily: 0\n", "p.yaml:1: keep keeps nothing"),
        ("keep:\n  daily: 7\ntimezone: Mars/Olympus\n", "p.yaml:3: timezone must be an IANA time zone"),
        ("keep:\n  daily: 7\nschedule: hourly\n", "p.yaml:3: schedule must be a cron expression"),
        (
            "keep:\n  daily: 7\nschedule: \"61 * * * *\"\n",
            "p.yaml:3: schedule must be a cron expression: its minute field \"61\" has 61, outside 0-59"
        ),
        (
            "keep:\n  daily: 7\nschedule: \"0 3 * * funday\"\n",
            "p.yaml:3: schedule must be a cron expression: its day-of-week field \"funday\""
        ),
        ("keep:\n  daily: 7\nschedule: \"5/10 * * * *\"\n", "write 5-59/10"),
        ("keep:\n  daily: 7\nschedule: \"@reboot\"\n", "p.yaml:3: schedule must be a cron expression of five fields"),
        (
            "keep:\n  daily: 7\nfreshness:\n  warn: 9h\n  crit: 1h\n",
            "p.yaml:3: freshness warn must not be longer than crit"
        ),
        ("mode: warm\nkeep:\n  daily: 7\n", "p.yaml:1: mode must be one of"),
        (
            "keep:\n  daily: 7\nverify_load: monthly\n",
            "p.yaml:3: verify_load must be one of after_create, hourly, daily, weekly, off"
        ),
        ("keep:\n  daily: 7\nverify_load: true\n", "p.yaml:3: verify_load must be one of"),
        ("keep:\n  daily: 7\nverify_load: 2d\n", "p.yaml:3: verify_load must be one of"),
        ("keep:\n  daily: 7\nverify_load:\n  every: 1d\n", "p.yaml:3: verify_load must be one of"),
        ("keep:\n  daily: 7\nfreshness:\n  load_warn: often\n", "p.yaml:4: freshness.load_warn must be a duration"),
        ("keep:\n  daily: 7\nfreshness:\n  load_warn: 0h\n", "p.yaml:4: freshness.load_warn must be a duration"),
        (
            "keep:\n  daily: 7\nfreshness:\n  load: 2d\n",
            "p.yaml:4: freshness.load unknown key; known: warn, crit, load_warn"
        ),
        ("timezone: UTC\n", "p.yaml: keep is missing"),
        ("keep:\n  daily: 7\ncompression:\n  level: 40\n", "zstd accepts"),
        ("keep:\n  daily: 7\noffsite:\n  warn: 2h\n", "p.yaml:3: offsite.remote is missing"),
        ("keep:\n  daily: 7\noffsite:\n  remote: o\n  warn: soon\n", "p.yaml:5: offsite.warn must be a duration"),
        ("keep:\n  daily: 7\noffsite:\n  remote: o\n  keep:\n    daily: 0\n", "p.yaml:5: offsite.keep keeps nothing"),
        ("keep:\n  daily: 7\noffsite:\n  remote: o\n  copy: yes\n", "p.yaml:5: offsite.copy unknown key"),
        (
            "keep:\n  daily: 7\noffsite:\n  remote: o\n  after_create: maybe\n",
            "offsite.after_create must be true or false"
        ),
        (
            "keep:\n  daily: 7\ndelta:\n  max_chain: 0\n",
            "p.yaml:4: delta.max_chain must be a whole number from 1 to 1000"
        ),
        ("keep:\n  daily: 7\ndelta:\n  max_chain: many\n", "p.yaml:4: delta.max_chain must be a whole number"),
        ("keep:\n  daily: 7\ndelta:\n  max_ratio: -1\n", "p.yaml:4: delta.max_ratio must be a number above 0"),
        ("keep:\n  daily: 7\ndelta:\n  max_ratio: 0\n", "p.yaml:4: delta.max_ratio must be a number above 0"),
        ("keep:\n  daily: 7\ndelta:\n  chain: 3\n", "p.yaml:4: delta.chain unknown key; known: max_chain, max_ratio"),
        ("keep:\n  daily: 7\ndelta: on\n", "p.yaml:3: delta must be a mapping"),
    ])
    func badPoliciesNameFileKeyAndLine(text: String, message: String) {
        #expect {
            try Policy.parse(text, path: "p.yaml")
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test(arguments: ["17 * * * *", "0 3 * * mon-fri", "*/15 1-5 1,15 jan-jun *", "@daily"])
    func aScheduleCronReadsIsKeptAsWritten(schedule: String) throws {
        let policy = try Policy.parse("keep:\n  last: 3\nschedule: \"\(schedule)\"\n", path: "p.yaml")
        #expect(policy.schedule == schedule)
        #expect(policy.cronSchedule == (try CronSchedule(parsing: schedule)))
        #expect(try Policy.parse("keep:\n  last: 3\n", path: "p.yaml").cronSchedule == nil)
    }

    @Test(arguments: [
        ("keep:\n  last: 3\n", RetentionRules.defaultPreRestore),
        ("keep:\n  last: 3\n  pre_restore: 30d\n", 30.0 * 86_400),
        ("keep:\n  last: 3\n  within: 60d\n  pre_restore: 36h\n", 36.0 * 3600),
    ])
    func preRestoreHoldIsItsOwnKey(text: String, seconds: Double) throws {
        let policy = try Policy.parse(text, path: "p.yaml")
        #expect(policy.keep.preRestore == seconds)
    }

    @Test func offsiteSaysWhereWhenAndHowLong() throws {
        let policy = try Policy.parse(
            "keep:\n  last: 24\noffsite:\n  remote: offsite\n  warn: 26h\n  keep:\n    daily: 30\n    monthly: 24\n",
            path: "p.yaml")
        let offsite = try #require(policy.offsite)
        #expect(offsite.remote == "offsite" && offsite.afterCreate && offsite.warn == 26 * 3600)
        #expect(offsite.keep == RetentionRules(daily: 30, monthly: 24))
        let quiet = try Policy.parse("keep:\n  last: 2\noffsite:\n  remote: o\n  after_create: false\n", path: "p")
        #expect(quiet.offsite?.afterCreate == false && quiet.offsite?.keep == nil && quiet.offsite?.warn == nil)
        #expect(try Policy.parse("keep:\n  last: 2\n", path: "p").offsite == nil)
    }

    @Test func unknownPolicyNamesWhereItLooked() {
        #expect {
            try Policy.load("nightly", searchDirectories: ["/etc/snap/policies"])
        } throws: { error in
            "\(error)".contains("/etc/snap/policies/nightly.yaml")
        }
    }

    /// A config found as `snap.yaml` in the working directory has its policies in
    /// `./policies`, not in `/policies`.
    @Test func policiesBesideAConfigInTheWorkingDirectory() {
        let relative = PolicyCatalog.standard(configPath: "snap.yaml", environment: [:])
        #expect(relative.directories.first == "./policies")
        let absolute = PolicyCatalog.standard(configPath: "/etc/snap/snap.yaml", environment: [:])
        #expect(absolute.directories.first == "/etc/snap/policies")
    }
}
