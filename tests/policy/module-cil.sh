#!/usr/bin/env bash
# The module declares every type and attribute, with the attribute
# memberships the design relies on. Checked in the module's CIL: small
# attributes may be expanded away in the kernel policy, so the compiled
# policy cannot answer membership.
set -euo pipefail
cil="${POLICY_BUILDDIR:?}/gravity.cil"
[ -s "$cil" ] || { echo "FAIL: $cil missing (make builds it from gravity.pp)"; exit 1; }
fail=0

want_type() {
        grep -qx "(type $1)" "$cil" || { echo "FAIL: type $1 not declared"; fail=1; }
}
# attribute NAME MEMBER... : NAME is declared and each MEMBER is in it.
want_members() {
        local attr=$1; shift
        grep -qx "(typeattribute $attr)" "$cil" || { echo "FAIL: attribute $attr not declared"; fail=1; return; }
        local set
        set=$(sed -n "s/^(typeattributeset $attr (\(.*\) ))\$/ \1 /p" "$cil" | head -1)
        for m in "$@"; do
                case "$set" in *" $m "*) ;; *) echo "FAIL: $m not in $attr (has:$set)"; fail=1 ;; esac
        done
}

domains="gravity_t gravity_installer_t gravity_container_init_t gravity_kubernetes_t gravity_service_t gravity_container_systemctl_t gravity_container_t"
execs="gravity_exec_t gravity_container_init_exec_t gravity_kubernetes_exec_t gravity_service_exec_t gravity_container_systemctl_exec_t"
files="gravity_container_file_t gravity_var_lib_t gravity_log_t gravity_runtime_t gravity_kubelet_var_lib_t gravity_container_lock_t"
ports="gravity_kube_port_t gravity_etcd_port_t gravity_serf_port_t gravity_agent_port_t gravity_vxlan_port_t"
for t in $domains $execs $files $ports; do want_type "$t"; done

want_members gravity_domain gravity_t gravity_installer_t
want_members gravity_executable_domain $execs
want_members gravity_container_domain gravity_container_init_t gravity_kubernetes_t gravity_service_t gravity_container_systemctl_t gravity_container_t
want_members gravity_port_type $ports

# Every port type the install script registers is declared.
while read -r proto _ type; do
        case "$proto" in ''|\#*) continue ;; esac
        want_members gravity_port_type "$type"
done <"${top_srcdir:?}/policy/gravity.ports"

# No exec type outside the attribute: the run-time marker depends on it.
for t in $(sed -n 's/^(type \(gravity_[a-z_]*_exec_t\))$/\1/p' "$cil"); do
        want_members gravity_executable_domain "$t"
done

[ "$fail" -eq 0 ] && echo "PASS: types and attribute memberships"
exit "$fail"
