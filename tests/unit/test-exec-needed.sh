#!/bin/sh
# planet-initd starts every service: it must need libc alone (no libselinux,
# no libpcre2, no libsystemd, no libsepol). A dependency that creeps back in
# through libplanet.a fails here, naming it.
set -eu
bin=${top_builddir:-.}/planet-initd
needed=$(LC_ALL=C readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "test-exec-needed: no NEEDED entries read from $bin" >&2; exit 1; }
extra=$(printf '%s\n' $needed | grep -v '^libc\.so\.' || true)
if [ -n "$extra" ]; then
        echo "test-exec-needed: $bin needs more than libc: $extra" >&2
        exit 1
fi
echo "planet-initd needs: $needed"
