# Delta bundles (sourced by bench/run, issue 19, item 6): on the two snap stores holding
# (a)'s captures that store_growth leaves in $work/series (whole bundles with bench.yaml,
# a delta chain with delta.yaml; made here, snap arms only, when the growth part did not
# run), hyperfine rounds of the deepest snapshot's extract and verify against the same
# capture's on whole bundles, and of the last capture's create into a copy of each store holding the
# captures before it, with each one's policy ($delta_policy, $policy). Peak RSS of each
# (rss/delta-GROUP-ARM.txt). Then Case 1 restores of the stand-in pair from a chain of its
# own captures (delta_restore).

# deepest_ref CHAIN_JSON COUNT WHAT: prints `vN DEPTH` of the deepest snapshot delta_chain
# found; says so on stderr when it is not COUNT - 1 deltas deep (max_ratio started a new full).
deepest_ref() {
    local version depth
    read -r version depth < <(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["deepest"]; print(d["version"], d["depth"])' "$1")
    [ "$depth" -eq $(($2 - 1)) ] ||
        echo "bench: $3's deepest snapshot, v$version, is $depth deltas deep, not $(($2 - 1)) (see delta.yaml)" >&2
    echo "v$version $depth"
}

# delta_suite SERIES COUNT PAIR: the checks, then the rounds; then delta_restore on PAIR.
delta_suite() {
    local series="$1" count="$2" w="$work/series" d="$work/delta"
    if [ ! -e "$w/.kept" ]; then
        log "delta bundles: $count captures of (a) into a store with deltas and one without"
        growth_stores "$series" "$count" "$w" snap snap-delta
        touch "$w/.kept"
    fi
    rm -rf "$d" && mkdir -p "$d" "$raw/delta"
    delta_chain "$w/snap-delta" >"$raw/delta/chain.json"
    # Harness checks, not timed: the deepest snapshot (the newest, unless a new full cut the
    # chain: then the rows take the deepest, and the report says how deep each is), and that
    # both stores' extracts of it give back that capture.
    local ref depth arm
    read -r ref depth < <(deepest_ref "$raw/delta/chain.json" "$count" "(a)'s delta store")
    for arm in snap snap-delta; do
        "$snap" extract "$ref" --to "$d/check-$arm" --store "$w/$arm" -q
        diff -r "$series/$(printf %02d $((${ref#v} - 1)))" "$d/check-$arm/mnesia" >/dev/null ||
            die "snap extract $ref of the $arm store differs from capture ${ref#v}"
        rm -rf "$d/check-$arm"
    done

    local x="$d/extract" c="$d/create" warm_paths="$w/snap $w/snap-delta"
    log "delta bundles: extract and verify of the deepest snapshot ($ref, $depth deltas deep) and of the same capture whole"
    warm_cache "$w/snap" "$w/snap-delta"
    hf delta-extract "$runs_a" \
        -n delta --prepare "rm -rf $x" "$(rss delta-extract-delta) $snap extract $ref --to $x --store $w/snap-delta -q" \
        -n whole --prepare "rm -rf $x" "$(rss delta-extract-whole) $snap extract $ref --to $x --store $w/snap -q"
    rm -rf "$x"
    hf delta-verify "$runs_a" \
        -n delta --prepare true "$(rss delta-verify-delta) $snap verify $ref --store $w/snap-delta -q" \
        -n whole --prepare true "$(rss delta-verify-whole) $snap verify $ref --store $w/snap -q"

    log "delta bundles: capture $count created into a store holding the $((count - 1)) before it, with deltas and without"
    warm_paths="$w/snap.prev $w/snap-delta.prev $w/mnesia"
    warm_cache "$w/snap.prev" "$w/snap-delta.prev" "$w/mnesia"
    hf delta-create "$runs_a" \
        -n delta --prepare "rm -rf $c-delta && cp -a $w/snap-delta.prev $c-delta" \
        "$(rss delta-create-delta) $snap create --store $c-delta --from-dir $w/mnesia --node manager_0 --policy $delta_policy -q" \
        -n whole --prepare "rm -rf $c-whole && cp -a $w/snap.prev $c-whole" \
        "$(rss delta-create-whole) $snap create --store $c-whole --from-dir $w/mnesia --node manager_0 --policy $policy -q"
    # What the timed delta create made (how deep its new snapshot is: the report says).
    delta_chain "$c-delta" >"$raw/delta/create-chain.json"
    rm -rf "$d" "$w"
    delta_restore "$3" "$count"
}

# delta_restore PAIR COUNT: Case 1 of the stand-in pair from manager_0's deepest snapshot
# (23 deltas deep unless max_ratio cut the chain) against the same capture's whole bundle. On a copy of the stopped pair (the cached one stays
# as it is): COUNT captures of manager_0, stopped (a plain copy), into a store with deltas
# and one without, with the first 1% of the users written again between captures (the pair
# started, bench/standin-load with the capture's seed: rows rewritten, a new credential each;
# the pair stopped); then rounds of `snap restore vN --to manager_0 --to manager_1 --yes` from
# a fresh cp -a of each store, the pair stopped before each.
delta_restore() {
    local d="$work/delta-restore" i ref depth users=$((pair_users / 100))
    [ $users -ge 1 ] || users=1
    log "delta bundles: $2 captures of the stand-in pair's manager_0, with deltas and without"
    rm -rf "$d" && mkdir -p "$d"
    copy_pair "$1" "$d"
    # Every command names its store with --store.
    printf 'cluster: leofs_1\nmanagers:\n  - name: manager_0\n    home: %s\n  - name: manager_1\n    home: %s\n' \
        "$d/pair/leo_manager_0" "$d/pair/leo_manager_1" >"$d/snap.yaml"
    chmod 0600 "$d/snap.yaml"
    "$snap" init --store "$d/whole" -q >/dev/null
    "$snap" init --store "$d/delta" -q >/dev/null
    require_free_node_names
    for ((i = 0; i < $2; i++)); do
        if [ $i -gt 0 ]; then
            running_pair="$d/pair"
            "$testbed/leofs-testbed" start "$d/pair" >/dev/null
            "$here/standin-load" "${pair_names%%,*}" 401321b4 "$users" "$((seed + i))" >/dev/null
            "$testbed/leofs-testbed" stop "$d/pair" >/dev/null
            running_pair=""
        fi
        "$snap" create --node manager_0 --config "$d/snap.yaml" --store "$d/whole" --policy "$policy" -q
        "$snap" create --node manager_0 --config "$d/snap.yaml" --store "$d/delta" --policy "$delta_policy" -q
    done
    delta_chain "$d/delta" >"$raw/delta/restore-chain.json"
    read -r ref depth < <(deepest_ref "$raw/delta/restore-chain.json" "$2" "the pair's delta store")
    du -sb "$d/pair/leo_manager_0/work/mnesia/127.0.0.1" | cut -f1 >"$raw/delta/restore-mnesia-bytes"

    log "delta bundles: Case 1 restores of the pair from manager_0's deepest snapshot ($ref, $depth deltas deep) and the same capture whole"
    local warm_paths="$d/delta $d/whole" arm arms=() stop="$testbed/leofs-testbed stop $d/pair >/dev/null 2>&1"
    warm_cache "$d/delta" "$d/whole"
    running_pair="$d/pair"
    for arm in delta whole; do
        arms+=(-n "$arm" --prepare "$stop; rm -rf $d/store-$arm && cp -a $d/$arm $d/store-$arm"
            "$snap restore $ref --to manager_0 --to manager_1 --yes --config $d/snap.yaml --store $d/store-$arm -q")
    done
    hf delta-restore "$runs_a" "${arms[@]}"
    "$testbed/leofs-testbed" stop "$d/pair" >/dev/null 2>&1 || true
    running_pair=""
    rm -rf "$d"
}
