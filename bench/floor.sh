#!/bin/bash
# bench/floor.sh PREFIX: how close a warm launch can get to a bare exec on
# this kernel at all. bench/floor/floor.c makes only the kernel calls that
# give a command its strict sandbox (the launcher's own functions for
# devpts, capabilities, seccomp and Landlock, and nothing of its checks);
# it runs in one hyperfine run beside the bare exec and the /snap/bin entry,
# warm and cold, then once without each of its steps, to learn what each
# costs. Run as root after `make install`; same scratch root and cleanup as
# bench/run.sh. Writes BENCH_FLOOR_OUT (bench/floor-results.md).
#
# hyperfine runs its commands one after the other, and the load of this
# shared machine drifts in between: so the runs are split into ROUNDS
# hyperfine runs, every other one in reverse order, and each command's times
# are pooled (bench/floor/table.py); a step's cost is a difference of two
# rows, which a drift alone would otherwise fake.
#
# Environment: BENCH_RUNS (300 per command, in all), BENCH_FLOOR_ROUNDS (6),
# BENCH_WARMUP (20, per round).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
RUNS=${BENCH_RUNS:-300}
ROUNDS=${BENCH_FLOOR_ROUNDS:-6}
WARMUP=${BENCH_WARMUP:-20}
OUT=${BENCH_FLOOR_OUT:-$HERE/floor-results.md}
SNAP=benchsnap

need_root
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine)"
bench_setup "${1:-/usr/local}"
W=$ROOT/work
FLOOR=$(bench_build_floor "$REPO" "$W")
bench_noop_snap "$SNAP" "floor benchmark"
ENTRY=$ROOT/snap/bin/$SNAP.true
BIN=$ROOT/snap/$SNAP/current/bin/true
cd "$W"
"$ENTRY" || die "$ENTRY failed" # warm: the namespace, the view, the cgroup
read -r -a FARGS <<<"$(bench_floor_args "$SNAP")"
"$FLOOR" "${FARGS[@]}" || die "the floor does not run"
DISCARD="umount -l $ROOT/run/cordon/ns/$SNAP.mnt $ROOT/run/cordon/ns/snap.$SNAP.true.0.view"

names=() cmds=() preps=()
add() { # name prepare command...
	names+=("$1") preps+=("$2")
	shift 2
	cmds+=("$*")
}
add "bare exec" true "$BIN"
add "/snap/bin entry (warm)" true "$ENTRY"
add "floor (warm)" true "$FLOOR ${FARGS[*]}"
add "floor without the cgroup" true "$FLOOR --skip=g ${FARGS[*]}"
add "floor without joining the namespaces" true "$FLOOR --skip=n ${FARGS[*]}"
add "floor without the command's namespace and devpts" true "$FLOOR --skip=u ${FARGS[*]}"
add "floor without the capability drop" true "$FLOOR --skip=c ${FARGS[*]}"
add "floor without seccomp" true "$FLOOR --skip=s ${FARGS[*]}"
add "floor without Landlock" true "$FLOOR --skip=l ${FARGS[*]}"
add "floor without any step" true "$FLOOR --skip=gnucsl ${FARGS[*]}"
add "a second exec alone" true "$FLOOR --exec-only ${FARGS[*]}"
add "/snap/bin entry (cold)" "$DISCARD" "$ENTRY"
add "floor (cold, lower bound)" true "$FLOOR --cold ${FARGS[*]}"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
jsons=()
for round in $(seq "$ROUNDS"); do
	args=(-N --warmup "$WARMUP" --runs $(((RUNS + ROUNDS - 1) / ROUNDS)) --time-unit millisecond
		--export-json "$W/floor-$round.json")
	order=("${!cmds[@]}")
	if [ $((round % 2)) = 0 ]; then
		order=()
		for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do order+=("$i"); done
	fi
	for i in "${order[@]}"; do
		args+=(--prepare "${preps[$i]}" -n "${names[$i]}" "${cmds[$i]}")
	done
	echo "hyperfine: round $round of $ROUNDS" >&2
	hyperfine "${args[@]}" >&2
	jsons+=("$W/floor-$round.json")
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
FLOOR_SAYS=$(FLOOR_VERBOSE=1 "$FLOOR" "${FARGS[@]}" 2>&1 >/dev/null)

{
	echo "# The floor of a warm launch"
	echo
	echo "Produced by \`bench/floor.sh\` (\`sudo make bench-floor\`): $ROUNDS hyperfine runs (\`-N\`), every other"
	echo "one in reverse order, $(((RUNS + ROUNDS - 1) / ROUNDS)) runs of each command in each after $WARMUP warm-up runs; each command's"
	echo "times pooled. As root, in a scratch root."
	echo
	machine_info
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $LOAD_END"
	echo "- ${FLOOR_SAYS#floor: }"
	echo
	python3 "$HERE/floor/table.py" "${jsons[@]}"
	cat <<'EOF'

## What each row runs

- **bare exec**: the static no-op itself, `bin/true` of the installed snap.
- **/snap/bin entry**: the app's entry, a symlink to the installed launcher
  (every check, the view's stamp, the launch log). **(cold)**: the snap's
  preserved namespace and view discarded before each run (hyperfine
  `--prepare`, not timed), as `bench/run.sh` does.
- **floor**: `bench/floor/floor.c`, a static-pie program run by root as
  the entry is, making the calls the launcher makes to sandbox the command
  and nothing else: read and decode the compiled policy; move itself into
  the label's cgroup (g); join the snap's IPC and mount namespaces and the
  command's preserved view (n); a namespace of its own with a new devpts
  (u, the launcher's `cordon_devpts_new_instance`); open each file rule's
  path and apply Landlock (l, `cordon_landlock_apply`); drop capabilities
  (c, `cordon_caps_drop`); load the compiled seccomp filter (s,
  `cordon_seccomp_load`); exec the no-op. No ownership check, no stamp, no
  lock, no launch log, no resolution as the caller, no environment:
  everything the launcher does beyond these is what it checks.
- **floor without X**: the same with the step left out; the step's cost is
  the difference.
- **a second exec alone**: the floor's program exec'ing the no-op at once,
  before reading anything: what any launcher that is a program of its own
  pays before it does anything at all (a setuid launcher must be one: the
  privilege to build namespaces comes with its exec).
- **floor (cold, lower bound)**: instead of joining the preserved
  namespaces, a new one with a tmpfs on `/tmp` and one bind mount per
  granted path: far less than a first launch builds (no view with its
  placeholders, no layouts, nothing preserved for the next launch), so no
  first launch can be faster.
EOF
} >"$OUT"
echo "wrote $OUT" >&2
