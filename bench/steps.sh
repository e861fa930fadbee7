#!/bin/bash
# bench/steps.sh PREFIX REV...: wall time per step of a warm launch, for
# each git revision REV of this repository, side by side (runs alternate, so
# every variant meets the same load). Each REV is built with timestamps
# (bench/steps/instrument.py) and installed in the scratch root; a static
# no-op runs bare and through each revision's launcher, BENCH_STEPS_RUNS
# (60) times each, and the medians are written as a table
# (BENCH_STEPS_OUT, default stdout). BENCH_STEPS_COLD=1: every launch is a
# first one (the snap's preserved namespace and its view are discarded
# before each, as bench/run.sh's cold rows do). PREFIX: an installed cordon (its CLI
# packs and installs the benchmark snap). Run as root; nothing is installed
# outside the scratch root.
#
#   sudo bench/steps.sh /usr/local main HEAD
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
SNAP=benchsnap
RUNS=${BENCH_STEPS_RUNS:-60}

need_root
[ $# -ge 2 ] || die "usage: bench/steps.sh PREFIX REV..."
PREFIX_ARG=$1
shift
bench_setup "$PREFIX_ARG"
W=$ROOT/work
cc -O2 -o "$W/t0" "$HERE/steps/t0.c"
launchers=()
for rev in "$@"; do
	name=$(bench_checkout "$REPO" "$rev" "$W")
	src=$W/src-$name
	python3 "$HERE/steps/instrument.py" "$src"
	echo "building $rev ($name) with timestamps" >&2
	meson setup "$src/build" "$src" --prefix="$W/prefix-$name" -Db_pie=true \
		-Ddbus_confdir="$W/prefix-$name/share/dbus-1/system.d" \
		-Dprofiledir="$W/prefix-$name/etc/profile.d" >/dev/null
	ninja -C "$src/build" cordon-confine >/dev/null
	launchers+=("$name=$src/build/cordon-confine")
done

bench_noop_snap "$SNAP" "steps"
BIN=$ROOT/snap/$SNAP/current/bin/true
cd "$W"
# warm: the snap's namespace and the view exist (run by root: the launcher
# is not setuid here, and needs not be, for a root caller)
for l in "${launchers[@]}"; do "$W/t0" "${l#*=}" "snap.$SNAP.true"; done
NSFILE=$ROOT/run/cordon/ns/$SNAP.mnt
for _ in $(seq "$RUNS"); do
	"$W/t0" "$BIN" 2>&1 | sed 's/^/bare /'
	for l in "${launchers[@]}"; do
		if [ "${BENCH_STEPS_COLD:-0}" = 1 ]; then
			umount -l "$NSFILE" "$ROOT/run/cordon/ns/snap.$SNAP.true.0.view"
		fi
		"$W/t0" "${l#*=}" "snap.$SNAP.true" 2>&1 | sed "s/^/${l%%=*} /"
	done
done >"$W/steps.raw"
grep -v "^[a-z0-9]* TS " "$W/steps.raw" | sort | uniq -c | head -5 >&2 || true
python3 "$HERE/steps/table.py" "$W/steps.raw" >"${BENCH_STEPS_OUT:-/dev/stdout}"
