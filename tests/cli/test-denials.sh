#!/bin/sh
# planet-selinux denials end to end: inputs, outputs, errors, exit codes.
set -eu
: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
bin="$top_builddir/planet-selinux"
fx="$top_srcdir/tests/fixtures/denials"
policy="$PLANET_FIXTURE_ROOT/etc/selinux/default/policy/policy.33"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { # run EXPECTED_STATUS ARGS... ; output in $tmp/out, $tmp/err
        want=$1; shift
        set +e; "$bin" denials "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
        [ "$got" = "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "denials $* exited $got, wanted $want"; }
}

run 0 --help
grep -q -- '--format te|cil' "$tmp/out" || fail "--help lacks --format"

# Table: every group of the fixture, with verdicts and a fix column.
run 0 -i "$fx/verdicts.log" --policy "$policy" --no-interfaces --no-proc
grep -q '^#   UNIT .*VERDICT *FIX$' "$tmp/out" || fail "table header"
grep -q 'httpd_t  *http_port_t .* boolean  *setsebool -P httpd_can_network_connect on' "$tmp/out" || fail "boolean row"
grep -q 'constraint: constrain file { create relabelfrom relabelto }' "$tmp/out" || fail "constraint detail"
grep -q 'restorecon -v /etc/shadow' "$tmp/out" || fail "label advice"

# JSON is JSON, one object per group.
run 0 -i "$fx/verdicts.log" --policy "$policy" --no-interfaces --no-proc --json
python3 - "$tmp/out" <<'PY' || fail "json"
import json, sys
groups = json.load(open(sys.argv[1]))
assert len(groups) == 14, len(groups)
v = {(g["domain"], g["target"], g["tclass"]): g for g in groups}
assert v[("httpd_t", "shadow_t", "file")]["verdict"] == "te-rule"
assert v[("httpd_t", "httpd_t", "capability")]["rule_te"] == "allow httpd_t self:capability net_admin;"
assert any(b["name"] == "allow_kerberos" for b in v[("httpd_t", "file_context_t", "file")]["booleans"])
PY

# Rules only; stdin; TE and CIL agree.
run 0 -i - --format te <"$fx/audit.log"
grep -qx 'allow httpd_t shadow_t:file { getattr read };' "$tmp/out" || fail "te rule"
cp "$tmp/out" "$tmp/te"
run 0 -i "$fx/audit.log" --format cil
grep -qx '(allow httpd_t shadow_t (file (getattr read)))' "$tmp/out" || fail "cil rule"
[ "$(wc -l <"$tmp/te")" = "$(wc -l <"$tmp/out")" ] || fail "te and cil differ in count"

# The journal: units from planet-initd start entries; --unit filters.
journal="$top_builddir/tests/fixtures/denials/fixture.journal"
run 0 --file "$journal" --policy "$policy" --no-interfaces --unit kubelet
grep -q '^1  *kubelet.service  *httpd_t  *shadow_t ' "$tmp/out" || fail "journal unit"
grep -q 'etcd.service' "$tmp/out" && fail "--unit kept another unit"
grep -q 'unit:      kubelet.service (journal)' "$tmp/out" || fail "unit method"
run 0 --file "$journal" --format te --domain httpd_t
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "--domain rules"

# A journal directory (the host's journal bind-mounted into the container),
# with --since: etcd started before it and is still named.
mkdir "$tmp/journal"
cp "$journal" "$tmp/journal/system.journal"
run 0 -D "$tmp/journal" --no-interfaces --policy "$policy" --since "@1764095402" -u etcd
grep -q '^1  *etcd.service  *httpd_t  *node_t ' "$tmp/out" || fail "--directory --since --unit"

# Several journal directories read together (-D repeated): planet's, with
# planet-initd's start entries, and the host's, with the AVCs (the journal
# files in a MACHINE-ID subdirectory, as /var/log/journal lays them out).
# Only together do the denials have units.
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || fail "$remote missing: install systemd-journal-remote (scripts/bootstrap)"
mkdir -p "$tmp/planet" "$tmp/host/0123456789abcdef0123456789abcdef"
awk 'BEGIN { RS = ""; ORS = "\n\n" } /MESSAGE_ID=0e00ecbd4b4847d99059bbe280a936cd/' "$fx/journal.export" >"$tmp/planet.export"
awk 'BEGIN { RS = ""; ORS = "\n\n" } !/MESSAGE_ID=0e00ecbd4b4847d99059bbe280a936cd/' "$fx/journal.export" >"$tmp/host.export"
"$remote" --output="$tmp/planet/system.journal" "$tmp/planet.export" 2>/dev/null
"$remote" --output="$tmp/host/0123456789abcdef0123456789abcdef/system.journal" "$tmp/host.export" 2>/dev/null
run 0 -D "$tmp/host" --no-interfaces --policy "$policy" -u kubelet
grep -q 'kubelet.service' "$tmp/out" && fail "the host's journal alone named a unit it has no start entry for"
run 0 -D "$tmp/host" -D "$tmp/planet" --no-interfaces --policy "$policy" -u kubelet
grep -q '^1  *kubelet.service  *httpd_t  *shadow_t ' "$tmp/out" || fail "-D twice: unit from the other journal"
# A directory without journal files is named.
mkdir "$tmp/empty"
run 1 -D "$tmp/host" -D "$tmp/empty" --no-interfaces --policy "$policy"
grep -q "journal directory $tmp/empty holds no journal files" "$tmp/err" || fail "-D empty dir message"

# --follow prints a line per group as the journal is read, then waits.
set +e
timeout 5 "$bin" denials --file "$journal" --follow --no-interfaces --policy "$policy" >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
[ "$got" = 124 ] || { cat "$tmp/err" >&2; fail "--follow exited $got instead of waiting"; }
grep -q 'kubelet.service httpd_t shadow_t:file read ×1 te-rule' "$tmp/out" || fail "--follow line"

# Bad input: malformed records are reported with file:line, the rest is
# still explained, and the status says so.
{ cat "$fx/pasted.txt"; echo 'type=AVC msg=audit(1.000:9): avc:  denied  { read for pid=1'; } >"$tmp/bad.log"
run 1 -i "$tmp/bad.log" --format te
grep -q "bad.log:6: AVC record whose permission set has no closing '}'" "$tmp/err" || fail "malformed message"
grep -q 'allow httpd_t shadow_t:file read;' "$tmp/out" || fail "good records lost"

# Errors name the thing and what to do.
run 1 -i "$tmp/missing.log"
grep -q "cannot open $tmp/missing.log" "$tmp/err" || fail "missing input message"
run 1 -i "$fx/audit.log" --policy "$tmp/missing.33"
grep -q "$tmp/missing.33" "$tmp/err" || fail "missing policy message"
run 2 --format yaml
grep -q "te or cil" "$tmp/err" || fail "bad format message"
run 2 -i "$fx/audit.log" --follow
run 1 --since "last tuesday" -i "$fx/audit.log"
grep -q "cannot parse --since 'last tuesday'" "$tmp/err" || fail "since message"
run 1 --directory "$tmp/nojournal" --format te
grep -q "journal directory $tmp/nojournal" "$tmp/err" || fail "directory message"
echo ok
