#!/bin/sh
# Interface suggestions stay what they were: on a sample of the benchmark's
# generated log (its first 3,000 records), every group's suggestions (call,
# and the why line) against the compiled fixture policy must equal
# tests/fixtures/denials/suggestions.golden, which was written by the
# implementation that searched the index per access (before the inverted
# index). A change in ranking or in what is offered shows as a diff.
# Regenerate only when a change in suggestions is intended:
#   GOLDEN_WRITE=1 make check TESTS=tests/cli/test-denials-suggestions.sh
set -eu
: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
bin="$top_builddir/planet-selinux"
golden="$top_srcdir/tests/fixtures/denials/suggestions.golden"
policy="$PLANET_FIXTURE_ROOT/etc/selinux/default/policy/policy.33"
[ -d /usr/share/selinux/devel/include ] ||
        { echo "selinux-policy-dev missing: install it (scripts/bootstrap)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top_srcdir/tests/bench/denials/genlog.py" 3000 7 >"$tmp/sample.log"
"$bin" denials -i "$tmp/sample.log" --policy "$policy" --json --no-proc >"$tmp/out.json"
# One line per suggestion, ordered as the groups and their ranking are:
# DOMAIN TARGET:CLASS {PERMS} RANK CALL — WHY
python3 - "$tmp/out.json" >"$tmp/suggestions" <<'PY'
import json, sys
for g in json.load(open(sys.argv[1])):
    for i, s in enumerate(g["interfaces"] or []):
        print("%s %s:%s {%s} %d %s" % (g["domain"], g["target"], g["tclass"],
                                      " ".join(g["perms"]), i + 1, s))
PY
[ -s "$tmp/suggestions" ] || { echo "FAIL: no suggestions at all" >&2; exit 1; }
if [ -n "${GOLDEN_WRITE:-}" ]; then
        cp "$tmp/suggestions" "$golden"
        echo "wrote $golden ($(wc -l <"$tmp/suggestions") suggestions)"
        exit 0
fi
if ! diff -u "$golden" "$tmp/suggestions" >"$tmp/diff"; then
        head -40 "$tmp/diff" >&2
        echo "FAIL: interface suggestions differ from $golden" >&2
        exit 1
fi
echo "ok: $(wc -l <"$tmp/suggestions") suggestions identical to the golden output"
