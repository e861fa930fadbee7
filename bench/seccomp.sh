#!/bin/bash
# bench/seccomp.sh REV...: how long the kernel takes to load the default
# template's compiled filter (the launcher's seccomp step), as compiled by each
# git revision REV of this repository, side by side: each revision's compiler
# is built apart (in a scratch directory, removed after), compiles
# data/seccomp/default.txt of this tree as a strict label's filter, and
# bench/seccomp/load.c loads the filters in turn, RUNS (600) times each, each
# in a fresh child. Needs no root.
#
#   bench/seccomp.sh main HEAD
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
[ $# -ge 1 ] || { echo "usage: bench/seccomp.sh REV..." >&2; exit 2; }
W=$(mktemp -d /tmp/cordon-seccomp-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/load" "$HERE/seccomp/load.c"
files=()
for rev in "$@"; do
	name=$(bench_checkout "$REPO" "$rev" "$W")
	src=$W/src-$name
	echo "building $rev ($name)" >&2
	meson setup "$src/build" "$src" >/dev/null
	ninja -C "$src/build" libcordon-compiler.a libcordon-policy.a libcordon-runtime.a \
		libcordon-base.a >/dev/null
	b=$src/build
	cc -O2 -D_GNU_SOURCE -std=gnu17 -I"$src/src/base" -I"$src/src/policy" \
		-I"$src/src/runtime" -I"$src/src/compiler" -I"$b" \
		-o "$W/compile-$name" "$HERE/seccomp/compile_default.c" \
		"$b/libcordon-compiler.a" "$b/libcordon-policy.a" "$b/libcordon-runtime.a" \
		"$b/libcordon-base.a" -lseccomp
	"$W/compile-$name" "$REPO/data/seccomp/default.txt" "$W/$name.bpf"
	files+=("$name.bpf")
done
cd "$W"
./load "${files[@]}"
