# shellcheck shell=bash
# Shared helpers of scripts/vm/* (sourced, not run).

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

need_root() {
        if [ "$(id -u)" -ne 0 ]; then
                echo "vm/$1: must run as root (mmdebstrap, chroot, setfiles and mkfs need it); try: sudo $0" >&2
                exit 1
        fi
}

need_tool() {
        command -v "$1" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$1" >/dev/null 2>&1 || {
                echo "vm: '$1' not found: install the Debian package $2 (scripts/bootstrap does)" >&2
                exit 1
        }
}

# Where built bases live: outside the source tree so that every clone and
# build directory on this machine shares them.
# Where the image is assembled and its disk written (GBs written once, read
# once by qemu): a fresh directory in RAM (/dev/shm) when it has room — on
# these machines 5-10x faster than the build disk — else FALLBACK/scratch.
# PLANET_VM_SCRATCH chooses the directory. Prints the directory.
scratch_dir() { # FALLBACK
        if [ -n "${PLANET_VM_SCRATCH:-}" ]; then
                mkdir -p "$PLANET_VM_SCRATCH" && echo "$PLANET_VM_SCRATCH"
                return
        fi
        local avail_kb
        avail_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
        if [ "${avail_kb:-0}" -ge $((4 * 1024 * 1024)) ]; then
                mktemp -d /dev/shm/planet-vm.XXXXXX
        else
                mkdir -p "$1/scratch" && echo "$1/scratch"
        fi
}

cache_dir() {
        if [ -n "${PLANET_VM_CACHE:-}" ]; then
                echo "$PLANET_VM_CACHE"
        elif [ -n "${XDG_CACHE_HOME:-}" ]; then
                echo "$XDG_CACHE_HOME/planet-selinux"
        elif [ "$(id -u)" -eq 0 ]; then
                echo /var/cache/planet-selinux
        else
                echo "$HOME/.cache/planet-selinux"
        fi
}

package_list() {
        sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' "$1"
}

# The base's identity: what goes into it and how it is made.
base_key() {
        { package_list "$vm_dir/packages"; sed -n '/^ *# recipe-begin/,/^ *# recipe-end/p' "$vm_dir/base"; } | sha256sum | cut -c1-16
}

# The host's apt entries for Debian bookworm (one-line and deb822 styles),
# as one sources file mmdebstrap can paste into the rootfs.
host_debian_sources() {
        local f
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -f "$f" ] || continue
                awk '$1 == "deb" { s = ($2 ~ /^\[/) ? 4 : 3; while ($(s-1) !~ /:\/\// && s <= NF) s++; if ($s ~ /^bookworm(-[a-z]+)?$/) print }' "$f"
        done
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] || continue
                # Keep stanzas whose Suites are all bookworm[-x] and Types include deb.
                awk 'BEGIN { RS = ""; ORS = "\n\n" }
                     {
                        ok = 0; suites = ""; n = split($0, l, "\n")
                        for (i = 1; i <= n; i++) {
                                if (l[i] ~ /^Enabled:[ \t]*no/) { ok = -1; break }
                                if (l[i] ~ /^Suites:/) suites = l[i]
                                if (l[i] ~ /^Types:.*(^|[ \t])deb([ \t]|$)/) ok = 1
                        }
                        if (ok != 1 || suites == "") next
                        m = split(suites, s, /[ \t]+/)
                        for (i = 2; i <= m; i++) if (s[i] !~ /^bookworm(-[a-z]+)?$/) next
                        print
                     }' "$f"
        done
}

# Copy a staged install over a rootfs whose /lib, /bin, /sbin are symlinks
# into /usr (merged-/usr Debian): follow them rather than replace them.
copy_tree() {
        tar -C "$1" -cf - . | tar -C "$2" -xf - --keep-directory-symlink --no-overwrite-dir
}
