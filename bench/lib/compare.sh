# The comparisons (sourced by bench/run). Each leaves hyperfine JSON, peak-RSS files
# (rss/*.txt, KiB, one line a run) or small JSON files under $raw for bench/report.py.
#
# Fairness: every tool reads the same directory with a warm page cache (warm_cache reads
# every input before a group; hyperfine warm-up runs would double the time), writes to
# the same file system, and starts from an empty store/repository when the comparison
# says "first".
#   restic: repository version 2 (0.14's default: compressed, always encrypted), with its
#           local cache (RESTIC_CACHE_DIR under the work directory).
#   borg:   --encryption none (snap does not encrypt either), --compression zstd,3.

export RESTIC_PASSWORD=bench-only-password
export RESTIC_CACHE_DIR="$work/restic-cache"
export BORG_BASE_DIR="$work/borg-base"
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes

# warm_cache PATH...: reads every file under PATH once, so no tool pays for the disk.
warm_cache() { find "$@" -type f -exec cat {} + >/dev/null; }

manual_pipeline='find . -type f -print0 | sort -z | xargs -0 sha256sum > SUMS_OUT && tar -I "zstd -3 -T0" -cf ARCHIVE . && sha256sum ARCHIVE > ARCHIVE.sha256'

# full_snapshot LABEL ROOT SNAP_ARGS RUNS: first capture of ROOT (everything the other
# tools archive) by snap (SNAP_ARGS: --from-dir ... [--dump ...]) and by the others, each
# into an empty store, repository or directory. For (a) and (b), snap with the default
# policy (which re-reads the new bundle) too.
full_snapshot() {
    local label="$1" root="$2" snap_args="$3" w="$work/full-$1" default=() warm_paths="$2"
    local pipeline="${manual_pipeline//SUMS_OUT/$w/manual/SUMS}"
    pipeline="${pipeline//ARCHIVE/$w/manual/archive.tar.zst}"
    [ "$label" != a ] && [ "$label" != b ] || default=(-n snap-default-policy --prepare "rm -rf $w/store && $snap init --store $w/store -q"
        "$snap create --store $w/store $snap_args --node bench --policy $repo/policies/default.yaml -q")
    mkdir -p "$w"
    log "full snapshot of ($label)"
    warm_cache "$root"
    hf "full-$label" "$4" \
        -n snap --prepare "rm -rf $w/store && $snap init --store $w/store -q" \
        "$(rss "full-$label-snap") $snap create --store $w/store $snap_args --node bench --policy $policy -q" \
        "${default[@]}" \
        -n manual --prepare "rm -rf $w/manual && mkdir $w/manual" "cd $root && $pipeline" \
        -n tar --prepare "rm -f $w/tar.tar.zst" "tar -I 'zstd -3 -T0' -cf $w/tar.tar.zst -C $root ." \
        -n restic --prepare "rm -rf $w/restic && restic -q -r $w/restic init" \
        "cd $root && $(rss "full-$label-restic") restic -q -r $w/restic backup ." \
        -n borg --prepare "rm -rf $w/borg && borg init -e none $w/borg" \
        "cd $root && $(rss "full-$label-borg") borg create --compression zstd,3 $w/borg::first ."
}

# keep_first LABEL ROOT SNAP_ARGS: the stores and repositories that re-snapshot, verify and
# extract work on, each holding one capture of ROOT.
keep_first() {
    local k="$work/keep-$1"
    rm -rf "$k" && mkdir -p "$k"
    "$snap" init --store "$k/store" -q >/dev/null
    "$snap" create --store "$k/store" $3 --node bench --policy "$policy" -q
    restic -q -r "$k/restic" init
    (cd "$2" && restic -q -r "$k/restic" backup .)
    borg init -e none "$k/borg"
    (cd "$2" && borg create --compression zstd,3 "$k/borg::first" .)
}

# unchanged_resnapshot LABEL ROOT SNAP_ARGS: a second capture of the untouched tree, then
# the bytes one more such capture adds to each store.
unchanged_resnapshot() {
    local label="$1" root="$2" k="$work/keep-$1"
    local snap_cmd="$snap create --store $k/store $3 --node bench --policy $policy -q"
    local restic_cmd="restic -q -r $k/restic backup ."
    local borg_cmd="borg create --compression zstd,3 $k/borg::{now:%Y-%m-%dT%H:%M:%S.%f} ."
    log "unchanged re-snapshot of ($label)"
    warm_cache "$root"
    hf "resnap-$label" "$runs_small" \
        -n snap "$snap_cmd" -n restic "cd $root && $restic_cmd" -n borg "cd $root && $borg_cmd"
    local before=() after=() name
    for name in store restic borg; do before+=("$(du -sb "$k/$name" | cut -f1)"); done
    (cd "$root" && sh -c "$snap_cmd" && sh -c "$restic_cmd" && sh -c "$borg_cmd")
    for name in store restic borg; do after+=("$(du -sb "$k/$name" | cut -f1)"); done
    printf '{"snap": %d, "restic": %d, "borg": %d}\n' $((after[0] - before[0])) \
        $((after[1] - before[1])) $((after[2] - before[2])) >"$raw/resnap-$label-bytes.json"
}

# verify_snapshot LABEL: `snap verify latest` against unpacking the manual pipeline's
# archive and checking its SUMS with sha256sum -c.
verify_snapshot() {
    local label="$1" k="$work/keep-$1" m="$work/full-$1/manual" x="$work/verify-$1"
    local warm_paths="$k/store/bundles $m"
    log "verify ($label)"
    warm_cache "$k/store/bundles" "$m"
    hf "verify-$label" "$runs" \
        -n snap --prepare true "$(rss "verify-$label-snap") $snap verify latest --store $k/store -q" \
        -n tar-sha256sum --prepare "rm -rf $x && mkdir $x" \
        "tar --zstd -xf $m/archive.tar.zst -C $x && cd $x && sha256sum -c --quiet $m/SUMS"
    rm -rf "$x"
}

# extract_snapshot LABEL ROOT: unpack the capture into an empty directory, by every tool,
# and plain cp -a of the source as the floor.
extract_snapshot() {
    local label="$1" root="$2" k="$work/keep-$1" m="$work/full-$1/manual" x="$work/extract-$1"
    local warm_paths="$root $k $m"
    log "extract ($label)"
    warm_cache "$root" "$k" "$m"
    hf "extract-$label" "$runs" \
        -n snap --prepare "rm -rf $x" "$(rss "extract-$label-snap") $snap extract latest --to $x --store $k/store -q" \
        -n tar --prepare "rm -rf $x && mkdir $x" "tar --zstd -xf $m/archive.tar.zst -C $x" \
        -n restic --prepare "rm -rf $x" "$(rss "extract-$label-restic") restic -q -r $k/restic restore latest --target $x" \
        -n borg --prepare "rm -rf $x && mkdir $x" "cd $x && $(rss "extract-$label-borg") borg extract $k/borg::first" \
        -n cp-a --prepare "rm -rf $x" "cp -a $root $x"
    rm -rf "$x"
}

# check_extracts LABEL ROOT: every tool's extract holds the source's bytes (a harness
# check, not timed; snap's bundle keeps the tree under mnesia/).
check_extracts() {
    local label="$1" root="$2" k="$work/keep-$1" x="$work/check-$1"
    rm -rf "$x" && mkdir -p "$x/tar" "$x/borg"
    "$snap" extract latest --to "$x/snap" --store "$k/store" -q
    diff -r "$root" "$x/snap/mnesia" >/dev/null || die "snap extract of ($label) differs from the source"
    tar --zstd -xf "$work/full-$label/manual/archive.tar.zst" -C "$x/tar"
    diff -r "$root" "$x/tar" >/dev/null || die "the manual archive of ($label) differs from the source"
    restic -q -r "$k/restic" restore latest --target "$x/restic"
    diff -r "$root" "$x/restic" >/dev/null || die "restic restore of ($label) differs from the source"
    (cd "$x/borg" && borg extract "$k/borg::first")
    diff -r "$root" "$x/borg" >/dev/null || die "borg extract of ($label) differs from the source"
    rm -rf "$x"
}

# tree_suite LABEL ROOT: every comparison on one synthetic tree. It is no Mnesia directory
# (no schema.DAT, no table files), which snap refuses unless told --allow-incomplete.
tree_suite() {
    local args="--from-dir $2 --allow-incomplete"
    full_snapshot "$1" "$2" "$args" "$runs"
    keep_first "$1" "$2" "$args"
    unchanged_resnapshot "$1" "$2" "$args"
    verify_snapshot "$1"
    extract_snapshot "$1" "$2"
}

# cold_downtime PAIR ROUNDS: `snap create --mode cold` of manager_0 of a running stand-in
# pair, interleaved round by round with the manual equivalent's parts: stop + start + wait
# until ready, and cp -a of the Mnesia directory.
cold_downtime() {
    local pair="$1" m0="$1/leo_manager_0" r t create restart copy
    local mnesia="$m0/work/mnesia/127.0.0.1"
    log "cold-mode capture downtime"
    give_pair_free_ports "$pair"
    "$testbed/leofs-testbed" stop "$pair" 2>/dev/null || true
    require_free_node_names
    running_pair="$pair"
    "$testbed/leofs-testbed" start "$pair" >/dev/null
    rm -rf "$pair/store"
    "$snap" init --config "$pair/snap.yaml" -q >/dev/null
    mkdir -p "$raw/cold"
    for ((r = 1 - cold_warmup; r <= cold_rounds; r++)); do
        t=$(now)
        "$snap" create --config "$pair/snap.yaml" --node manager_0 --mode cold --policy "$policy" --json -v \
            >"$raw/cold/create-$r.json" 2>"$raw/cold/create-$r.log"
        create=$(since "$t")
        t=$(now)
        ("$m0/bin/leo_manager" stop && "$m0/bin/leo_manager" start && "$m0/bin/leo_manager" wait_ready) >/dev/null
        restart=$(since "$t")
        t=$(now)
        cp -a "$mnesia" "$work/cold-copy"
        copy=$(since "$t")
        rm -rf "$work/cold-copy"
        # report.py takes snap's own figure (the record's downtime_seconds) from
        # create-$r.json; for a snap that does not record one, the whole create stands in.
        [ "$r" -ge 1 ] && printf '{"round": %d, "create": %s, "restart": %s, "copy": %s}\n' \
            "$r" "$create" "$restart" "$copy" >>"$raw/cold.jsonl"
    done
    "$snap" show latest --json --config "$pair/snap.yaml" >"$raw/cold/show-latest.json"
    du -sb "$mnesia" | cut -f1 >"$raw/cold/mnesia-bytes"
    "$testbed/leofs-testbed" stop "$pair"
    running_pair=""
}

# record_commands STORE: list, prune --dry-run and history on a store made by gen-store.py,
# after checking that snap reads all of it and that its audit chain verifies.
record_commands() {
    local s="$work/records-store" listed chain
    log "list, prune --dry-run, history over $records records / $audit_entries audit entries"
    rm -rf "$s" && cp -a "$1" "$s"
    listed=$("$snap" list --store "$s" | tail -n +2 | wc -l)
    chain=$("$snap" audit verify --store "$s")
    chain="${chain%%$'\n'*}"
    [ "$listed" -eq "$records" ] || die "snap list shows $listed snapshots of the generated $records"
    case "$chain" in "audit log ok: $audit_entries entries verified"*) ;; *) die "audit verify: $chain" ;; esac
    printf '{"listed": %d, "audit_verify": "%s"}\n' "$listed" "$chain" >"$raw/records-check.json"
    # Absolute targets, no ratio: each command gets its own group, with as many runs as fit
    # in $record_budget s (at least 3, at most $runs_small), judged from one probe run that
    # also warms the cache.
    local name cmd t n
    # The report is audited: each run adds an entry to this copy of the store, which the
    # next run reads too (a few entries more than $audit_entries).
    for name in list prune-dry-run history report; do
        case "$name" in
            list) cmd="$snap list --store $s" ;;
            prune-dry-run) cmd="$snap prune --dry-run --keep-last 5 --store $s" ;;
            history) cmd="$snap history --store $s" ;;
            report) cmd="$snap report --html $work/report.html --policy $policy --store $s" ;;
        esac
        t=$(now); $cmd >/dev/null; t=$(since "$t")
        n=$(awk -v t="$t" -v budget="$record_budget" -v max="$runs_small" 'BEGIN { n = int(budget / t); print (n < 3 ? 3 : (n > max ? max : n)) }')
        hf "records-$name" "$n" -n "$name" "$cmd"
    done
    stat -c %s "$work/report.html" >"$raw/report-bytes"
}

# growth_capture ARM W I: capture I of W/mnesia by ARM into its store or repository W/ARM:
# snap with whole bundles (bench.yaml), snap with delta bundles (delta.yaml, issue 19),
# restic, borg. snap's peak RSS goes to rss/growth-ARM.txt, a line a capture.
growth_capture() {
    case "$1" in
        snap) /usr/bin/time -f %M -a -o "$raw/rss/growth-snap.txt" "$snap" create --store "$2/snap" \
            --from-dir "$2/mnesia" --node manager_0 --policy "$policy" -q ;;
        snap-delta) /usr/bin/time -f %M -a -o "$raw/rss/growth-snap-delta.txt" "$snap" create --store "$2/snap-delta" \
            --from-dir "$2/mnesia" --node manager_0 --policy "$delta_policy" -q ;;
        restic) (cd "$2/mnesia" && restic -q -r "$2/restic" backup .) ;;
        borg) (cd "$2/mnesia" && borg create --compression zstd,3 "$2/borg::cap-$3" .) ;;
    esac
}

# growth_stores SERIES COUNT W ARM...: COUNT captures of (a) (each copied to W/mnesia first,
# so every capture has the same path) by each ARM in turn, a capture at a time in the same
# order (sequential, not hyperfine rounds); W/ARM.prev keeps each snap store as it was
# before the last capture, for the delta part's create rows. Writes W/growth.json: each
# arm's size after the first capture and its seconds over all captures.
growth_stores() {
    local series="$1" count="$2" w="$3" i t arm
    shift 3
    local -A seconds=() first=()
    rm -rf "$w" && mkdir -p "$w"
    for arm in "$@"; do
        case "$arm" in
            snap*) "$snap" init --store "$w/$arm" -q >/dev/null ;;
            restic) restic -q -r "$w/restic" init ;;
            borg) borg init -e none "$w/borg" ;;
        esac
        seconds[$arm]=0
    done
    for ((i = 0; i < count; i++)); do
        rm -rf "$w/mnesia" && cp -a "$series/$(printf %02d "$i")" "$w/mnesia"
        if [ $i -eq $((count - 1)) ]; then
            for arm in "$@"; do [[ "$arm" != snap* ]] || cp -a "$w/$arm" "$w/$arm.prev"; done
            sync   # the copies' writes are not flushed into the next capture's time
        fi
        for arm in "$@"; do
            t=$(now)
            growth_capture "$arm" "$w" "$i"
            seconds[$arm]=$(awk -v a="${seconds[$arm]}" -v b="$(since "$t")" 'BEGIN { print a + b }')
            [ $i -ne 0 ] || first[$arm]=$(du -sb "$w/$arm" | cut -f1)
        done
    done
    for arm in "$@"; do echo "$arm ${first[$arm]} ${seconds[$arm]}"; done | python3 -c '
import json, sys
rows = [line.split() for line in sys.stdin]
print(json.dumps({"first": {a: int(f) for a, f, _ in rows}, "seconds": {a: float(s) for a, _, s in rows}}))' \
        >"$w/growth.json"
}

# delta_chain STORE: the store's bundles in the order captured (the records' version), which
# are deltas (the record has a delta_base) and their file sizes, how many deltas deep the
# newest snapshot is (its delta_base chain followed to a full bundle), and the deepest
# snapshot (the newest of those deepest; the newest itself when no new full cut the chain),
# as JSON.
delta_chain() {
    python3 - "$1" <<'PY'
import glob, json, os, statistics, sys
store = sys.argv[1]
records = sorted((json.load(open(p)) for p in glob.glob(os.path.join(store, "snapshots", "*.json"))),
                 key=lambda r: r["version"])
by_id = {r["id"]: r for r in records}
def size(r):
    path = os.path.join(store, "bundles", r["bundle_sha256"] + ".tar.zst")
    return os.path.getsize(path) if os.path.exists(path) else r.get("bundle_size")
full = [size(r) for r in records if not r.get("delta_base")]
delta = [size(r) for r in records if r.get("delta_base")]
def depth(r):
    n = 0
    while r is not None and r.get("delta_base"):
        n += 1
        r = by_id.get(r["delta_base"].get("snapshot"))
    return n
deepest = max(records, key=lambda r: (depth(r), r["version"])) if records else None
print(json.dumps({"records": len(records), "full": full, "delta": delta,
                  "first_full": full[0] if full else None,
                  "delta_median": statistics.median(delta) if delta else None,
                  "newest_depth": depth(records[-1]) if records else 0,
                  "deepest": deepest and {"id": deepest["id"], "version": deepest["version"],
                                          "depth": depth(deepest)}}))
PY
}

# store_growth SERIES COUNT: COUNT captures of (a), ~1% of rows changed between them, by
# snap (whole bundles), snap with delta bundles (delta.yaml), restic and borg; each one's
# size after the first capture and after all of them, and the delta store's bundles. The two
# snap stores stay in $work/series (marked .kept) when the delta part runs next.
store_growth() {
    local series="$1" w="$work/series" arm
    log "store size after $2 captures of (a), with delta bundles and without"
    growth_stores "$series" "$2" "$w" snap snap-delta restic borg
    for arm in snap snap-delta restic borg; do echo "$arm $(du -sb "$w/$arm" | cut -f1)"; done |
        python3 -c '
import json, sys
captures, capture_bytes, growth, chain = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
document = {"captures": captures, "capture_bytes": capture_bytes}
document.update({arm: int(size) for arm, size in (line.split() for line in sys.stdin)})
document.update(json.load(open(growth)))
document["delta_chain"] = json.loads(chain)
print(json.dumps(document))' "$2" "$(du -sb "$series/00" | cut -f1)" "$w/growth.json" "$(delta_chain "$w/snap-delta")" \
        >"$raw/series.json"
    rm -rf "$w/restic" "$w/borg"
    if wanted delta; then touch "$w/.kept"; else rm -rf "$w"; fi
}
