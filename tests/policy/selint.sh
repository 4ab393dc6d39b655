#!/usr/bin/env bash
# SELint on the module: no errors; every warning is listed in the test log.
set -euo pipefail
selint=${SELINT:-$(command -v selint || true)}
[ -n "$selint" ] && [ -x "$selint" ] || { echo "SKIP: selint missing (scripts/bootstrap installs it)"; exit 77; }
src="${top_srcdir:?}/policy"
out=$("$selint" -l C --summary --color=off "$src/gravity.te" "$src/gravity.if" "$src/gravity.fc" 2>&1) || true
echo "$out"
errors=$(printf '%s\n' "$out" | grep -cE '\(E\)|\(F\)' || true)
if [ "$errors" -ne 0 ]; then
        echo "FAIL: selint reported $errors error(s)"
        exit 1
fi
echo "PASS: selint: 0 errors"
