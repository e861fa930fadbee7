#!/bin/bash
# bench/syscalls.sh PREFIX: the system calls of one warm launch of a static
# no-op, through the /snap/bin entry, the launcher by its own name and
# `cordon run` (strace -f -c: count per call; -f -tt -T: the list). Run as
# root after `make install`; same scratch root and cleanup as bench/run.sh.
#
# Writes the table to BENCH_SYSCALLS_OUT (default: stdout) and, with
# BENCH_SYSCALLS_LOG=DIR (outside the scratch root, which is removed), each
# command's count (NAME.count) and full list with times (NAME.list) into DIR.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SNAP=benchsnap

need_root
command -v strace >/dev/null || die "strace not found (apt-get install strace)"
bench_setup "${1:-/usr/local}"
W=$ROOT/work
LOG=${BENCH_SYSCALLS_LOG:-$W}
mkdir -p "$LOG"

bench_noop_snap "$SNAP" "syscall count"
ENTRY=$ROOT/snap/bin/$SNAP.true
[ -L "$ENTRY" ] || die "no /snap/bin entry at $ENTRY"
# warm: the namespace and the view exist
"$ENTRY"
"$CORDON" run "$SNAP.true"

count() { # name command...: total calls of the whole process tree
	local name=$1
	shift
	strace -f -c -o "$LOG/$name.count" "$@" >/dev/null
	strace -f -tt -T -o "$LOG/$name.list" "$@" >/dev/null
	# the total line: % seconds usecs/call calls [errors] total
	awk '$NF == "total" { print NF == 6 ? $4 : $(NF-1) }' "$LOG/$name.count"
}
bare=$(count bare "$ROOT/snap/$SNAP/current/bin/true")
entry=$(count entry "$ENTRY")
confine=$(count confine "$CONFINE" "snap.$SNAP.true")
run=$(count run "$CORDON" run "$SNAP.true")
{
	echo "| warm launch of a static no-op | system calls (strace -f -c) |"
	echo "|:---|---:|"
	echo "| bare exec | $bare |"
	echo "| /snap/bin/$SNAP.true | $entry |"
	echo "| cordon-confine snap.$SNAP.true | $confine |"
	echo "| cordon run $SNAP.true | $run |"
} >"${BENCH_SYSCALLS_OUT:-/dev/stdout}"
