#!/usr/bin/env bash
# planet-selinux lint-fc against the fixture store's equivalences: our own
# .fc and the container's file_contexts are clean, the trap fixture reports
# exactly its traps with the right spellings, --root warns on symlinks,
# and bad input exits 2.
set -euo pipefail
tool="${top_builddir:?}/planet-selinux"
root="${PLANET_FIXTURE_ROOT:?}"
fx="${top_srcdir:?}/tests/policy/fixtures"
fail=0
check() { # check NAME WANT_STATUS CMD...
        local name=$1 want=$2; shift 2
        set +e; out=$("$@" 2>&1); st=$?; set -e
        if [ "$st" -ne "$want" ]; then echo "FAIL: $name: exit $st, want $want"; echo "$out"; fail=1; fi
}
has() { grep -qF -- "$1" <<<"$out" || { echo "FAIL: $2: missing '$1' in:"; echo "$out"; fail=1; }; }

check "gravity.fc is clean" 0 "$tool" lint-fc --policy-root "$root" "$top_srcdir/policy/gravity.fc"
[ -z "$out" ] || { echo "FAIL: gravity.fc findings: $out"; fail=1; }
check "planet_file_contexts is clean" 0 "$tool" lint-fc --policy-root "$root" "$top_srcdir/policy/planet_file_contexts"

check "traps" 1 "$tool" lint-fc --policy-root "$root" "$fx/traps.fc"
has "traps.fc:2: error: '/var/run/trap\.sock' can never match" "socket under /var/run"
has "write '/run/trap\.sock'" "suggested /run spelling"
has "traps.fc:3: error: '/var/run/trapdir(/.*)?'" "directory tree under /var/run"
has "write '/run/trapdir(/.*)?'" "suggested tree spelling"
has "write '/usr/bin/trap-tool'" "/bin alias"
has "write '/usr/lib/systemd/trap-helper'" "/lib/systemd alias"
n=$(printf '%s\n' "$out" | grep -c ': error: ' || true)
[ "$n" -eq 4 ] || { echo "FAIL: traps: $n errors, want 4 (/var/runner and canonical spellings are fine)"; echo "$out"; fail=1; }

# --subs gives the same answer from the file itself.
check "traps via --subs" 1 "$tool" lint-fc --subs "$root/etc/selinux/default/contexts/files/file_contexts.subs_dist" "$fx/traps.fc"
# An empty equivalence set makes the same file clean.
empty=$(mktemp); tmproot=$(mktemp -d); trap 'rm -rf "$empty" "$tmproot"' EXIT
check "no equivalences" 0 "$tool" lint-fc --subs "$empty" "$fx/traps.fc"

# -- entry naming a symlink in --root.
mkdir -p "$tmproot/usr/bin" "$tmproot/run"
ln -s /usr/bin/elsewhere "$tmproot/usr/bin/fine-tool"
check "symlink warning" 0 "$tool" lint-fc --subs "$empty" --root "$tmproot" "$fx/clean.fc"
has "clean.fc:2: warning: '/usr/bin/fine-tool' is a symlink" "symlink warning"
check "symlink warning --strict" 1 "$tool" lint-fc --strict --subs "$empty" --root "$tmproot" "$fx/clean.fc"

# --policy-root reads SELINUXTYPE and the local .subs beside .subs_dist.
mkdir -p "$tmproot/etc/selinux/custom/contexts/files"
printf 'SELINUX=enforcing\nSELINUXTYPE=custom\n' >"$tmproot/etc/selinux/config"
printf '/opt/gravity /var/lib/gravity\n' >"$tmproot/etc/selinux/custom/contexts/files/file_contexts.subs"
printf '/var/run /run\n' >"$tmproot/etc/selinux/custom/contexts/files/file_contexts.subs_dist"
printf '/opt/gravity/x\t--\tgen_context(system_u:object_r:bin_t,s0)\n/var/run/y\tgen_context(system_u:object_r:bin_t,s0)\n' >"$tmproot/local.fc"
check "local .subs" 1 "$tool" lint-fc --policy-root "$tmproot" "$tmproot/local.fc"
has "local.fc:1: error: '/opt/gravity/x' can never match: paths under /opt/gravity are looked up as /var/lib/gravity; write '/var/lib/gravity/x'" "local equivalence"
has "local.fc:2: error: '/var/run/y'" "distribution equivalence"
printf 'SELINUXTYPE=../x\n' >"$tmproot/etc/selinux/config"
check "bad SELINUXTYPE" 2 "$tool" lint-fc --policy-root "$tmproot" "$tmproot/local.fc"
has "invalid SELINUXTYPE" "names the bad setting"

check "missing fc" 2 "$tool" lint-fc --subs "$empty" "$tmproot/nonexistent.fc"
has "nonexistent.fc" "names the missing file"
check "missing --subs" 2 "$tool" lint-fc --subs "$tmproot/none.subs" "$fx/clean.fc"
printf '/x\tbogus\tgen_context(a:b:c,s0)\n' >"$tmproot/bad.fc"
check "malformed fc" 2 "$tool" lint-fc --subs "$empty" "$tmproot/bad.fc"
has "bad.fc:1: unknown file type" "names the line"
check "usage" 2 "$tool" lint-fc

[ "$fail" -eq 0 ] && echo "PASS: lint-fc"
exit "$fail"
