#!/usr/bin/env bash
# Slow (make check-install-policy, ~2 min): run scripts/install-policy and
# uninstall-policy for real against a private copy of the policy store.
# A mount namespace binds the copy over /etc/selinux and /var/lib/selinux,
# so semodule and semanage change nothing outside it. Needs root.
set -euo pipefail
top=${top_srcdir:?}
pp=${POLICY_BUILDDIR:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mount namespace)"; exit 77; }
if [ "${PLANET_IN_NAMESPACE:-}" != 1 ]; then
        work=$(mktemp -d)
        trap 'rm -rf "$work"' EXIT
        mkdir -p "$work/etc" "$work/var" "$work/state"
        cp -a /etc/selinux "$work/etc/"
        cp -a /var/lib/selinux "$work/var/"
        exec env PLANET_IN_NAMESPACE=1 WORK="$work" unshare -m --propagation private "$0" "$@"
fi
mount --bind "$WORK/etc/selinux" /etc/selinux
mount --bind "$WORK/var/selinux" /var/lib/selinux
export PLANET_POLICY_STATE=$WORK/state/install.state
fail=0
# A port someone else owns must survive both scripts.
semanage port -a -t http_port_t -p tcp 7496
"$top/scripts/install-policy" "$pp"
semodule -l | grep -x >/dev/null gravity || { echo "FAIL: gravity not installed"; fail=1; }
semodule -l | grep -x >/dev/null container || { echo "FAIL: container not installed"; fail=1; }
kube=$(semanage port -l | grep -E '^gravity_kube_port_t +tcp ' || true)
for p in 6443 10248-10250 10256-10259; do
        grep -qE "[ ,]$p(,|$)" <<<"$kube" || { echo "FAIL: kube port $p: $kube"; fail=1; }
done
semanage port -l -C | grep -E 'http_port_t +tcp +7496' >/dev/null || { echo "FAIL: admin's 7496 changed"; fail=1; }
grep -qx 'port tcp 7496 gravity_serf_port_t' "$PLANET_POLICY_STATE" && { echo "FAIL: recorded a port it did not add"; fail=1; }
# Idempotent: the second run adds nothing twice.
cp "$PLANET_POLICY_STATE" "$WORK/state/first"
"$top/scripts/install-policy" "$pp"
diff -u "$WORK/state/first" "$PLANET_POLICY_STATE" || { echo "FAIL: second install changed the record"; fail=1; }
"$top/scripts/uninstall-policy"
semodule -l | grep -x >/dev/null gravity && { echo "FAIL: gravity still installed"; fail=1; }
semodule -l | grep -x >/dev/null container && { echo "FAIL: container still installed"; fail=1; }
semanage port -l -C | grep gravity_ >/dev/null && { echo "FAIL: gravity ports left"; fail=1; }
semanage port -l -C | grep -E 'http_port_t +tcp +7496' >/dev/null || { echo "FAIL: uninstall removed the admin's port"; fail=1; }
[ -e "$PLANET_POLICY_STATE" ] && { echo "FAIL: state file left"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS: install-policy/uninstall-policy"
exit "$fail"
