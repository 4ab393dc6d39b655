#!/bin/sh
# On the same input, the raw allow rules we print are the set audit2allow
# prints (Debian's policycoreutils-python-utils): every fixture format, and a
# generated log with many repeats. Compared permission by permission, since
# audit2allow splits one source/target/class over several lines by verdict.
set -eu
: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
command -v audit2allow >/dev/null || { echo "audit2allow missing: install policycoreutils-python-utils (scripts/bootstrap)" >&2; exit 1; }
bin="$top_builddir/planet-selinux"
fx="$top_srcdir/tests/fixtures/denials"
set_of="$top_srcdir/tests/bench/denials/rules-set"
policy="$PLANET_FIXTURE_ROOT/etc/selinux/default/policy/policy.33"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top_srcdir/tests/bench/denials/genlog.py" 150 11 >"$tmp/generated.log"
n=0
for f in "$fx/audit.log" "$fx/dmesg.txt" "$fx/journalctl.txt" "$fx/ausearch-i.txt" \
         "$fx/pasted.txt" "$fx/verdicts.log" "$tmp/generated.log"; do
        audit2allow -p "$policy" -i "$f" 2>/dev/null | "$set_of" >"$tmp/theirs"
        "$bin" denials -i "$f" --policy "$policy" --format te | "$set_of" >"$tmp/ours"
        [ -s "$tmp/theirs" ] || { echo "FAIL: audit2allow printed no rules for $f" >&2; exit 1; }
        if ! diff -u "$tmp/theirs" "$tmp/ours"; then
                echo "FAIL: rules differ from audit2allow for $f" >&2
                exit 1
        fi
        n=$((n + $(wc -l <"$tmp/ours")))
done
echo "ok: $n permissions identical"
