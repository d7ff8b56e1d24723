# Datasets, generated from a seed and cached under $out/datasets/<recipe>/ (sourced by
# bench/run). A directory counts as made only once its .done marker exists.

testbed="$repo/Tests/Testbed"
fixture_node="bench_a@127.0.0.1"   # node name baked into dataset (a)'s schema

# cached NAME: prints the dataset directory; returns 0 when it is complete already.
# Otherwise the same dataset made by an older recipe (NAME up to its last -key) is
# removed, so the cache does not grow with every change of a generator or of snap.
cached() {
    local dir="$out/datasets/$1"
    echo "$dir"
    [ -e "$dir/.done" ] && return 0
    rm -rf "$out/datasets/${1%-*}"-*
    return 1
}

# make_tree BYTES SEED: (b)/(c), 4 large Erlang-term text files + 400 small random files.
make_tree() {
    local dir
    if dir=$(cached "tree-$1-s$2-$(recipe_key "$here/gen-tree.py")"); then echo "$dir/tree"; return; fi
    log "generating a $(($1 >> 20)) MiB tree (seed $2)"
    rm -rf "$dir"
    python3 "$here/gen-tree.py" "$dir/tree" "$1" "$2" >&2
    touch "$dir/.done"
    echo "$dir/tree"
}

# make_mnesia ROWS SEED: (a), a real Mnesia directory (mnesia/) and its dump (mnesia.dump)
# made by mnesia-fixture: ROWS users, each with a credential and a bucket (3 rows), plus
# 130 ring, system and endpoint rows.
make_mnesia() {
    local dir
    if dir=$(cached "mnesia-$1-s$2-$(recipe_key "$testbed/mnesia-fixture")"); then echo "$dir/data"; return; fi
    log "generating a Mnesia directory with $((3 * $1 + 130)) rows (seed $2)"
    rm -rf "$dir"
    mkdir -p "$dir/data"
    "$testbed/mnesia-fixture" "$dir/data/mnesia" "$fixture_node" "$1" "$dir/data/mnesia.dump" "$2" >&2
    touch "$dir/.done"
    echo "$dir/data"
}

# make_series MNESIA_DATA COUNT: COUNT copies of (a)'s Mnesia directory, each the one
# before with ~1% of the user, credential and bucket rows changed (bench/mnesia-mutate).
make_series() {
    local dir i
    if dir=$(cached "series-$2-$(basename "$(dirname "$1")")-$(recipe_key "$here/mnesia-mutate")"); then
        echo "$dir"; return
    fi
    log "generating $2 captures of (a), ~1% of rows changed between them"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$1/mnesia" "$dir/00"
    for ((i = 1; i < $2; i++)); do
        cp -a "$dir/$(printf %02d $((i - 1)))" "$dir/$(printf %02d "$i")"
        "$here/mnesia-mutate" "$dir/$(printf %02d "$i")" "$fixture_node" 10 "$i" >/dev/null
    done
    touch "$dir/.done"
    echo "$dir"
}

# make_pair USERS SEED: a stopped stand-in manager pair (Tests/Testbed/leofs-testbed)
# whose tables hold 4*USERS user, credential, link and bucket rows (bench/standin-load).
make_pair() {
    local dir
    if dir=$(cached "pair-$1-s$2-$(recipe_key "$testbed/leofs-testbed" "$testbed/leo_manager" \
        "$testbed"/src/*.erl "$here/standin-load")"); then
        echo "$dir/pair"; return
    fi
    log "generating a stand-in pair holding $((4 * $1)) user rows"
    rm -rf "$dir"
    require_free_node_names
    "$testbed/leofs-testbed" create "$dir/pair" --names "$pair_names" --base-port "$(free_port_base)" >/dev/null
    "$testbed/leofs-testbed" start "$dir/pair" >/dev/null
    "$here/standin-load" "${pair_names%%,*}" 401321b4 "$1" "$2" >/dev/null
    "$testbed/leofs-testbed" stop "$dir/pair"
    touch "$dir/.done"
    echo "$dir/pair"
}

# make_record_store RECORDS AUDIT SEED: a store with RECORDS snapshot records and AUDIT
# audit entries (bench/gen-store.py) around one real bundle made by the snap under test.
make_record_store() {
    local dir
    if dir=$(cached "store-$1-$2-s$3-$(recipe_key "$here/gen-store.py" "$snap" "$testbed/mnesia-fixture")"); then
        echo "$dir/store"; return
    fi
    log "generating a store with $1 records and $2 audit entries"
    rm -rf "$dir"
    mkdir -p "$dir"
    "$testbed/mnesia-fixture" "$dir/tiny/mnesia" bench_tiny@127.0.0.1 20 "$dir/tiny/mnesia.dump" "$3"
    "$snap" init --store "$dir/store" -q >/dev/null
    "$snap" create --store "$dir/store" --from-dir "$dir/tiny/mnesia" --dump "$dir/tiny/mnesia.dump" \
        --node manager_0 --policy "$policy" -q
    python3 "$here/gen-store.py" "$dir/store" "$1" "$2" "$3" >&2
    touch "$dir/.done"
    echo "$dir/store"
}

# give_pair_free_ports PAIR: the pair's two consoles moved to ports free now (free_port_base).
give_pair_free_ports() {
    local base
    base=$(free_port_base)
    sed -i -e "s/^console.port.cui = .*/console.port.cui = $base/" -e "s/^console.port.json = .*/console.port.json = $((base + 10))/" \
        "$1/leo_manager_0/etc/leo_manager.conf"
    sed -i -e "s/^console.port.cui = .*/console.port.cui = $((base + 1))/" -e "s/^console.port.json = .*/console.port.json = $((base + 11))/" \
        "$1/leo_manager_1/etc/leo_manager.conf"
}

# copy_pair PAIR DIR: a copy of the stand-in pair at DIR/pair, without its store and
# snap.yaml, on free console ports (the cached pair stays as it is).
copy_pair() {
    cp -a "$1" "$2/pair"
    rm -rf "$2/pair/store" "$2/pair/snap.yaml"
    give_pair_free_ports "$2/pair"
}

# free_port_base: a port P with P, P+1, P+10 and P+11 free on 127.0.0.1 (the pair's
# consoles), below the ephemeral range as the test suite's pairs are.
free_port_base() {
    python3 - <<'PY'
import socket
for base in range(10600, 11000, 20):
    try:
        for port in (base, base + 1, base + 10, base + 11):
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(base)
    break
PY
}

# require_free_node_names [N0,N1]: no Erlang node runs under the pair's names (default: the
# local pair's; another pair with them would receive our rows and our stop).
require_free_node_names() {
    local name names="${1:-$pair_names}"
    for name in ${names//,/ }; do
        if epmd -names 2>/dev/null | grep -q "^name ${name%%@*} at"; then
            die "an Erlang node named $name is running already: stop it (leofs-testbed stop DIR) and rerun"
        fi
    done
}
