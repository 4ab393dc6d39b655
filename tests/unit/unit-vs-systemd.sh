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
# Drop-ins: the effective ExecStart= of units with drop-ins in every place
# systemd looks (instance, template, dash prefixes, type), masked and
# same-named ones, read from a root by systemd and by unit_load().
root=$tmp/root
d=$root/etc/systemd/system
mkdir -p "$d" "$root/usr/lib/systemd"
for sys in /usr/lib/systemd/system /lib/systemd/system; do
        [ -d "$sys" ] && { cp -a "$sys" "$root/usr/lib/systemd/"; break; }
done
put() { mkdir -p "$(dirname "$d/$1")"; printf '%b' "$2" >"$d/$1"; }
put a-b-c.service '[Service]\nExecStart=/opt/u/main\n'
put a-b-c.service.d/10-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/ten\n'
put a-b-.service.d/20-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/prefix20\n'
put a-.service.d/15-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/prefix15\n'
put t@.service '[Service]\nExecStart=/opt/u/tmain %i\n'
put t@.service.d/30-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/template30\n'
put t@i.service.d/30-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/instance30\n'
put t@i.service.d/05-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/instance05\n'
put m.service '[Service]\nExecStart=/opt/u/m-main\n'
put m.service.d/90-last.conf '[Service]\nExecStart=\nExecStart=/opt/u/m-last\n'
put p.service '[Service]\nExecStart=/opt/u/p-main\n'
put p.service.d/50-a.conf '[Service]\nExecStart=\nExecStart=/opt/u/p-%N-\\\n  # comment in a continuation\n  x\n'
ln -sf /dev/null "$d/m.service.d/95-masked.conf"
put real.service '[Service]\nExecStart=/opt/u/real\n'
ln -sf real.service "$d/al.service"
put al.service.d/10-x.conf '[Service]\nExecStart=\nExecStart=/opt/u/from-alias-dropin\n'
drops=0
for unit in a-b-c.service t@i.service m.service p.service real.service; do
        out=$(cd "$d" && "$analyze" verify --man=no --root="$root" "$unit" 2>&1)
        p=$(sed -n 's/^[^ ]*: Command \(.*\) is not executable.*/\1/p' <<<"$out" | head -1)
        theirs="OK $p"
        [ -n "$p" ] || theirs="? $out"
        ours=$("$dump" --unit "$d" "$unit")
        drops=$((drops + 1))
        if [ "$ours" = "$theirs" ]; then
                echo "ok: $unit with drop-ins -> $ours"
        else
                echo "FAIL: $unit with drop-ins: ours '$ours', systemd '$theirs'"
                failures=$((failures + 1))
        fi
done

echo "unit-vs-systemd: ${#cases[@]} lines, $drops units with drop-ins, $failures disagreement(s)"
[ "$failures" = 0 ]
