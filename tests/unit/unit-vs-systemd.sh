#!/usr/bin/env bash
# Differential test: ExecStart= lines read by unit_exec_parse() and by systemd
# itself. systemd-analyze verify names the executable it would run when it
# does not exist ("Command PATH is not executable") and refuses lines it
# cannot parse ("bad unit file setting"); the two readings must agree.
set -uo pipefail
build=${top_builddir:?run through make check}
analyze=${SYSTEMD_ANALYZE:-$(command -v systemd-analyze || true)}
[ -x "$analyze" ] || { echo "FAIL: systemd-analyze not found: install systemd; not skipped"; exit 1; }
dump=$build/tests/unit/unit-exec-dump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cases=(
        '/opt/x/a'
        '"/opt/x/a b"'
        "'/opt/x/a b' arg"
        '/opt/x/a\x20b'
        '/opt/x/"a"b --flag'
        '/opt/x/a"b c"d'
        '!!/opt/x/a'
        '!/opt/x/a'
        '+/opt/x/a'
        ':/opt/x/a $X'
        '"/opt/x/\u00e9"'
        '/opt/x/a\q'
        '/opt/x/a\\b'
        '"/opt/x/a'
        'opt/x/a'
        '/opt/x/a\s'
        '@/opt/x/a name --x'
        '/opt/x/a \; b'
        '/opt/x/a;b'
        '/opt/x/\x41\101'
        '/opt/x/%%'
        '/opt/x/%n-%N-%p'
)
failures=0
for line in "${cases[@]}"; do
        printf '[Service]\nExecStart=%s\n' "$line" >"$tmp/d.service"
        out=$(cd "$tmp" && "$analyze" verify --man=no ./d.service 2>&1)
        if grep -q "bad unit file setting" <<<"$out"; then
                theirs=ERROR
        else
                p=$(sed -n 's/^d\.service: Command \(.*\) is not executable.*/\1/p' <<<"$out")
                if [ -z "$p" ]; then
                        echo "?: systemd said nothing usable for: $line: $out"
                        failures=$((failures + 1))
                        continue
                fi
                theirs="OK $p"
        fi
        ours=$("$dump" "$line")
        if [ "$ours" = "$theirs" ]; then
                echo "ok: $line -> $ours"
        else
                echo "FAIL: $line: ours '$ours', systemd '$theirs'"
                failures=$((failures + 1))
        fi
done
echo "unit-vs-systemd: ${#cases[@]} lines, $failures disagreement(s)"
[ "$failures" = 0 ]
