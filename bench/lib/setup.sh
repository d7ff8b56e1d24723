# Tools, the snap binary and the machine description (sourced by bench/run).

# install_tools: the comparison tools from Debian, and snap's own build/test packages via
# scripts/install-deps; apt-get update runs only when something is missing.
install_tools() {
    local sudo="" missing=()
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    local -A provides=([restic]=restic [borg]=borgbackup [zstd]=zstd [hyperfine]=hyperfine [/usr/bin/time]=time)
    local tool
    for tool in "${!provides[@]}"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("${provides[$tool]}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # snap's packages, as listed in scripts/install-deps (which always runs apt-get update);
    # the list may span lines, up to its closing parenthesis.
    local deps installed
    deps=$(sed -n '/^packages=(/,/)/p' "$repo/scripts/install-deps" | tr '\n' ' ' | sed 's/^packages=(\([^)]*\)).*/\1/')
    if [ -n "$deps" ]; then
        # shellcheck disable=SC2086
        installed=$(dpkg-query -W -f='${db:Status-Abbrev}\n' $deps 2>/dev/null | grep -c '^ii' || true)
        [ "$installed" -eq "$(wc -w <<<"$deps")" ] && return 0
    fi
    log "installing snap's packages (scripts/install-deps)"
    "$repo/scripts/install-deps"
}

# build_snap: sets $snap to the binary under test (--snap, or a fresh release build).
build_snap() {
    if [ -n "$snap" ]; then
        [ -x "$snap" ] || die "--snap $snap is not an executable"
        snap="$(cd "$(dirname "$snap")" && pwd)/$(basename "$snap")"
        return
    fi
    # As README "Installing on the managers" builds it.
    log "swift build -c release --static-swift-stdlib"
    (cd "$repo" && swift build -c release --static-swift-stdlib --product snap >&2)
    snap="$(cd "$repo" && swift build -c release --show-bin-path)/snap"
}

# damon_state: whether DAMON pages out memory left untouched (it evicts cached inputs and
# takes CPU while it scans): on (with its thresholds), off, or unknown (not readable).
damon_state() {
    local k=/sys/kernel/mm/damon/admin/kdamonds/0 scheme state age aggr_us bytes ms reset_ms
    scheme="$k/contexts/0/schemes/0"
    [ -d "$k" ] || { echo off; return; }
    state=$(cat "$k/state" 2>/dev/null) || { echo "unknown (cannot read $k/state)"; return; }
    if [ "$state" != on ] || [ "$(cat "$scheme/action" 2>/dev/null)" != pageout ]; then
        echo off
        return
    fi
    age=$(cat "$scheme/access_pattern/age/min") aggr_us=$(cat "$k/contexts/0/monitoring_attrs/intervals/aggr_us")
    bytes=$(cat "$scheme/quotas/bytes") ms=$(cat "$scheme/quotas/ms") reset_ms=$(cat "$scheme/quotas/reset_interval_ms")
    echo "on: pages out what was not accessed for $((age * aggr_us / 1000000)) s," \
        "at most $([ "$bytes" -eq 0 ] && echo "unlimited bytes" || echo "$((bytes >> 20)) MiB")" \
        "and $([ "$ms" -eq 0 ] && echo "unlimited CPU time" || echo "$ms ms of CPU") every $reset_ms ms"
}

# machine_info: key=value lines describing the machine and the tools.
machine_info() {
    local cpu sha_ni=no
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    grep -qw sha_ni /proc/cpuinfo && sha_ni=yes
    echo "cpu=$cpu"
    echo "cores=$(nproc)"
    echo "sha_ni=$sha_ni"
    echo "memory=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel=$(uname -r)"
    echo "load_start=$(cut -d" " -f1-3 /proc/loadavg)"
    echo "os=Debian $(cat /etc/debian_version 2>/dev/null || echo unknown)"
    echo "filesystem=$(df -T "$out" | awk 'NR == 2 { print $2 }')"
    echo "damon=$(damon_state)"
    echo "snap=snap $("$snap" --version 2>&1 | head -n 1) ($snap)"
    echo "snap_commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "swift=$(swift --version 2>&1 | head -n 1)"
    echo "restic=$(restic version | cut -d" " -f1-2) ($(restic version | grep -o "go[0-9.]*"))"
    echo "borg=$(borg --version)"
    echo "zstd=zstd $(zstd --version | grep -o "v[0-9.]*" | head -n 1)"
    echo "tar=$(tar --version | head -n 1)"
    echo "coreutils=$(sha256sum --version | head -n 1)"
    echo "hyperfine=$(hyperfine --version)"
    echo "rclone=$(rclone version 2>/dev/null | head -n 1)"
    echo "age=age $(age --version 2>/dev/null || echo "not found")"
    local weed
    weed=$(find_weed 2>/dev/null) && echo "weed=weed $("$weed" version 2>&1 | sed -n 's/^version [^ ]* \([^ ]*\).*/\1/p' | head -n 1)" || echo "weed=not found"
    echo "erlang=OTP $(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')"
    echo "python=$(python3 --version)"
}
