# Two hosts (sourced by bench/run, issue 15): the stand-in pair on the two-host test bed
# (Tests/Testbed/leofs-testbed create --hosts: manager_0 on 127.0.0.2 as snaptb-a,
# manager_1 on 127.0.0.3 as snaptb-b, each behind its own sshd), driven by the backup
# host's snap (user snaptb-backup) over OpenSSH, beside snap run locally on the same files
# and beside what an operator would type. Needs root (the test bed makes users and runs
# sshds).

hosts_names="bench_h0@127.0.0.2,bench_h1@127.0.0.3"
hosts_dir=""   # the test bed while it exists; bench/run's trap destroys it

# as_backup: the prefix that runs a command as the backup host's user, in the clean
# environment Tests/SnapTestSupport/TwoHostTestbed.swift gives it (setpriv execs it, so
# nothing stays in between).
as_backup() {
    echo "setpriv --reuid=snaptb-backup --regid=snaptb-backup --init-groups /usr/bin/env -i" \
        "PATH=/usr/local/bin:/usr/bin:/bin HOME=$hosts_dir/backup LANG=C.UTF-8"
}

# destroy_hosts: stops and kills everything of the test bed, then removes it.
destroy_hosts() {
    [ -n "$hosts_dir" ] || return 0
    "$testbed/leofs-testbed" destroy "$hosts_dir" >&2 || true
    rm -rf "$hosts_dir"
    hosts_dir=""
}

# free_hosts_ports: "SSH BASE": an ssh port and a console base port (BASE, BASE+1,
# BASE+10, BASE+11) free on both hosts' addresses, below the ephemeral range.
free_hosts_ports() {
    python3 - <<'PY'
import random
import socket

def free(port):
    try:
        for address in ("127.0.0.2", "127.0.0.3"):
            with socket.socket() as s:
                s.bind((address, port))
        return True
    except OSError:
        return False

rng = random.Random()
ssh = next(p for p in (rng.randrange(20000, 32700) for _ in range(500)) if free(p))
base = next(b for b in (rng.randrange(20000, 32680) for _ in range(500))
            if all(free(b + i) and b + i != ssh for i in (0, 1, 10, 11)))
print(ssh, base)
PY
}

# fill_hosts_pair USERS SEED: the test bed's pair holding 4*USERS user rows
# (bench/standin-load, as the local pair), loaded once and cached as the two Mnesia
# directories (the node names are fixed, so they fit the next test bed too).
fill_hosts_pair() {
    local dir m0="$hosts_dir/host_a/leo_manager_0/work/mnesia/127.0.0.1"
    local m1="$hosts_dir/host_b/leo_manager_1/work/mnesia/127.0.0.1"
    if dir=$(cached "hosts-pair-$1-s$2-$(recipe_key "$testbed/leofs-testbed" "$testbed/leo_manager" \
        "$testbed"/src/*.erl "$here/standin-load")"); then
        rm -rf "$m0" "$m1"
        cp -a "$dir/mnesia_0" "$m0" && chown -R snaptb-a:snaptb-a "$m0"
        cp -a "$dir/mnesia_1" "$m1" && chown -R snaptb-b:snaptb-b "$m1"
        "$testbed/leofs-testbed" start "$hosts_dir" >/dev/null
        return
    fi
    log "loading $((4 * $1)) user rows into the two-host pair"
    rm -rf "$dir"
    mkdir -p "$dir"
    "$testbed/leofs-testbed" start "$hosts_dir" >/dev/null
    "$here/standin-load" "${hosts_names%%,*}" 401321b4 "$1" "$2" >/dev/null
    "$testbed/leofs-testbed" stop "$hosts_dir"
    cp -a "$m0" "$dir/mnesia_0"
    cp -a "$m1" "$dir/mnesia_1"
    touch "$dir/.done"
    "$testbed/leofs-testbed" start "$hosts_dir" >/dev/null
}

# two_hosts USERS SEED: makes the test bed, fills its pair, then the two groups below;
# destroys it at the end (and bench/run's trap on any exit).
two_hosts() {
    local ssh_port base
    if [ "$(id -u)" -ne 0 ]; then
        log "two hosts: skipped (the test bed makes users and runs sshds: run bench/run as root)"
        return 0
    fi
    log "two hosts: test bed"
    require_free_node_names "$hosts_names"
    read -r ssh_port base <<<"$(free_hosts_ports)"
    # Not under --out: create --hosts opens every directory above the test bed to others
    # (the hosts' users must reach it), and needs a plain path.
    hosts_dir=$(mktemp -d /tmp/snap-bench-hosts.XXXXXX)
    "$testbed/leofs-testbed" create "$hosts_dir" --hosts --ssh-port "$ssh_port" --snap "$snap" \
        --names "$hosts_names" --base-port "$base" >/dev/null
    fill_hosts_pair "$1" "$2"
    mkdir -p "$raw/hosts"
    du -sb "$hosts_dir/host_a/leo_manager_0/work/mnesia/127.0.0.1" | cut -f1 >"$raw/hosts/mnesia-bytes"
    "$testbed/leofs-testbed" stop "$hosts_dir"
    hosts_capture "$ssh_port"
    "$testbed/leofs-testbed" start "$hosts_dir" >/dev/null
    hosts_restore "$ssh_port" "$base"
    destroy_hosts
}

# hosts_capture SSH_PORT: a capture of the stopped manager_0 (every arm reads the same
# quiescent files: snap's auto mode makes a plain copy of a stopped node, no dump, no
# settle wait), each into an empty store or file on the backup host:
#   snap-ssh    the backup host's snap create --node manager_0 (over ssh, agent on host A)
#   snap-local  snap as root on host A's files (a config without host:, same home)
#   manual-ssh  ssh snaptb-a@127.0.0.2 tar -C MNESIA -c . | zstd | tee >(sha256sum) > FILE
hosts_capture() {
    local b="$hosts_dir/backup" asb mnesia="$hosts_dir/host_a/leo_manager_0/work/mnesia/127.0.0.1"
    local warm_paths="$mnesia" local_conf="$hosts_dir/local.yaml" pol="$hosts_dir/backup/bench.yaml"
    asb=$(as_backup)
    install -m 0644 -o snaptb-backup -g snaptb-backup "$policy" "$pol"
    cat >"$local_conf" <<YAML
# snap local to host A's manager (root on that host), for the two-host bench
store: $hosts_dir/local-store
cluster: leofs_1
managers:
  - name: manager_0
    home: $hosts_dir/host_a/leo_manager_0
  - name: manager_1
    home: $hosts_dir/host_b/leo_manager_1
YAML
    local ssh="ssh -i $b/id_ed25519 -o BatchMode=yes -o UserKnownHostsFile=$b/known_hosts -o StrictHostKeyChecking=yes -p $1"
    log "two hosts: capture of manager_0 over ssh, locally, and by ssh + tar"
    warm_cache "$mnesia"
    hf hosts-capture "$runs_a" \
        -n snap-ssh --prepare "rm -rf $b/store && $asb $hosts_dir/bin/snap init --config $b/snap.yaml -q" \
        "$asb $hosts_dir/bin/snap create --config $b/snap.yaml --node manager_0 --policy $pol -q" \
        -n snap-local --prepare "rm -rf $hosts_dir/local-store && $snap init --config $local_conf -q" \
        "$snap create --config $local_conf --node manager_0 --policy $policy -q" \
        -n manual-ssh --prepare "rm -rf $b/manual && $asb mkdir $b/manual" \
        "$asb bash -c 'set -o pipefail; $ssh snaptb-a@127.0.0.2 tar -C $mnesia -c . | zstd -3 -T0 -q | tee >(sha256sum >$b/manual/mnesia.tar.zst.sha256) >$b/manual/mnesia.tar.zst'"
    # Harness check, not timed: every arm holds manager_0's files.
    local x="$work/hosts-check"
    rm -rf "$x" && mkdir -p "$x/manual"
    tar --zstd -xf "$b/manual/mnesia.tar.zst" -C "$x/manual"
    diff -r "$mnesia" "$x/manual" >/dev/null || die "the ssh + tar capture differs from manager_0's files"
    # The store is the backup user's: snap refuses to work on it as anyone else.
    $asb "$hosts_dir/bin/snap" extract latest@manager_0 --to "$b/check" --store "$b/store" -q
    diff -r "$mnesia" "$b/check/mnesia" >/dev/null || die "snap's capture over ssh differs from manager_0's files"
    rm -rf "$x" "$b/check"
    $asb "$hosts_dir/bin/snap" show latest@manager_0 --store "$b/store" --json >"$raw/hosts/capture-show.json"
}

# hosts_restore SSH_PORT BASE: Case 1 on the running pair, manager_0 restored from
# manager_1's latest snapshot, round by round against the manual line (alternating which
# goes first). A console watcher (bench/console-watch) times from the outside how long
# manager_0 does not serve in both arms; the manual line's parts are timed too:
#   snap    the backup host's snap restore latest@manager_1 --to manager_0 --yes (its
#           step lines time-stamped as they arrive)
#   manual  bin/leo_manager stop of both; ssh hostB tar -c | ssh hostA tar -x into an empty
#           Mnesia directory (the old one moved aside); start both, wait_ready both
hosts_restore() {
    local b="$hosts_dir/backup" asb r arm first second
    asb=$(as_backup)
    log "two hosts: Case 1 restore of manager_0 from manager_1, snap and by hand"
    # A fresh store holding manager_1's capture (auto mode: files + dump) to restore from.
    rm -rf "$b/store"
    $asb "$hosts_dir/bin/snap" init --config "$b/snap.yaml" -q >/dev/null
    $asb "$hosts_dir/bin/snap" create --config "$b/snap.yaml" --node manager_1 --policy "$b/bench.yaml" -q
    for ((r = 1 - cold_warmup; r <= cold_rounds; r++)); do
        if [ $((r % 2)) -eq 1 ]; then first=snap second=manual; else first=manual second=snap; fi
        for arm in $first $second; do
            echo "-- two hosts restore, round $r, $arm" >&2
            hosts_restore_arm "$arm" "$r" "$2" "$1" || { failed_groups+=("hosts-restore"); return 0; }
        done
    done
}

# hosts_restore_arm snap|manual ROUND BASE SSH_PORT: one arm of one round; appends its figures to
# $raw/hosts-restore.jsonl (rounds below 1 are warm-up and not kept).
hosts_restore_arm() {
    local arm="$1" r="$2" b="$hosts_dir/backup" watch="$raw/hosts/watch-$1-$2.txt" watcher t total down asb
    local a_home="$hosts_dir/host_a/leo_manager_0" b_home="$hosts_dir/host_b/leo_manager_1"
    local ma="$a_home/work/mnesia/127.0.0.1" mb="$b_home/work/mnesia/127.0.0.1"
    local ssh="ssh -i $b/id_ed25519 -o BatchMode=yes -o UserKnownHostsFile=$b/known_hosts -o StrictHostKeyChecking=yes -p $4"
    asb=$(as_backup)
    : >"$watch"
    "$here/console-watch" 127.0.0.2 "$3" "$watch" &
    watcher=$!
    # The watcher must have seen manager_0 up before anything stops it.
    for _ in $(seq 1 100); do grep -q ' up$' "$watch" && break; sleep 0.02; done
    local stop="null" copy="null" start="null" status=0
    t=$(now)
    if [ "$arm" = snap ]; then
        local log="$raw/hosts/restore-$r.log"
        echo "$EPOCHREALTIME START" >"$log"
        set +e
        $asb "$hosts_dir/bin/snap" restore latest@manager_1 --to manager_0 --yes --config "$b/snap.yaml" 2>&1 >/dev/null |
            while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done >>"$log"
        status=${PIPESTATUS[0]}
        set -e
        total=$(since "$t")
    else
        local s
        s=$(now)
        "$a_home/bin/leo_manager" stop >/dev/null && "$b_home/bin/leo_manager" stop >/dev/null || status=1
        stop=$(since "$s")
        s=$(now)
        [ $status -ne 0 ] || $asb bash -c "set -o pipefail; $ssh snaptb-b@127.0.0.3 tar -C $mb -c . |
            $ssh snaptb-a@127.0.0.2 'mv $ma $ma.manual-old && mkdir $ma && tar -x -C $ma'" || status=1
        copy=$(since "$s")
        s=$(now)
        [ $status -ne 0 ] || { "$a_home/bin/leo_manager" start >/dev/null && "$b_home/bin/leo_manager" start >/dev/null &&
            "$a_home/bin/leo_manager" wait_ready >/dev/null && "$b_home/bin/leo_manager" wait_ready >/dev/null; } || status=1
        start=$(since "$s")
        total=$(since "$t")
        rm -rf "$ma.manual-old"
    fi
    # Until the watcher sees manager_0 serve again (snap returns after its console check).
    for _ in $(seq 1 250); do [ "$(tail -n 1 "$watch" | cut -d" " -f2)" = up ] && break; sleep 0.02; done
    kill -TERM "$watcher" && wait "$watcher" || true
    if [ $status -ne 0 ]; then
        echo "bench: two hosts, $arm restore of round $r failed" >&2
        [ "$arm" != snap ] || tail -n 20 "$raw/hosts/restore-$r.log" >&2
        return 1
    fi
    # The longest stretch between a "down" and the next "up".
    down=$(awk '$2 == "down" && !d { d = $1 } $2 == "up" && d { x = $1 - d; if (x > m) m = x; d = 0 }
        END { printf "%.3f", m }' "$watch")
    [ "$r" -ge 1 ] && printf '{"round": %d, "arm": "%s", "down": %s, "total": %s, "stop": %s, "copy": %s, "start": %s}\n' \
        "$r" "$arm" "$down" "$total" "$stop" "$copy" "$start" >>"$raw/hosts-restore.jsonl"
    return 0
}
