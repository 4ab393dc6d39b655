#!/bin/sh
# On the same input, the raw allow rules we print are the set audit2allow
# prints (Debian's policycoreutils-python-utils), for every text format.
set -eu
command -v audit2allow >/dev/null || { echo "audit2allow missing: install policycoreutils-python-utils (scripts/bootstrap)" >&2; exit 1; }
bin="$top_builddir/planet-selinux"
fx="$top_srcdir/tests/fixtures/denials"
policy="$PLANET_FIXTURE_ROOT/etc/selinux/default/policy/policy.33"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for f in audit.log dmesg.txt journalctl.txt ausearch-i.txt pasted.txt; do
        audit2allow -p "$policy" -i "$fx/$f" 2>/dev/null | grep '^allow ' | sort >"$tmp/theirs"
        "$bin" denials -i "$fx/$f" --format te | sort >"$tmp/ours"
        [ -s "$tmp/theirs" ] || { echo "FAIL: audit2allow printed no rules for $f" >&2; exit 1; }
        if ! diff -u "$tmp/theirs" "$tmp/ours"; then
                echo "FAIL: rules differ from audit2allow for $f" >&2
                exit 1
        fi
        n=$((n + $(wc -l <"$tmp/ours")))
done
echo "ok: $n rules identical"
