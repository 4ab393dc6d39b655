#!/bin/sh
# Every MESSAGE_ID in initd/lib/messages.h has a catalog entry, and journalctl
# compiles the catalog (as `journalctl --update-catalog` does on install).
set -eu
: "${top_srcdir:?run from make check}"
cat="$top_srcdir/catalog/planet-selinux.catalog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ids=$(sed -n 's/^#define PLANET_MESSAGE_[A-Z_]*_STR "\([0-9a-f]\{32\}\)"$/\1/p' "$top_srcdir/initd/lib/messages.h")
[ -n "$ids" ] || { echo "FAIL: no MESSAGE_IDs found in messages.h" >&2; exit 1; }
# planet-initd must log the IDs messages.h defines, not copies of its own.
if grep -qE '"[0-9a-f]{32}"' "$top_srcdir/initd/lib/exec.h" ||
   ! grep -q '^#define EXEC_MESSAGE_ID_START PLANET_MESSAGE_EXEC_DOMAIN_STR$' "$top_srcdir/initd/lib/exec.h"; then
        echo "FAIL: exec.h must take its MESSAGE_IDs from messages.h, not copy them" >&2
        exit 1
fi
for id in $ids; do
        grep -qx -- "-- $id" "$cat" || { echo "FAIL: $id has no catalog entry" >&2; exit 1; }
done
mkdir -p "$tmp/usr/lib/systemd/catalog"
cp "$cat" "$tmp/usr/lib/systemd/catalog/"
journalctl --root="$tmp" --update-catalog
listed=$(journalctl --root="$tmp" --list-catalog | grep -c 'planet-selinux\|@UNIT@' || true)
catalog=$(journalctl --root="$tmp" --list-catalog)
for id in $ids; do
        printf '%s\n' "$catalog" | grep -q "^$id " || { echo "FAIL: journalctl did not compile $id" >&2; exit 1; }
done
echo "ok: $(echo "$ids" | wc -l) entries ($listed listed)"
