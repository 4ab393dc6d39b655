#!/usr/bin/env bash
# The planet units and their generated drop-ins:
#  1. golden: `planet-selinux generate` on units/ gives tests/generate/expected
#     (regenerate with tests/generate/update-expected after a deliberate change);
#  2. --check passes on that output and exits 1, naming the unit, on drift
#     (an edited drop-in, a missing one, a stale one), writing nothing;
#  3. a relabeled binary in a copy of gravity.fc changes its drop-in;
#  4. systemd-analyze verify accepts every unit with its drop-in, in a
#     temporary root holding systemd's own units and a stand-in executable for
#     every path an Exec*= line names (the real binaries are not on a build
#     machine); a deliberately broken drop-in proves the harness can fail;
#  5. the command line's exit statuses;
#  6. the generator on this SELinux-less kernel.
set -uo pipefail
src=${top_srcdir:?run through make check}
build=${top_builddir:?run through make check}
fixture=${PLANET_FIXTURE_ROOT:?run through make check}
analyze=${SYSTEMD_ANALYZE:-$(command -v systemd-analyze || true)}
ps=$build/planet-selinux
expected=$src/tests/generate/expected
flags=(--units "$src/units" --fc "$src/policy/gravity.fc"
       --file-contexts "$src/policy/planet_file_contexts"
       --policy "$fixture/etc/selinux/default/policy/policy.33")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The answer cache (default: the user's) goes to the temporary tree.
export XDG_CACHE_HOME=$tmp/cache
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# 1. golden
if "$ps" generate "${flags[@]}" --out "$tmp/out" -q; then
        if diff -ru "$expected" "$tmp/out"; then ok "drop-ins match tests/generate/expected"
        else fail "drop-ins differ from tests/generate/expected (diff above)"; fi
else
        fail "planet-selinux generate failed on units/"
fi
for u in "$src"/units/*.service; do
        n=${u##*/}
        [ -f "$tmp/out/$n.d/50-planet-selinux.conf" ] || fail "$n has no drop-in: every planet service runs a gravity binary"
done
grep -q -- '--domain gravity_installer_t -- /usr/bin/gravity' "$tmp/out/gravity-installer.service.d/50-planet-selinux.conf" &&
        grep -q -- '--expect-domain gravity_t -- /usr/bin/gravity' "$tmp/out/gravity-agent.service.d/50-planet-selinux.conf" &&
        ok "one binary, two facets (X-Planet-Domain=)" || fail "gravity facets not as expected"
# A second run over its own output changes nothing.
out=$("$ps" generate "${flags[@]}" --out "$tmp/out")
if grep -q '(updated)' <<<"$out"; then fail "second run rewrote files: $out"; else ok "idempotent"; fi
# ... and answered from the answer cache the first run left (XDG_CACHE_HOME),
# with the same drop-ins as a run that reads the policy (--no-cache).
grep -q 'not read, every answer from the answer cache' <<<"$out" &&
        ok "second run: the policy is not read again (answer cache)" ||
        fail "second run read the policy again: $out"
[ -n "$(find "$XDG_CACHE_HOME/planet-selinux" -name 'answers-*.v1' 2>/dev/null)" ] ||
        fail "no answer cache in \$XDG_CACHE_HOME/planet-selinux"
out=$("$ps" generate "${flags[@]}" --no-cache --out "$tmp/out-nocache")
grep -q ': read$' <<<"$out" && diff -r "$tmp/out" "$tmp/out-nocache" >/dev/null &&
        ok "--no-cache reads the policy and writes the same drop-ins" ||
        fail "--no-cache differs: $out"
for f in "$XDG_CACHE_HOME"/planet-selinux/answers-*.v1; do printf 'garbage\n' >"$f"; done
err=$("$ps" generate "${flags[@]}" --out "$tmp/out-corrupt" -q 2>&1 >/dev/null)
grep -q 'note: answer cache .* ignored' <<<"$err" && diff -r "$tmp/out" "$tmp/out-corrupt" >/dev/null &&
        ok "a corrupt answer cache: a note, the same drop-ins" ||
        fail "corrupt answer cache not handled: $err"

# 2. --check
"$ps" generate "${flags[@]}" --out "$expected" --check -q && ok "--check passes on expected/" ||
        fail "--check reports drift on tests/generate/expected"
cp -r "$tmp/out" "$tmp/drift"
echo "# edited" >>"$tmp/drift/kubelet.service.d/50-planet-selinux.conf"
rm "$tmp/drift/etcd.service.d/50-planet-selinux.conf"
mkdir -p "$tmp/drift/old.service.d"
cp "$tmp/out/serf.service.d/50-planet-selinux.conf" "$tmp/drift/old.service.d/"
before=$(cd "$tmp/drift" && find . -type f -exec md5sum {} + | sort)
report=$("$ps" generate "${flags[@]}" --out "$tmp/drift" --check)
rc=$?
after=$(cd "$tmp/drift" && find . -type f -exec md5sum {} + | sort)
[ "$rc" = 1 ] && ok "--check exits 1 on drift" || fail "--check exited $rc on drift"
for n in kubelet.service etcd.service old.service; do
        grep -q "^drift *$n" <<<"$report" || fail "--check did not name $n: $report"
done
[ "$before" = "$after" ] && ok "--check wrote nothing" || fail "--check changed files"
"$ps" generate "${flags[@]}" --out "$tmp/drift" -q && "$ps" generate "${flags[@]}" --out "$tmp/drift" --check -q &&
        ok "regenerating repairs drift" || fail "regenerating did not repair drift"
[ ! -e "$tmp/drift/old.service.d" ] || fail "stale drop-in of a unit that is gone was kept"

# 3. relabel kubelet in a copy of gravity.fc
sed -E 's|^(/usr/bin/kubelet[[:space:]].*)gravity_kubernetes_exec_t|\1gravity_service_exec_t|' \
        "$src/policy/gravity.fc" >"$tmp/relabeled.fc"
cmp -s "$src/policy/gravity.fc" "$tmp/relabeled.fc" && fail "the relabel edit did not apply"
# Without the container's file_contexts, whose regex also labels kubelet.
"$ps" generate --units "$src/units" --fc "$tmp/relabeled.fc" \
        --policy "$fixture/etc/selinux/default/policy/policy.33" --out "$tmp/relabeled" -q
d=$tmp/relabeled/kubelet.service.d/50-planet-selinux.conf
if grep -q -- '--expect-domain gravity_service_t -- /usr/bin/kubelet' "$d" &&
        grep -q 'gravity_service_exec_t:s0 (relabeled.fc:' "$d"; then
        ok "relabeled kubelet: its drop-in follows"
else
        fail "relabeled kubelet: drop-in did not change: $(cat "$d")"
fi
cmp -s "$tmp/relabeled/kube-proxy.service.d/50-planet-selinux.conf" "$tmp/out/kube-proxy.service.d/50-planet-selinux.conf" ||
        grep -q 'gravity_kubernetes_t' "$tmp/relabeled/kube-proxy.service.d/50-planet-selinux.conf" ||
        fail "relabeling kubelet changed kube-proxy"

# 4. systemd-analyze verify
if [ -z "$analyze" ] || [ ! -x "$analyze" ]; then
        fail "systemd-analyze not found: install systemd (scripts/bootstrap); it is not skipped"
else
        root=$tmp/root
        mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd"
        # systemd's own units (sysinit.target, network.target, ...) as the
        # container has them; Debian 12 keeps them in /lib/systemd/system.
        for d in /usr/lib/systemd/system /lib/systemd/system; do
                [ -d "$d" ] && { cp -a "$d" "$root/usr/lib/systemd/"; break; }
        done
        cp "$src"/units/* "$root/etc/systemd/system/"
        cp -r "$tmp/out"/*.d "$root/etc/systemd/system/"
        # Every executable an Exec*= line names gets a stand-in.
        grep -h -E '^[[:space:]]*Exec[A-Za-z]*=' "$root"/etc/systemd/system/*.service "$root"/etc/systemd/system/*.d/*.conf |
                sed -E 's/^[[:space:]]*[A-Za-z]+=[-@:+!]*//; s/[[:space:]].*//' | grep '^/' | sort -u |
                while read -r p; do
                        mkdir -p "$root${p%/*}"
                        printf '#!/bin/sh\nexit 0\n' >"$root$p"
                        chmod 755 "$root$p"
                done
        units=$(cd "$src/units" && ls)
        if log=$(cd "$root/etc/systemd/system" && "$analyze" verify --man=no --root="$root" $units 2>&1) && [ -z "$log" ]; then
                ok "systemd-analyze verify: $(wc -w <<<"$units") units with their drop-ins"
        else
                fail "systemd-analyze verify: $log"
        fi
        # The harness must be able to fail: an unbalanced quote in a drop-in.
        printf '[Service]\nExecStart=\nExecStart=/usr/bin/planet-initd "unbalanced\n' \
                >"$root/etc/systemd/system/etcd.service.d/99-broken.conf"
        if (cd "$root/etc/systemd/system" && "$analyze" verify --man=no --root="$root" etcd.service) >/dev/null 2>&1; then
                fail "systemd-analyze verify accepted a broken drop-in: the check proves nothing"
        else
                ok "a broken drop-in fails verify"
        fi
fi

# 5. exit statuses of the command line: 2 usage / unreadable input, 1 a unit
#    that cannot be wrapped safely (named on stderr), 0 otherwise.
"$ps" generate --units "$src/units" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && ok "missing --out: exit 2" || fail "missing --out: exit $rc"
err=$("$ps" generate "${flags[@]:0:6}" --policy /nonexistent/policy.33 --out "$tmp/x" 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q /nonexistent/policy.33 <<<"$err" && ok "unreadable policy: exit 2, named" ||
        fail "unreadable policy: exit $rc: $err"
mkdir -p "$tmp/badunits"
printf '[Service]\nExecStart=@/usr/bin/kubelet kubelet\n' >"$tmp/badunits/argv0.service"
err=$("$ps" generate --units "$tmp/badunits" "${flags[@]:2}" --out "$tmp/bad" 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && grep -q "argv0.service" <<<"$err" && ok "unwrappable unit: exit 1, named" ||
        fail "unwrappable unit: exit $rc: $err"
[ ! -e "$tmp/bad/argv0.service.d" ] || fail "a drop-in was written for a unit that failed"

# A search path: an /etc-like directory's drop-in overrides the unit.
mkdir -p "$tmp/etc/kubelet.service.d"
printf '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --from-etc\n' >"$tmp/etc/kubelet.service.d/10-local.conf"
"$ps" generate --units "$tmp/etc" "${flags[@]}" --out "$tmp/layered" -q &&
        grep -q -- '-- /usr/bin/kubelet --from-etc$' "$tmp/layered/kubelet.service.d/50-planet-selinux.conf" &&
        grep -q 'from kubelet.service + 10-local.conf' "$tmp/layered/kubelet.service.d/50-planet-selinux.conf" &&
        ok "--units search path: an earlier directory's drop-in applies" ||
        fail "--units search path not honoured"

# 6. the generator on a kernel without SELinux (this machine): it must not
#    fail the boot, must write nothing and must say why.
gen=$build/planet-selinux-generator
mkdir -p "$tmp/gen/normal" "$tmp/gen/early" "$tmp/gen/late"
msg=$(SYSTEMD_LOG_TARGET=console "$gen" "$tmp/gen/normal" "$tmp/gen/early" "$tmp/gen/late" 2>&1)
rc=$?
if [ "$(cat /sys/fs/selinux/enforce 2>/dev/null)" = "" ]; then
        [ "$rc" = 0 ] || fail "generator exited $rc with SELinux off: $msg"
        [ -z "$(find "$tmp/gen" -mindepth 2)" ] || fail "generator wrote files with SELinux off"
        grep -q "SELinux is disabled" <<<"$msg" && ok "generator with SELinux off: exit 0, nothing written, said so" ||
                fail "generator did not say SELinux is off: $msg"
else
        [ "$rc" = 0 ] && ok "generator exit 0 (SELinux on: $msg)" || fail "generator exited $rc: $msg"
fi
"$gen" >/dev/null 2>&1 && fail "generator accepted a call without its three directories" ||
        ok "generator refuses a call without NORMAL EARLY LATE"

echo "check-units: $failures failure(s)"
[ "$failures" = 0 ]
