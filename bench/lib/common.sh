# Shared helpers for bench/run (sourced). Expects $out, $raw, $work to be set.

log() { printf '\n== %s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# hf GROUP ROUNDS ARGS...: ROUNDS rounds of `hyperfine --runs 1` over all the group's
# commands (each `-n NAME [--prepare P] COMMAND`), so they alternate (A B C, C B A,
# A B C, ...) and a change of load on the machine hits each of them alike; round N goes
# to $raw/GROUP.rN.json and report.py takes medians over the rounds. Commands run with
# sh, their output discarded. A failed group is remembered
# and the run goes on.
failed_groups=()
hf() {
    local group="$1" rounds="$2" round arg args=() starts=() after_prepare=0 unit count
    shift 2
    # Every --prepare ends with `sync`: the previous command's dirty pages (a 300 MB
    # repository not yet on disk) are written out before the next command's clock starts,
    # instead of being flushed by the kernel in the middle of it. Then it reads the group's
    # inputs ($warm_paths, set by the caller) again: this kernel's DAMON pages out what was
    # not touched for a minute (bench/README.md), so a cache warmed once per group can be
    # cold by its last round.
    local again="sync"
    [ -z "${warm_paths:-}" ] || again="sync && find $warm_paths -type f -exec cat {} + >/dev/null"
    for arg in "$@"; do
        if [ $after_prepare -eq 1 ]; then arg="$arg && $again"; fi
        after_prepare=0
        [ "$arg" = --prepare ] && after_prepare=1
        [ "$arg" = -n ] && starts+=("${#args[@]}")
        args+=("$arg")
    done
    count=${#starts[@]}
    starts+=("${#args[@]}")
    for ((round = 1; round <= rounds; round++)); do
        # Odd rounds run the commands in the order given, even rounds in reverse: whatever a
        # command leaves behind (a disk still taking in a 300 MB flush slows the next
        # command that fsyncs, by 0.4 s measured) then falls on a different neighbour.
        local ordered=()
        for ((unit = 0; unit < count; unit++)); do
            local u=$((round % 2 == 1 ? unit : count - 1 - unit))
            ordered+=("${args[@]:${starts[$u]}:$((starts[u + 1] - starts[u]))}")
        done
        echo "-- $group, round $round of $rounds" >&2
        if ! hyperfine --style basic --runs 1 --export-json "$raw/$group.r$round.json" "${ordered[@]}" >&2; then
            echo "bench: group $group failed" >&2
            failed_groups+=("$group")
            rm -f "$raw/$group".r*.json
            return 0
        fi
    done
}

# rss NAME: a prefix that appends the command's peak RSS (KiB) to $raw/rss/NAME.txt.
rss() { echo "/usr/bin/time -f %M -a -o $raw/rss/$1.txt"; }

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# since START: seconds elapsed since START (from `now`).
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# recipe_key FILE...: 10 hex digits naming the generator(s) of a dataset, so a changed
# generator gives a new cache entry.
recipe_key() { cat "$@" | sha256sum | cut -c1-10; }
