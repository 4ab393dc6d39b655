#!/bin/sh
# planet-initd starts every service and speaks the kernel's SELinux interfaces
# itself: it must not need libselinux (nor the libpcre2 that comes with it),
# libsepol or libsystemd. A dependency that creeps back in through
# libplanet.a fails here, naming it. (A plain build needs libc alone; a
# sanitizer build may add its runtime, which is fine.)
set -eu
bin=${top_builddir:-.}/planet-initd
needed=$(LC_ALL=C readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "test-exec-needed: no NEEDED entries read from $bin" >&2; exit 1; }
bad=$(printf '%s\n' $needed | grep -E '^lib(selinux|pcre2|sepol|systemd)' || true)
if [ -n "$bad" ]; then
        echo "test-exec-needed: $bin needs $bad (planet-initd must not link it:" \
                "initd/lib/selinuxfs.h answers the kernel questions)" >&2
        exit 1
fi
echo "planet-initd needs:" $needed
