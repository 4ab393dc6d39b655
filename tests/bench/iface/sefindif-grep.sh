#!/bin/sh
# The reference the benchmark compares against: interface search done the
# way the SELinux Cookbook's shell functions do it, with awk over every
# LAYER/MODULE.if (written for this benchmark, same approach).
# Usage: sefindif-grep.sh INCLUDE_DIR REGEX
dir=$1
regex=$2
cd "$dir" || exit 2
for f in */*.if; do
        awk -v re="$regex" -v file="$f" '
                /^(interface|template)\(/ { name = $0; shown = 0 }
                $0 ~ re { if (!shown) { print file ": " name; shown = 1 } print file ":   " $0 }
        ' "$f"
done
