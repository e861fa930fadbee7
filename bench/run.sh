#!/bin/bash
# bench/run.sh PREFIX: launch cost of cordon next to a bare exec, bubblewrap
# and firejail, in one hyperfine run. Run as root after `make install`
# (`sudo make bench`). Writes bench/results.md.
#
# Everything happens in a scratch CORDON_ROOT (/var/lib/cordon-bench.*) with
# its own cgroup parent; /snap, /var/snap, /var/lib/cordon and /run/cordon
# are not touched, and the scratch root is removed at the end.
#
# A second hyperfine run breaks the launcher's time down (classic, devmode,
# strict; v1 and v2 device cgroups). Then, outside hyperfine: the peak RSS of
# each command (/usr/bin/time) and the system calls of one warm launch
# (strace -f -c).
#
# Environment: BENCH_RUNS (300), BENCH_WARMUP (20), BENCH_OUT
# (bench/results.md), BENCH_BREAKDOWN (1; 0 skips the second run),
# CORDON_DATADIR (the installed data by default), BENCH_COMPARE (the prefix
# of another install, e.g. of an older commit: its launcher gets a row of
# its own in the same hyperfine run, and its system calls are counted too).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"

RUNS=${BENCH_RUNS:-300}
WARMUP=${BENCH_WARMUP:-20}
OUT=${BENCH_OUT:-$HERE/results.md}
SNAP=benchsnap

need_root
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine)"
command -v cc >/dev/null || die "cc not found"
command -v strace >/dev/null || die "strace not found (apt-get install strace)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
COMPARE=${BENCH_COMPARE:-}
if [ -n "$COMPARE" ]; then
	OTHER=$COMPARE/libexec/cordon/cordon-confine
	[ -x "$OTHER" ] || die "$OTHER not found (BENCH_COMPARE: the prefix of another install)"
fi
bench_setup "${1:-/usr/local}"
W=$ROOT/work

# The trivial program, static (bench_noop_snap), in a packed snap.
bench_noop_snap "$SNAP" "launch benchmark"
# The floor (bench/floor/floor.c): the launcher's kernel steps alone.
FLOOR=$(bench_build_floor "$REPO" "$W")
# For the breakdown: the same program in a devmode and a classic snap
# (BENCH_BREAKDOWN=0 skips it).
BREAKDOWN=${BENCH_BREAKDOWN:-1}
if [ "$BREAKDOWN" = 1 ]; then
	for mode in devmode classic; do
		d=$W/bench$mode
		mkdir -p "$d/bin" "$d/meta"
		cp "$W/$SNAP/bin/true" "$d/bin/true"
		printf '%s\n' "name: bench$mode" "version: '1.0'" "summary: launch benchmark ($mode)" \
			"confinement: $mode" "apps:" "  true:" "    command: bin/true" >"$d/meta/snap.yaml"
		built=$("$CORDON" pack "$d" "$W")
		"$CORDON" install --dangerous "--$mode" "$W/${built#built: }" >/dev/null
		"$CORDON" run "bench$mode.true" || die "cordon run bench$mode.true failed"
	done
fi
# On a base (issue 12): a base of busybox-static's one binary and the
# mount points a core base has, a snap on it, and one on it with 20 layout
# entries (binds, files, symlinks and tmpfs under /usr/share, /etc, /opt,
# /var/lib: each parent a mimic) whose namespace is built cold.
ONBASE=0
if [ -x /bin/busybox ]; then
	b=$W/benchbase
	mkdir -p "$b/meta" "$b/usr/bin" "$b/usr/share" "$b/usr/src" "$b/var/lib/snapd" "$b/var/snap" \
		"$b/var/tmp" "$b/var/log" "$b/opt"
	for d in dev etc home root proc sys tmp run media mnt snap; do mkdir -p "$b/$d"; done
	cp /bin/busybox "$b/usr/bin/busybox"
	printf '%s\n' "name: benchbase" "version: '1'" "summary: bench base" "type: base" \
		>"$b/meta/snap.yaml"
	built=$("$CORDON" pack "$b" "$W")
	"$CORDON" install --dangerous "$W/${built#built: }" >/dev/null
	for s in benchonbase benchlayouts; do
		d=$W/$s
		mkdir -p "$d/bin" "$d/meta" "$d/usr/share/demo" "$d/etc"
		cp "$W/$SNAP/bin/true" "$d/bin/true"
		printf '%s\n' "name: $s" "version: '1.0'" "summary: launch benchmark (base)" \
			"base: benchbase" "apps:" "  true:" "    command: bin/true" >"$d/meta/snap.yaml"
		echo conf >"$d/etc/demo.conf"
	done
	{
		echo "layout:"
		for i in 1 2 3 4 5; do
			printf '  /usr/share/demo%s:\n    bind: $SNAP/usr/share/demo\n' "$i"
			printf '  /etc/demo%s.conf:\n    bind-file: $SNAP/etc/demo.conf\n' "$i"
			printf '  /opt/demo%s:\n    type: tmpfs\n' "$i"
			printf '  /var/lib/demo%s:\n    symlink: $SNAP_DATA\n' "$i"
		done
	} >>"$W/benchlayouts/meta/snap.yaml"
	for s in benchonbase benchlayouts; do
		built=$("$CORDON" pack "$W/$s" "$W")
		"$CORDON" install --dangerous "$W/${built#built: }" >/dev/null
		"$CORDON" run "$s.true" || die "cordon run $s.true failed"
	done
	ONBASE=1
fi
# Every variant runs the very same file: the one in the mounted snap.
BIN=$ROOT/snap/$SNAP/current/bin/true
[ -x "$BIN" ] || die "$BIN missing after install"
# The app's /snap/bin entry: a symlink to the launcher, which takes the
# app from its own name (no CLI exec).
ENTRY=$ROOT/snap/bin/$SNAP.true
[ -L "$ENTRY" ] || die "$ENTRY missing after install"

BWRAP=(bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-all --die-with-parent "$BIN")
FIREJAIL=(firejail --quiet --noprofile "$BIN")
NSFILE=$ROOT/run/cordon/ns/$SNAP.mnt
# Cold: the snap's namespace discarded as cordon discards it (a refresh, a
# reboot): with the views made from it (root's, uid 0). Left to the launch,
# an old view's unmount (0.5 ms here: the kernel waits for RCU) would be
# timed, which no real first launch pays.
DISCARD="umount -l $NSFILE $ROOT/run/cordon/ns/snap.$SNAP.true.0.view"

# Check each command once; a tool that cannot run here is left out, and
# the reason goes into the results.
"$BIN" || die "the trivial program does not run"
"$CORDON" run "$SNAP.true" || die "cordon run $SNAP.true failed"
"$ENTRY" || die "$ENTRY failed"
grep -q " $NSFILE " /proc/self/mountinfo || die "no preserved namespace at $NSFILE"
read -r -a FARGS <<<"$(bench_floor_args "$SNAP")"
"$FLOOR" "${FARGS[@]}" || die "the floor does not run"

names=() cmds=() preps=()
add() { # name prepare command...
	names+=("$1") preps+=("$2")
	shift 2
	cmds+=("$*")
}
notes=()
add "bare exec" true "$BIN"
add "/snap/bin entry (warm)" true "$ENTRY"
add "/snap/bin entry (cold)" "$DISCARD" "$ENTRY"
add "floor (warm)" true "$FLOOR ${FARGS[*]}"
add "floor (cold, lower bound)" true "$FLOOR --cold ${FARGS[*]}"
add "a second exec alone" true "$FLOOR --exec-only ${FARGS[*]}"
add "cordon run (warm)" true "$CORDON run $SNAP.true"
add "cordon-confine (warm)" true "$CONFINE snap.$SNAP.true"
add "cordon run (cold)" "$DISCARD" "$CORDON run $SNAP.true"
if [ -n "$COMPARE" ]; then
	add "cordon-confine (warm), BENCH_COMPARE" true "$OTHER snap.$SNAP.true"
fi
if [ "$ONBASE" = 1 ]; then
	add "cordon run on a base (warm)" true "$CORDON run benchonbase.true"
	add "cordon run on a base, 20 layouts (cold)" "umount -l $ROOT/run/cordon/ns/benchlayouts.mnt $ROOT/run/cordon/ns/snap.benchlayouts.true.0.view" \
		"$CORDON run benchlayouts.true"
else
	notes+=("on a base: /bin/busybox missing (apt-get install busybox-static); not measured")
fi
if ! command -v bwrap >/dev/null; then
	notes+=("bwrap: not installed (apt-get install bubblewrap); not measured")
elif out=$("${BWRAP[@]}" 2>&1); then
	add "bwrap" true "${BWRAP[*]}"
else
	notes+=("bwrap: cannot run here ($(echo "$out" | head -1)); not measured")
fi
if ! command -v firejail >/dev/null; then
	notes+=("firejail: not installed (apt-get install firejail); not measured")
elif out=$("${FIREJAIL[@]}" 2>&1); then
	add "firejail" true "${FIREJAIL[*]}"
else
	notes+=("firejail: cannot run here ($(echo "$out" | head -1)); not measured")
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
args=(-N --warmup "$WARMUP" --runs "$RUNS" --time-unit millisecond
	--export-markdown "$W/table.md" --export-json "$W/results.json")
for i in "${!cmds[@]}"; do
	args+=(--prepare "${preps[$i]}" -n "${names[$i]}" "${cmds[$i]}")
done
echo "hyperfine: ${#cmds[@]} commands, $RUNS runs each (after $WARMUP warm-up runs)" >&2
(cd "$W" && hyperfine "${args[@]}") >&2

# ---- where the launcher's time goes (a second hyperfine run) ----
if [ "$BREAKDOWN" = 1 ]; then
	bargs=(-N --warmup "$WARMUP" --runs "$RUNS" --time-unit millisecond
		--export-markdown "$W/breakdown.md"
		-n "bare exec" "$BIN"
		-n "classic: policy, environment, exec" "$CONFINE snap.benchclassic.true"
		-n "devmode: + cgroup, namespaces, devpts, seccomp (log)" "$CONFINE snap.benchdevmode.true"
		-n "strict: + capabilities dropped, seccomp, Landlock" "$CONFINE snap.$SNAP.true")
	# the device cgroup mechanisms side by side (both through env(1), so
	# both pay its exec); v2 only where a cgroup2 hierarchy is mounted
	bargs+=(-n "strict, v1 device cgroup (via env)" "env CORDON_DEVICE_CGROUP=v1 $CONFINE snap.$SNAP.true")
	if "$CORDON" debug confinement | grep -q cgroup2; then
		if env CORDON_DEVICE_CGROUP=v2 "$CONFINE" "snap.$SNAP.true"; then
			bargs+=(-n "strict, v2 device cgroup (BPF; via env)" "env CORDON_DEVICE_CGROUP=v2 $CONFINE snap.$SNAP.true")
		else
			notes+=("the cgroup v2 device filter could not be used here; not measured")
		fi
	fi
	echo "hyperfine: breakdown of the launcher" >&2
	(cd "$W" && hyperfine "${bargs[@]}") >&2
fi

# ---- peak RSS (the process's high-water mark, kept across its execs: for
# the launcher the larger of it and the no-op it becomes; for cordon run the
# largest of the CLI, the launcher and the no-op) and system calls ----
peak_kib() { # command...: the largest of 20 runs' maximum resident sets
	local i m=0 v
	for i in $(seq 20); do
		/usr/bin/time -o "$W/time.out" -f '%M' "$@" >/dev/null 2>&1
		v=$(tail -1 "$W/time.out")
		[ "$v" -gt "$m" ] && m=$v
	done
	echo "$m"
}
syscalls() { # command...: system calls of the whole process tree, the
	# fewest of 3 runs (a run that finds its view stale, say /etc changed
	# by a useradd elsewhere, rebuilds it: thousands more)
	local i n m=
	for i in 1 2 3; do
		strace -f -c -o "$W/strace.out" "$@" >/dev/null
		# the total line: % seconds usecs/call calls [errors] total
		n=$(awk '$NF == "total" { print NF == 6 ? $4 : $(NF-1) }' "$W/strace.out")
		[ -z "$m" ] || [ "$n" -lt "$m" ] && m=$n
	done
	echo "$m"
}
echo "peak RSS and system calls of a warm launch" >&2
rss_rows=() sys_rows=()
measure() { # label command...
	local label=$1
	shift
	"$@" >/dev/null || die "$label failed"
	rss_rows+=("| $label | $(peak_kib "$@") |")
	sys_rows+=("| $label | $(syscalls "$@") |")
}
measure "bare exec" "$BIN"
measure "/snap/bin entry (the launcher, then the no-op)" "$ENTRY"
measure "cordon-confine (the launcher, then the no-op)" "$CONFINE" "snap.$SNAP.true"
measure "cordon run (the CLI, the launcher, the no-op)" "$CORDON" run "$SNAP.true"
if [ -n "$COMPARE" ]; then
	measure "cordon-confine of BENCH_COMPARE" "$OTHER" "snap.$SNAP.true"
fi

stat_of() { json_stats "$W/results.json" | awk -v n="${1// /_}" -v f="$2" '$1 == n { print $f }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%+.2f ms", a - b }'; }

summary() {
	# columns: mean, median, min (the least disturbed run: on a shared
	# machine the most stable of the three)
	local c v
	declare -A m
	for c in 2 3 5; do
		for v in "bare exec" "/snap/bin entry (warm)" "/snap/bin entry (cold)" "cordon run (warm)" \
			"cordon-confine (warm)" "cordon run (cold)" bwrap firejail \
			"floor (warm)" "floor (cold, lower bound)" \
			"a second exec alone"; do
			m["$v/$c"]=$(stat_of "$v" "$c")
		done
	done
	row() { # label fn a b
		printf '| %s | %s | %s | %s |\n' "$1" "$($2 "${m[$3/2]}" "${m[$4/2]}")" \
			"$($2 "${m[$3/3]}" "${m[$4/3]}")" "$($2 "${m[$3/5]}" "${m[$4/5]}")"
	}
	over() { # a b: (a - b) / b, the overhead over bare exec in units of bare exec
		awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", (a - b) / b }'
	}
	echo "| | mean | median | min |"
	echo "|:---|---:|---:|---:|"
	row "/snap/bin entry (warm) − bare exec" diff_ms "/snap/bin entry (warm)" "bare exec"
	row "/snap/bin entry (warm): overhead / bare exec (goal: ≤ 1.25)" over "/snap/bin entry (warm)" "bare exec"
	row "/snap/bin entry (cold): overhead / bare exec (goal: ≤ 2)" over "/snap/bin entry (cold)" "bare exec"
	row "floor (warm): overhead / bare exec (no launcher can do better)" over \
		"floor (warm)" "bare exec"
	row "floor (cold, lower bound): overhead / bare exec" over "floor (cold, lower bound)" "bare exec"
	row "a second exec alone: overhead / bare exec" over "a second exec alone" "bare exec"
	row "/snap/bin entry (warm) − floor (warm): the launcher's checks" diff_ms "/snap/bin entry (warm)" \
		"floor (warm)"
	row "cordon run (warm): overhead / bare exec" over "cordon run (warm)" "bare exec"
	row "cordon run (warm) − /snap/bin entry (warm): the CLI's exec" diff_ms "cordon run (warm)" "/snap/bin entry (warm)"
	row "cordon run (warm) − bare exec (goal: ≤ +2 ms)" diff_ms "cordon run (warm)" "bare exec"
	row "cordon run (warm) / bare exec" ratio "cordon run (warm)" "bare exec"
	row "cordon run (warm) / bwrap (goal: < 1)" ratio "cordon run (warm)" bwrap
	row "cordon run (warm) / firejail" ratio "cordon run (warm)" firejail
	row "the CLI's exec: cordon run − cordon-confine" diff_ms "cordon run (warm)" "cordon-confine (warm)"
	row "the launcher: cordon-confine − bare exec" diff_ms "cordon-confine (warm)" "bare exec"
	row "first launch: cordon run (cold) − (warm)" diff_ms "cordon run (cold)" "cordon run (warm)"
	if [ "$ONBASE" = 1 ]; then
		for c in 2 3 5; do
			for v in "cordon run on a base (warm)" "cordon run on a base, 20 layouts (cold)"; do
				m["$v/$c"]=$(stat_of "$v" "$c")
			done
		done
		row "on a base: (warm) − cordon run (warm)" diff_ms "cordon run on a base (warm)" \
			"cordon run (warm)"
		row "namespace with a base and 20 layouts, cold: − cordon run on a base (warm) (goal: < 20 ms)" \
			diff_ms "cordon run on a base, 20 layouts (cold)" "cordon run on a base (warm)"
	fi
}

{
	echo "# cordon launch benchmark"
	echo
	echo "Produced by \`bench/run.sh\` (\`sudo make bench\`): $RUNS runs of each command after"
	echo "$WARMUP warm-up runs, \`hyperfine -N\` (no shell), one hyperfine invocation."
	echo
	machine_info
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "## Launch time of a static no-op program"
	echo
	cat "$W/table.md"
	echo
	echo "## Ratios and differences"
	echo
	echo "An overhead is (command − bare exec) / bare exec, in units of the bare exec's own time."
	echo
	summary
	echo
	echo "## Peak RSS and system calls of one warm launch"
	echo
	echo "Peak RSS: \`/usr/bin/time -f %M\`, the largest of 20 runs; a process's high-water mark is kept across"
	echo "its execs, so each row is the largest of the programs it runs (the static no-op is the smallest)."
	echo "System calls: \`strace -f -c\`, the whole process tree, the fewest of 3 runs."
	echo
	echo "| | peak RSS [KiB] |"
	echo "|:---|---:|"
	printf '%s\n' "${rss_rows[@]}"
	echo
	echo "| | system calls |"
	echo "|:---|---:|"
	printf '%s\n' "${sys_rows[@]}"
	echo
	if [ "$BREAKDOWN" = 1 ]; then
		echo "## Where the launcher's time goes"
		echo
		echo "The launcher run directly (no CLI) on the same program packed in three snaps: \`confinement: classic\`"
		echo "(the launcher loads the compiled policy, sets the environment, execs), \`devmode\` (adds the label cgroup"
		echo "with every device allowed, the snap's namespace, the command's namespace and devpts, seccomp in log mode;"
		echo "a root caller keeps its capabilities) and \`strict\` (adds the device rules, the capability drop,"
		echo "the enforcing seccomp filter and Landlock). A second hyperfine run, after the first."
		echo
		cat "$W/breakdown.md"
		echo
	fi
	echo "## What each row runs"
	echo
	echo "- **bare exec**: the program itself (\`$SNAP/current/bin/true\` in the mounted snap; every row runs this file)."
	echo "- **/snap/bin entry (warm)**: \`/snap/bin/$SNAP.true\` (in the scratch root), the app's entry: a symlink to the"
	echo "  launcher, which takes the app from the name it was run by; no CLI exec. **(cold)**: the same, the snap's"
	echo "  namespace discarded before each run as for \`cordon run (cold)\`."
	echo "- **cordon run (warm)**: \`cordon run $SNAP.true\`, the snap's mount namespace already preserved: the CLI execs the"
	echo "  launcher, which loads the compiled policy, joins the label cgroup (device cgroup), joins the snap's namespace,"
	echo "  makes the command's own mount namespace and devpts, drops capabilities, loads seccomp and Landlock, execs."
	echo "- **cordon-confine (warm)**: the launcher run directly (\`cordon-confine snap.$SNAP.true\`), without the CLI's exec."
	echo "- **cordon run (cold)**: the first launch: before each run the preserved namespace is discarded as"
	echo "  cordon discards it, with the view made from it (\`umount -l run/cordon/ns/$SNAP.mnt\` and"
	echo "  \`run/cordon/ns/snap.$SNAP.true.0.view\`, a hyperfine \`--prepare\` step, not timed), so each run creates,"
	echo "  populates (private /tmp, /dev/shm) and preserves a new one, and builds the command's view anew."
	echo "- The scratch root's run directory is a tmpfs, as /run is on every host."
	echo "- **cordon run on a base (warm)**: a snap with \`base: benchbase\` (a base of busybox-static and the mount"
	echo "  points of a core base): its namespace's root is the base (README, \"Bases\"), preserved."
	echo "- **cordon run on a base, 20 layouts (cold)**: a snap on the same base with 20 layout entries (5 each of bind,"
	echo "  bind-file, tmpfs, symlink, under /usr/share, /etc, /opt, /var/lib: mimics), its namespace discarded before"
	echo "  each run as for the cold row: the base's root, the mimics and the layouts are built every time."
	echo "- **bwrap**: \`bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-all --die-with-parent\`."
	echo "- **floor (warm)**: \`bench/floor/floor.c\`, the calls the launcher makes to sandbox the command and"
	echo "  nothing of its checks: the policy read, the cgroup, the namespaces joined, the command's namespace and"
	echo "  devpts, Landlock (with the opens of its paths), the capability drop, seccomp (the launcher's own"
	echo "  functions for the last four), exec. No launcher that builds this sandbox can be faster."
	echo "  **(cold, lower bound)**: a new namespace with a tmpfs /tmp and one bind per granted path instead of"
	echo "  the preserved ones: less than any first launch builds. **a second exec alone**: the same program"
	echo "  exec'ing the no-op at once, the price of a launcher being a program of its own."
	echo "  \`bench/floor.sh\` breaks the floor down step by step (\`bench/floor-results.md\`)."
	echo "- **firejail**: \`firejail --quiet --noprofile\`."
	if [ -n "$COMPARE" ]; then
		echo "- **cordon-confine (warm), BENCH_COMPARE**: the launcher installed in \`$COMPARE\` (another build, for a"
		echo "  before/after in one run), on the same snap."
	fi
	for n in "${notes[@]+"${notes[@]}"}"; do echo "- $n"; done
	echo
	echo "Run as root in a scratch root (CORDON_ROOT=/var/lib/cordon-bench.*; the installed launcher honours it"
	echo "for root callers only). The VM is shared and noisy: compare rows of one run, not runs of different days."
	echo
	echo "Reproduce: \`sudo make bench\` (or \`sudo bench/run.sh /usr/local\` after \`sudo make install\`)."
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
echo >&2
echo "written: $OUT" >&2
