# Encryption at rest (sourced by bench/run, issue 17 item 6): snap's create and extract of
# tree (b) with snap.yaml's `encryption:` beside the same snap commands without it, and
# beside Debian's age piped into tar. Warm page cache and alternating rounds, as the trees.
#
# Both arms name their config: the encrypted ones a snap.yaml holding only `encryption:`,
# the plain ones the same file without it, so that neither picks up $SNAP_CONFIG or a
# ./snap.yaml where bench/run was started; otherwise they run as the trees part runs snap.

# encryption_suite LABEL ROOT: the age identity and snap.yaml, a store with one encrypted
# and one with one plain capture of ROOT, a check that both unpack to ROOT's bytes (by snap
# and by age + tar), then the timed create and extract groups.
encryption_suite() {
    local label="$1" root="$2" w="$work/encryption-$1" recipient bundle x
    local args="--from-dir $2 --allow-incomplete"
    local config="$w/snap.yaml" plain="$w/plain.yaml" key="$w/age.key"
    log "encryption at rest, ($label)"
    rm -rf "$w" && mkdir -p "$w"
    recipient=$("$snap" key generate "$key" -q)
    printf 'encryption:\n  recipients: [%s]\n  identity: %s\n' "$recipient" "$key" >"$config"
    echo "# snap.yaml of the plain arms: no encryption" >"$plain"
    # The stores extract reads: one capture each, made once.
    "$snap" init --store "$w/keep-enc" -q >/dev/null
    "$snap" create --config "$config" --store "$w/keep-enc" $args --node bench --policy "$policy" -q
    "$snap" init --store "$w/keep-plain" -q >/dev/null
    "$snap" create --config "$plain" --store "$w/keep-plain" $args --node bench --policy "$policy" -q
    # The encrypted store must hold an age file and nothing plain, or the rows measure nothing.
    bundle=$(find "$w/keep-enc/bundles" -name '*.tar.zst.age')
    [ "$(wc -l <<<"$bundle")" -eq 1 ] && [ -n "$bundle" ] || die "encryption: no single .tar.zst.age bundle in $w/keep-enc"
    [ -z "$(find "$w/keep-enc/bundles" -name '*.tar.zst')" ] || die "encryption: a plain bundle beside the age file"
    [ "$(head -c 22 "$bundle")" = "age-encryption.org/v1" ] || die "encryption: $bundle is no age file"
    [ -n "$(find "$w/keep-plain/bundles" -name '*.tar.zst')" ] || die "encryption: no plain bundle in $w/keep-plain"
    printf '{"bundle_bytes": %d, "plain_bundle_bytes": %d}\n' "$(stat -c %s "$bundle")" \
        "$(find "$w/keep-plain/bundles" -name '*.tar.zst' -exec stat -c %s {} +)" >"$raw/encryption-$label-bundle.json"
    # A harness check, not timed: both readers give back the source's bytes.
    x="$w/check"
    mkdir -p "$x/age"
    "$snap" extract latest --to "$x/snap" --config "$config" --store "$w/keep-enc" -q
    diff -r "$root" "$x/snap/mnesia" >/dev/null || die "snap extract of the encrypted ($label) differs from the source"
    age -d -i "$key" "$bundle" | tar --zstd -xf - -C "$x/age"
    diff -r "$root" "$x/age/mnesia" >/dev/null || die "age -d | tar -x of the encrypted ($label) differs from the source"
    rm -rf "$x"

    # create: a fresh store each run, so the bundle is really written in both arms.
    warm_cache "$root"
    local warm_paths="$root"
    hf "encryption-full-$label" "$runs" \
        -n snap --prepare "rm -rf $w/store && $snap init --store $w/store -q" \
        "$(rss "encryption-full-$label-snap") $snap create --config $config --store $w/store $args --node bench --policy $policy -q" \
        -n snap-plain --prepare "rm -rf $w/store-plain && $snap init --store $w/store-plain -q" \
        "$(rss "encryption-full-$label-snap-plain") $snap create --config $plain --store $w/store-plain $args --node bench --policy $policy -q"
    if [[ " ${failed_groups[*]} " != *" encryption-full-$label "* ]]; then
        [ -n "$(find "$w/store/bundles" -name '*.tar.zst.age')" ] && [ -n "$(find "$w/store-plain/bundles" -name '*.tar.zst')" ] ||
            die "encryption: the timed creates did not write an age and a plain bundle"
    fi
    rm -rf "$w/store" "$w/store-plain"

    # extract: snap checks every file against the manifest; age + tar checks the age chunks only.
    x="$w/extract"
    warm_paths="$w/keep-enc $w/keep-plain $w/age.key"
    warm_cache $warm_paths
    hf "encryption-extract-$label" "$runs" \
        -n snap --prepare "rm -rf $x" \
        "$(rss "encryption-extract-$label-snap") $snap extract latest --to $x --config $config --store $w/keep-enc -q" \
        -n age-tar --prepare "rm -rf $x && mkdir $x" "age -d -i $key $bundle | tar --zstd -xf - -C $x" \
        -n snap-plain --prepare "rm -rf $x" \
        "$(rss "encryption-extract-$label-snap-plain") $snap extract latest --to $x --config $plain --store $w/keep-plain -q"
    rm -rf "$w"
}
