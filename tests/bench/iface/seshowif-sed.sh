#!/bin/sh
# Reference for `iface show`: print an interface's definition with sed over
# every LAYER/MODULE.if, as the Cookbook's seshowif does.
# Usage: seshowif-sed.sh INCLUDE_DIR NAME
cd "$1" || exit 2
sed -n "/^\(interface\|template\)(\`$2'/,/^')/p" */*.if
