# Load rehearsal (sourced by bench/run): `snap verify --load` of the files + dump snapshot
# of (a) beside the manual steps that give the same proof (bench/load-manual): unpack the
# bundle, boot its Mnesia files in an Erlang node, load its dump into a fresh Mnesia, write
# every table out and compare. Warm page cache and alternating rounds, as the other parts.
#
# snap runs with a config holding only a comment (so it reads no $SNAP_CONFIG or
# ./snap.yaml, and takes `erl` from the PATH, as on a machine without the manager's files).
# Its record names no Erlang node (a --from-dir capture), so snap boots the schema's own
# node, $fixture_node, without a listen socket or epmd; the manual steps use the same name
# with -name (epmd registered) and bench_load@127.0.0.1 for the dump, names that must be
# free (no pair of the bench uses them).

# load_suite LABEL DATA: DATA holds mnesia/ and mnesia.dump ((a) from make_mnesia).
load_suite() {
    local label="$1" data="$2" w="$work/load-$1" id sha rows tables bundle node="$fixture_node" r
    local config="$w/snap.yaml"
    log "verify --load of ($label)"
    require_free_node_names "$node,bench_load@127.0.0.1"
    rm -rf "$w" && mkdir -p "$w" "$raw/load"
    echo "# snap.yaml of the load part: nothing configured" >"$config"
    "$snap" init --store "$w/keep" -q >/dev/null
    "$snap" create --config "$config" --store "$w/keep" --from-dir "$data/mnesia" --dump "$data/mnesia.dump" \
        --node bench --policy "$policy" -q
    "$snap" show latest --json --config "$config" --store "$w/keep" >"$raw/load/record.json"
    read -r id sha rows tables < <(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["snapshot"]
print(r["id"], r["bundle_sha256"], sum(t["rows"] for t in r["tables"]), len(r["tables"]))' "$raw/load/record.json")
    bundle="$w/keep/bundles/$sha.tar.zst"
    [ -f "$bundle" ] || die "load: no bundle $bundle"
    printf '{"id": "%s", "bundle_bytes": %d, "rows": %d, "tables": %d, "node": "%s"}\n' "$id" \
        "$(stat -c %s "$bundle")" "$rows" "$tables" "$node" >"$raw/load/snapshot.json"

    # Harness checks, not timed: snap loads it, and the manual steps agree with the bundle's
    # dump (the reference digest comes from the dump inside the bundle).
    mkdir -p "$w/check"
    tar --zstd -xf "$bundle" -C "$w/check" dump/mnesia.dump
    "$here/load-manual" digest "$w/check/dump/mnesia.dump" >"$w/reference.sha256"
    rm -rf "$w/check" "$w/store" && cp -a "$w/keep" "$w/store"
    "$snap" verify --load "$id" --config "$config" --store "$w/store" >"$raw/load/snap-check.txt" ||
        die "load: snap verify --load $id failed: $(cat "$raw/load/snap-check.txt")"
    grep -q "^LOADED  $id " "$raw/load/snap-check.txt" || die "load: snap printed no LOADED line for $id"
    "$snap" show "$id" --json --config "$config" --store "$w/store" >"$raw/load/record-after.json"
    "$here/load-manual" run "$bundle" "$node" "$w/check" "$w/reference.sha256" ||
        die "load: the manual steps failed on $bundle"
    rm -rf "$w/check"

    # Timed: snap on a fresh copy of the store each round (each run records its verdict and
    # an audit entry), the manual steps into an emptied directory; both read the same bundle.
    local warm_paths="$w/keep"
    warm_cache $warm_paths
    hf "load-$label" "$runs_a" \
        -n snap --prepare "rm -rf $w/store && cp -a $w/keep $w/store" \
        "$(rss "load-$label-snap") $snap verify --load $id --config $config --store $w/store -q" \
        -n manual --prepare "rm -rf $w/manual" \
        "$(rss "load-$label-manual") $here/load-manual run $bundle $node $w/manual $w/reference.sha256 $raw/load/manual.log"

    # Not timed against anything: where snap's time and memory go. Each profile run wraps
    # snap in bench/peak-rss (its own peak apart from its VMs') and puts an `erl` first on its
    # PATH that stamps each VM's start and end and runs the real one under /usr/bin/time;
    # then one bare boot and halt of a VM as snap starts it, for scale.
    local shim="$w/shim" erl
    erl=$(command -v erl)
    mkdir -p "$shim"
    cat >"$shim/erl" <<EOF
#!/bin/sh
echo "\$(date +%s.%N) start" >>"\$BENCH_VM_LOG"
/usr/bin/time -f %M -a -o "\$BENCH_VM_RSS" "$erl" "\$@"
status=\$?
echo "\$(date +%s.%N) end" >>"\$BENCH_VM_LOG"
exit \$status
EOF
    chmod +x "$shim/erl"
    for ((r = 1; r <= load_profile_runs; r++)); do
        rm -rf "$w/store" && cp -a "$w/keep" "$w/store" && sync && warm_cache $warm_paths
        BENCH_VM_LOG="$raw/load/profile-$r-vm.log" BENCH_VM_RSS="$raw/load/profile-$r-vm-rss.txt" PATH="$shim:$PATH" \
            "$here/peak-rss" "$raw/load/profile-$r.json" \
            "$snap" verify --load "$id" --config "$config" --store "$w/store" -q ||
            die "load: profile run $r of snap verify --load failed"
        local t
        t=$(now)
        "$erl" -noshell -dist_listen false -start_epmd false -kernel logger_level error -eval 'halt().'
        echo "$(since "$t")" >>"$raw/load/bare-vm.txt"
    done
    rm -rf "$w"
}
