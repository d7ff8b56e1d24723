#!/usr/bin/env python3
"""Grows a snap store to many snapshot records and audit entries without running snap
thousands of times.

    gen-store.py STORE RECORDS AUDIT_ENTRIES SEED

STORE must hold exactly one real snapshot (made by `snap create`, ideally with a dump):
every generated record reuses its bundle, so `snap verify` accepts any of them. Records
look like hourly live captures of a manager pair (files+dump, 22 table summaries, ring
hashes), written as snap writes them (pretty JSON, sorted keys, `"key" : value`) and
sealed as Sources/SnapKit/Store/RecordSeal.swift does: `seal` is the SHA-256 of the file
with the seal's 64 digits written as zeros (`snap list` reports a record whose seal does
not hold as damaged, so bench/run counts what it lists). The audit log is extended to
AUDIT_ENTRIES lines, hash-chained exactly as Sources/SnapKit/Store/AuditLog.swift does:
SHA-256 over the entry's JSON with sorted keys, no spaces, unescaped slashes and without
`hash`; the first entry chains to SHA-256("snap-audit-genesis:<store id>"). The existing
lines are re-encoded first and must come out byte for byte, which checks this encoding
against snap's own.
"""
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

TABLES = ["leo_storage_nodes", "leo_gateway_nodes", "leo_rebalance_info", "leo_available_commands",
          "leo_del_bucket_state", "leo_system_conf", "leo_cluster_info", "leo_cluster_stat",
          "leo_cluster_manager", "leo_cluster_member", "leo_ring_cur", "leo_ring_prv", "leo_members_cur",
          "leo_members_prev", "leo_s3_endpoints", "leo_s3_credentials", "leo_s3_buckets", "leo_s3_users",
          "leo_s3_user_credential", "sv_schemas", "sv_columns", "sv_metric_grp"]


def canonical(entry):
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry):
    unhashed = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical(unhashed).encode()).hexdigest()


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sealed(record):
    placeholder = "0" * 64
    text = json.dumps(dict(record, seal=placeholder), indent=2, sort_keys=True, separators=(",", " : ")) + "\n"
    needle = f'"seal" : "{placeholder}"'
    assert text.count(needle) == 1
    return text.replace(needle, f'"seal" : "{hashlib.sha256(text.encode()).hexdigest()}"')


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: gen-store.py STORE RECORDS AUDIT_ENTRIES SEED")
    store, n_records, n_audit, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    info = json.load(open(os.path.join(store, "store.json")))
    snapshots = os.path.join(store, "snapshots")
    names = [n for n in os.listdir(snapshots) if n.endswith(".json")]
    if len(names) != 1:
        sys.exit(f"gen-store.py: {store} must hold exactly one snapshot, it holds {len(names)}")
    template = json.load(open(os.path.join(snapshots, names[0])))
    os.unlink(os.path.join(snapshots, names[0]))

    # The existing audit lines, re-encoded: proves the canonical form matches snap's.
    lines = open(os.path.join(store, "audit.log"), encoding="utf-8").read().splitlines()
    genesis = hashlib.sha256(f"snap-audit-genesis:{info['store_id']}".encode()).hexdigest()
    prev = genesis
    for line in lines:
        entry = json.loads(line)
        if canonical(entry) != line or entry_hash(entry) != entry["hash"] or entry["prev_hash"] != prev:
            sys.exit(f"gen-store.py: cannot reproduce snap's audit encoding for: {line[:120]}")
        prev = entry["hash"]

    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    base = {k: template[k] for k in ("bundle_sha256", "bundle_size", "tree_digest", "file_count",
                                     "unpacked_size", "has_dump", "host", "user", "tool_version")}
    prefixes = set()
    records = []
    for version in range(1, n_records + 1):
        while True:
            rid = "%016x" % rng.getrandbits(64)
            if rid[:6] not in prefixes:
                prefixes.add(rid[:6])
                break
        node = f"manager_{version % 2}"
        created = start + timedelta(minutes=30 * version)
        record = dict(base, id=rid, version=version, created=stamp(created), node=node,
                      role="master" if node == "manager_0" else "slave", cluster="leofs_1",
                      partner=f"manager_{1 - version % 2}@127.0.0.1", nodename=f"{node}@127.0.0.1",
                      mode="files+dump", tags=["hourly"] if version % 24 else ["daily"],
                      deduplicated=version > 2 and rng.random() < 0.3,
                      ring_hashes={"current": "%08x" % (version // 500), "previous": "%08x" % (version // 500 - 1)},
                      tables=[{"name": t, "rows": rng.randint(0, 70000) if t.startswith("leo_s3") else rng.randint(0, 512),
                               "digest": "%064x" % rng.getrandbits(256)} for t in TABLES])
        if version % 10 == 0:
            record["verification"] = {"checked": stamp(created + timedelta(minutes=5)), "ok": True}
        write_private(os.path.join(snapshots, rid + ".json"), sealed(record))
        records.append(record)
    info["last_version"] = n_records
    info["created"] = stamp(start)
    write_private(os.path.join(store, "store.json"), json.dumps(info, indent=2, sort_keys=True) + "\n")

    # The log is rewritten from its first entry, as if snap had made the store on `start`:
    # `audit verify` wants it to begin (with `init`) before the oldest snapshot and every
    # snapshot it says was created to have a record.
    argv0 = "/usr/local/bin/snap"
    prev, out = genesis, []
    for seq in range(1, n_audit + 1):
        i = seq - 2
        record = records[i % n_records] if 0 <= i < n_records else rng.choice(records)
        when = datetime.strptime(record["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        if seq == 1:
            action, argv, snaps, nodes, when = "init", [argv0, "init", "--store", store], [], [], start
        elif i < n_records:
            action, argv, snaps, nodes = "create", [argv0, "create", "--prune", "--quiet"], [record["id"]], [record["node"]]
        else:
            action = rng.choice(["verify", "check", "prune", "audit-verify"])
            argv, snaps, nodes = [argv0, action.replace("-", " ")], [record["id"]] if action == "verify" else [], []
            when += timedelta(seconds=i % 1800)
        entry = {"action": action, "argv": argv, "duration_ms": rng.randint(5, 3000), "host": template["host"],
                 "nodes": nodes, "outcome": "ok", "pid": 1000 + seq % 30000, "prev_hash": prev, "seq": seq,
                 "snapshots": snaps, "time": stamp(when), "user": template["user"]}
        entry["hash"] = entry_hash(entry)
        prev = entry["hash"]
        out.append(canonical(entry) + "\n")
    with open(os.path.join(store, "audit.log"), "w", encoding="utf-8") as log:
        log.writelines(out)


if __name__ == "__main__":
    main()
