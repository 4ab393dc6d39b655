#!/bin/sh
# Every MESSAGE_ID in initd/lib/messages.h has a catalog entry, and journalctl
# compiles the catalog (as `journalctl --update-catalog` does on install).
set -eu
cat="$top_srcdir/catalog/planet-selinux.catalog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ids=$(sed -n 's/^#define PLANET_MESSAGE_[A-Z_]*_STR "\([0-9a-f]\{32\}\)"$/\1/p' "$top_srcdir/initd/lib/messages.h")
[ -n "$ids" ] || { echo "FAIL: no MESSAGE_IDs found in messages.h" >&2; exit 1; }
# planet-initd logs its own copies of the start/refusal IDs (exec.h): they
# must be the ones messages.h and the catalog know.
exec_h="$top_srcdir/initd/lib/exec.h"
if [ -f "$exec_h" ]; then
        for id in $(sed -n 's/^#define EXEC_MESSAGE_ID_[A-Z_]* "\([0-9a-f]\{32\}\)"$/\1/p' "$exec_h"); do
                echo "$ids" | grep -qx "$id" || { echo "FAIL: exec.h logs $id, which messages.h lacks" >&2; exit 1; }
        done
fi
for id in $ids; do
        grep -qx -- "-- $id" "$cat" || { echo "FAIL: $id has no catalog entry" >&2; exit 1; }
done
mkdir -p "$tmp/usr/lib/systemd/catalog"
cp "$cat" "$tmp/usr/lib/systemd/catalog/"
journalctl --root="$tmp" --update-catalog
listed=$(journalctl --root="$tmp" --list-catalog | grep -c 'planet-selinux\|@UNIT@' || true)
for id in $ids; do
        journalctl --root="$tmp" --list-catalog | grep -q "^$id " || { echo "FAIL: journalctl did not compile $id" >&2; exit 1; }
done
echo "ok: $(echo "$ids" | wc -l) entries ($listed listed)"
