#!/usr/bin/env bash
# Every shell script in the source tree passes shellcheck at warning level:
# the scripts a user runs (scripts/), the VM harness and the guest's
# scenario (which only runs under qemu, so a slip there costs a VM cycle),
# the benchmarks and the tests themselves. Scripts are found by their
# shebang, so a new one is covered without being listed here.
set -euo pipefail
: "${top_srcdir:?run from make check}"
command -v shellcheck >/dev/null || { echo "shellcheck not found: install the Debian package shellcheck (scripts/bootstrap does)" >&2; exit 1; }
cd "$top_srcdir"
mapfile -t scripts < <(
        git ls-files 2>/dev/null || find . -path ./build -prune -o -type f -print
)
files=()
for f in "${scripts[@]}"; do
        f=${f#./}
        [ -f "$f" ] || continue
        case $f in *.am | *.in | *.c | *.h | *.md | *.te | *.if | *.fc) continue ;; esac
        IFS= read -r first <"$f" || continue
        case $first in '#!'*sh | '#!'*' bash'* | '# shellcheck shell=bash'*) files+=("$f") ;; esac
done
[ ${#files[@]} -gt 10 ] || { echo "shellcheck.sh: found only ${#files[@]} scripts; is top_srcdir right?" >&2; exit 1; }
echo "shellcheck: ${#files[@]} scripts"
shellcheck -S warning -x "${files[@]}"
