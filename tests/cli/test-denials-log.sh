#!/bin/sh
# planet-selinux denials --log: one journal entry per group, received on a
# real journald socket. The test gives the command a private /run (a mount
# namespace) where a small listener plays journald: it binds
# /run/systemd/journal/socket and decodes the native protocol, so every
# field sd_journal_send() wrote is checked against the --json output for the
# same input. Without journald the command must fail before reading,
# naming the socket (sd_journal_send() itself drops entries silently then). --follow --log is checked the same way on a
# journal file.
set -eu
: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
bin="$top_builddir/planet-selinux"
fx="$top_srcdir/tests/fixtures/denials"
policy="$PLANET_FIXTURE_ROOT/etc/selinux/default/policy/policy.33"
journal="$top_builddir/tests/fixtures/denials/fixture.journal"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A private /run: as root a mount namespace, otherwise a user namespace too.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
        ns="unshare -m"
elif unshare -rm true 2>/dev/null; then
        ns="unshare -rm"
else
        echo "SKIP: no mount namespace (unshare -m or -rm) for a private journal socket"
        exit 77
fi

cat >"$tmp/journald.py" <<'PY'
# A stand-in for journald's native socket: decode datagrams (KEY=VALUE
# lines, or KEY\n + 64-bit little-endian length + VALUE\n) into one JSON
# object per entry, until a datagram reading STOP.
import json, os, socket, struct, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".ready", "w").close()
entries = []
while True:
    data = s.recv(1 << 20)
    if data == b"STOP":
        break
    e, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        e[k.decode()] = v.decode()
    entries.append(e)
json.dump(entries, open(out, "w"))
PY

cat >"$tmp/inner.sh" <<'SH'
set -eu
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/journal
sock=/run/systemd/journal/socket
start_journald() {
        rm -f "$sock" "$sock.ready"
        python3 "$tmp/journald.py" "$sock" "$1" &
        i=0
        while [ ! -e "$sock.ready" ]; do
                i=$((i + 1)); [ $i -lt 100 ] || { echo "FAIL: listener did not start" >&2; exit 1; }
                sleep 0.05
        done
}
stop_journald() {
        python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"STOP", sys.argv[1])' "$sock"
        wait
}

# A log file: every group once, and the JSON of the same run to compare.
start_journald "$tmp/entries.json"
"$bin" denials -i "$fx/verdicts.log" --policy "$policy" --no-interfaces --no-proc --json --log \
        >"$tmp/groups.json"
stop_journald

# A journal file with units, through --follow (stopped by a timeout; the
# groups are logged as they are explained, none twice).
start_journald "$tmp/follow.json"
set +e
timeout -s INT 5 "$bin" denials --file "$journal" --policy "$policy" --no-interfaces --no-proc \
        --follow --log >"$tmp/follow.out" 2>"$tmp/follow.err"
set -e
stop_journald
"$bin" denials --file "$journal" --policy "$policy" --no-interfaces --no-proc --json \
        >"$tmp/journal.json"

# No journald: an error naming the socket, and no half-done output.
rm -f "$sock"
set +e
"$bin" denials -i "$fx/verdicts.log" --policy "$policy" --no-interfaces --no-proc --log \
        >"$tmp/nojournald.out" 2>"$tmp/nojournald.err"
echo $? >"$tmp/nojournald.status"
set -e
SH
export tmp bin fx policy journal
$ns sh "$tmp/inner.sh"

python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]

def check(entries_file, groups_file):
    entries = json.load(open(entries_file))
    groups = json.load(open(groups_file))
    assert len(groups) >= 3, len(groups)
    assert len(entries) == len(groups), (len(entries), len(groups))
    key = lambda s, t, c, p: (s, t, c, p)
    by_key = {}
    for e in entries:
        assert e["MESSAGE_ID"] == "51fc06fd96b6402b9437a24f2ad56543", e
        assert e["PRIORITY"] == "4", e
        k = key(e["SCONTEXT"], e["TCONTEXT"], e["TCLASS"], e["PERMS"])
        assert k not in by_key, "logged twice: %r" % (k,)
        by_key[k] = e
    for g in groups:
        e = by_key[key(g["scontext"], g["tcontext"], g["tclass"], ",".join(g["perms"]))]
        assert e["COUNT"] == str(g["count"]), (e, g)
        assert e["VERDICT"] == g["verdict"], (e, g)
        assert e["RULE"] == (g["rule_te"] or ""), (e, g)
        assert e["UNIT"] == (g["unit"] or ""), (e, g)
        unit = g["unit"] or "unknown unit"
        assert e["MESSAGE"].startswith("%s: %s denied %s on %s:%s %d times: " % (
            unit, g["domain"], ",".join(g["perms"]), g["target"], g["tclass"], g["count"])), e
    return len(entries)

n = check(tmp + "/entries.json", tmp + "/groups.json")
m = check(tmp + "/follow.json", tmp + "/journal.json")
units = {e["UNIT"] for e in json.load(open(tmp + "/follow.json"))}
assert "kubelet.service" in units, units
status = open(tmp + "/nojournald.status").read().strip()
err = open(tmp + "/nojournald.err").read()
out = open(tmp + "/nojournald.out").read()
assert status == "1", status
assert "--log: cannot send to the journal" in err and "/run/systemd/journal/socket" in err, err
assert out == "", "nothing is explained when the entries cannot be sent"
print("ok: %d entries from a log, %d from --follow on a journal, each matching its group; "
      "no journald is an error" % (n, m))
PY
