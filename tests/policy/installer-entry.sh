#!/usr/bin/env bash
# Nothing but gravity_container_init_t and the admin roles may enter
# gravity_installer_t, and nothing enters it automatically. Enumerating
# every source domain is a whole-policy question: sesearch answers it.
set -euo pipefail
policy="${PLANET_FIXTURE_ROOT:?}/etc/selinux/default/policy/policy.33"
command -v sesearch >/dev/null || { echo "SKIP: sesearch (setools) missing"; exit 77; }
fail=0

sources=$(sesearch "$policy" -A -t gravity_installer_t -c process -p transition | awk '/^allow/ {print $2}' | sort -u | tr '\n' ' ')
allowed=" gravity_container_init_t sysadm_t unconfined_t "
[ -n "$sources" ] || { echo "FAIL: no domain may enter gravity_installer_t"; fail=1; }
for s in $sources; do
        case "$allowed" in *" $s "*) ;; *) echo "FAIL: $s may transition to gravity_installer_t"; fail=1 ;; esac
done
case " $sources" in *" gravity_container_init_t "*) ;; *) echo "FAIL: gravity_container_init_t cannot enter the installer"; fail=1 ;; esac

tt=$(sesearch "$policy" -T -c process -D gravity_installer_t || true)
if [ -n "$tt" ]; then echo "FAIL: automatic transition into the installer: $tt"; fail=1; fi

entry=$(sesearch "$policy" -A -s gravity_installer_t -c file -p entrypoint | awk '/^allow/ {sub(/:.*/, "", $3); print $3}' | sort -u | tr '\n' ' ')
[ "$entry" = "gravity_exec_t " ] || { echo "FAIL: installer entrypoints are '$entry', want only gravity_exec_t"; fail=1; }

[ "$fail" -eq 0 ] && echo "PASS: installer entered only from [$sources], never automatically"
exit "$fail"
