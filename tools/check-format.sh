#!/bin/sh
# Every C source and header of the tree matches .clang-format (as Debian 12's
# clang-format 14 formats it). `make check` fails on the first mismatch list;
# fix with `clang-format -i FILE`.
set -eu
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find src tests -name '*.[ch]' | sort)
fi
bad=0
n=0
for f in $files; do
	n=$((n + 1))
	if ! clang-format --style=file "$f" | cmp -s - "$f"; then
		echo "not formatted as .clang-format says: $f"
		bad=$((bad + 1))
	fi
done
if [ "$bad" -ne 0 ]; then
	echo "check-format: $bad of $n files differ; run clang-format -i on them"
	exit 1
fi
echo "check-format: all $n files match .clang-format"
