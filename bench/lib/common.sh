# Shared helpers for bench/run (sourced). Expects $out, $raw, $work to be set.

log() { printf '\n== %s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# hf GROUP ARGS...: hyperfine, exporting $raw/GROUP.json. Commands run with sh; their
# output is discarded. A failed group is remembered and the run goes on.
failed_groups=()
hf() {
    local group="$1"; shift
    if ! hyperfine --style basic --export-json "$raw/$group.json" "$@" >&2; then
        echo "bench: group $group failed" >&2
        failed_groups+=("$group")
        rm -f "$raw/$group.json"
    fi
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
