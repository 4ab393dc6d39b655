#!/usr/bin/env bash
# CLI tests for `planet-selinux domain`: exit codes and what the messages
# name, run against the real fixture policy ($PLANET_FIXTURE_ROOT, built by
# make check) and files created in a temporary root at the paths
# file_contexts labels.
set -uo pipefail

: "${top_builddir:?run through make check}"
: "${PLANET_FIXTURE_ROOT:?run through make check}"
bin="$top_builddir/planet-selinux"
policy="$PLANET_FIXTURE_ROOT/etc/selinux/default/policy/policy.33"
fc="$PLANET_FIXTURE_ROOT/etc/selinux/default/contexts/files/file_contexts"
pt=/usr/libexec/planettest

tmp=$(mktemp -d "${TMPDIR:-/tmp}/planet-cli-domain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
for f in /usr/sbin/sshd $pt/planettest-daemon $pt/planettest-plain $pt/unlabeled; do
        mkdir -p "$root${f%/*}"
        printf '#!/bin/true\n' >"$root$f"
        chmod 0755 "$root$f"
done
mkdir -p "$root/usr/bin"
ln -s /usr/sbin/sshd "$root/usr/bin/sshd-link"

failed=0 passed=0 name=
out='' err='' rc=''
run() {
        out=$("$bin" domain "$@" 2>"$tmp/stderr")
        rc=$?
        err=$(cat "$tmp/stderr")
}
fail() {
        echo "FAIL: $name: $*"
        echo "  command rc=$rc"
        echo "  stdout: ${out//$'\n'/$'\n'          }"
        echo "  stderr: ${err//$'\n'/$'\n'          }"
        failed=$((failed + 1))
}
check() { # check NAME RC [stdout|stderr TEXT]...
        name=$1 want=$2
        shift 2
        local ok=1
        if [ "$rc" != "$want" ]; then fail "exit status $rc, expected $want"; return; fi
        while [ $# -gt 0 ]; do
                case $1 in
                stdout) grep -qF -- "$2" <<<"$out" || { fail "stdout lacks '$2'"; ok=0; } ;;
                stderr) grep -qF -- "$2" <<<"$err" || { fail "stderr lacks '$2'"; ok=0; } ;;
                no-stdout) ! grep -qF -- "$2" <<<"$out" || { fail "stdout has '$2'"; ok=0; } ;;
                esac
                shift 2
        done
        [ $ok = 1 ] && passed=$((passed + 1))
}

offline=(--policy "$policy" --file-contexts "$fc" --root "$root")

# --- usage ---
run --help
check help 0 stdout "--policy FILE" stdout "--domain" stdout "Exit status"
run
check no-path 2 stderr "no PATH given"
run --bogus /usr/sbin/sshd
check unknown-option 2 stderr "unknown option '--bogus'"
run --file-contexts "$fc" /usr/sbin/sshd
check fc-without-policy 2 stderr "--file-contexts needs --policy"
run --policy "$policy" --policy-root "$PLANET_FIXTURE_ROOT" /usr/sbin/sshd
check policy-and-policy-root 2 stderr "give one"
run --policy
check option-needs-argument 2 stderr "'--policy' needs an argument"

run --policy "$policy" --root "$tmp/nowhere" /usr/sbin/sshd
check missing-root 2 stderr "--root $tmp/nowhere"

# --- the kernel backend on this machine ---
run /usr/sbin/sshd
if [ -e /sys/fs/selinux/enforce ]; then
        [ "$rc" != 2 ] && passed=$((passed + 1)) || { name=kernel-enabled; fail "kernel backend failed with SELinux enabled"; }
else
        check kernel-disabled 2 stderr "SELinux is disabled" stderr "--policy"
fi

# --- answers ---
run "${offline[@]}" /usr/sbin/sshd
check sshd 0 stdout "system_u:system_r:sshd_t:s0" stdout "system_u:object_r:sshd_exec_t:s0" \
        stdout "transition" stdout "from system_u:system_r:init_t:s0"

# file_contexts found beside the policy; --policy-root finds both.
run --policy "$policy" --root "$root" /usr/sbin/sshd
check fc-beside-policy 0 stdout "sshd_t"
run --policy-root "$PLANET_FIXTURE_ROOT" --root "$root" /usr/sbin/sshd
check policy-root 0 stdout "sshd_t" stdout "policy.33"

run "${offline[@]}" $pt/planettest-daemon /usr/bin/sshd-link
check module-and-symlink 0 stdout "planettest_t" stdout "(/usr/sbin/sshd)"

run "${offline[@]}" /usr/sbin/sshd $pt/planettest-plain
check no-transition 1 stderr "$pt/planettest-plain" stderr "planettest_plain_exec_t"

run "${offline[@]}" $pt/unlabeled
check unlabeled 1 stderr "$pt/unlabeled"

run "${offline[@]}" /usr/sbin/nope
check missing 1 stderr "/usr/sbin/nope"

ln -s loop "$root/usr/bin/loop"
run "${offline[@]}" /usr/bin/loop /usr/sbin/sshd
check symlink-loop 1 stderr "/usr/bin/loop" stdout "sshd_t"

run "${offline[@]}" --no-legend /usr/sbin/sshd
check no-legend 0 no-stdout "PATH" no-stdout "transitions"

run "${offline[@]}" --from sshd_t $pt/planettest-daemon
check from-type 1 stdout "system_u:system_r:sshd_t:s0"

run "${offline[@]}" --from system_u:system_r:no_such_t:s0 /usr/sbin/sshd
check bad-from 2 stderr "--from" stderr "no_such_t"

printf 'not a policy\n' >"$tmp/policy.33"
run --policy "$tmp/policy.33" --file-contexts "$fc" /usr/sbin/sshd
check corrupt-policy 2 stderr "$tmp/policy.33"

mkdir -p "$tmp/lonely/policy"
cp "$policy" "$tmp/lonely/policy/policy.33"
run --policy "$tmp/lonely/policy/policy.33" /usr/sbin/sshd
check no-fc-beside 2 stderr "--file-contexts FILE" stderr "$tmp/lonely"

run --policy-root "$tmp/nowhere" /usr/sbin/sshd
check bad-policy-root 2 stderr "$tmp/nowhere"

# --- JSON ---
run "${offline[@]}" --json /usr/sbin/sshd $pt/planettest-plain /usr/sbin/nope
check json-rc 1
if /usr/bin/python3 - "$out" <<'EOF'; then passed=$((passed + 1)); else name=json; fail "JSON content"; fi
import json, sys
d = json.loads(sys.argv[1])
p = {e["path"]: e for e in d["paths"]}
assert d["from"] == "system_u:system_r:init_t:s0", d["from"]
assert p["/usr/sbin/sshd"]["result"] == "transition"
assert p["/usr/sbin/sshd"]["transition"] is True
assert p["/usr/sbin/sshd"]["domain"] == "system_u:system_r:sshd_t:s0"
assert p["/usr/sbin/sshd"]["permitted"] is True
assert p["/usr/libexec/planettest/planettest-plain"]["transition"] is False
assert p["/usr/sbin/nope"]["file_context"] is None
assert p["/usr/sbin/nope"]["reason"]
EOF

# --- --domain: permitted or not, and why ---
run "${offline[@]}" --domain planettest_alt_t $pt/planettest-daemon
check domain-permitted 0 stdout "permitted in planettest_alt_t" stdout "automatic domain: system_u:system_r:planettest_t:s0"

run "${offline[@]}" --domain planettest_denied_t $pt/planettest-daemon
check domain-denied 1 stdout "not permitted" stdout "allow init_t planettest_denied_t:process transition;"

run "${offline[@]}" --domain sshd_t $pt/planettest-daemon
check domain-no-entrypoint 1 stdout "allow sshd_t planettest_exec_t:file entrypoint;"

run "${offline[@]}" --nnp --domain planettest_alt_t $pt/planettest-daemon
check domain-nnp 1 stdout "nnp_transition"

run "${offline[@]}" --domain no_such_t $pt/planettest-daemon
check domain-unknown 2 stderr "--domain no_such_t"

run "${offline[@]}" --json --domain planettest_denied_t $pt/planettest-daemon
check domain-json 1
if /usr/bin/python3 - "$out" <<'EOF'; then passed=$((passed + 1)); else name=domain-json; fail "JSON content"; fi
import json, sys
d = json.loads(sys.argv[1])
e = d["paths"][0]
assert d["requested_domain"] == "system_u:system_r:planettest_denied_t:s0"
assert e["permitted"] is False
assert "allow init_t planettest_denied_t:process transition;" in e["missing_rules"], e
EOF

echo "test-domain.sh: $passed passed, $failed failed"
[ "$failed" = 0 ]
