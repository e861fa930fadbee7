#!/bin/bash
# bench/scale.sh PREFIX: cordon with 1000 installed snaps of 3 apps each.
# Run as root after `make install` (`sudo make bench-scale`). Writes
# bench/scale-results.md.
#
# Measures (hyperfine): `cordon connections` (all, --all, one snap),
# `cordon connect` and `cordon disconnect` of a manual plug (each run really
# connects / disconnects: the opposite command is the untimed --prepare
# step), `cordon list`, and a warm `cordon run` among 1000 installed snaps.
# Goal (issue 4): connections and connect under 50 ms each. Then checks that
# one connect rewrites only the compiled policy of the labels bound to the
# plug (inode numbers and mtimes of every file under var/lib/cordon/policy
# and var/lib/cordon/apparmor, before and after).
#
# Everything happens in a scratch CORDON_ROOT (/var/lib/cordon-bench.*),
# removed at the end (its 1000 bind mounts detached in one umount call).
#
# Environment: SCALE_N (1000 snaps), SCALE_RUNS (100), SCALE_WARMUP (5),
# SCALE_OUT (bench/scale-results.md), CORDON_DATADIR.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

N=${SCALE_N:-1000}
RUNS=${SCALE_RUNS:-100}
WARMUP=${SCALE_WARMUP:-5}
OUT=${SCALE_OUT:-$HERE/scale-results.md}
# Every 20th snap provides a content slot; the snap after it plugs it (the
# admin connects them right after the install: content auto-connects only
# within one snap, see data/interfaces/content.yaml).
CONTENT_EVERY=20

need_root
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine)"
command -v cc >/dev/null || die "cc not found"
[ "$N" -ge 2 ] || die "SCALE_N must be at least 2"
bench_setup "${1:-/usr/local}"
W=$ROOT/work
now() { NOW=${EPOCHREALTIME/[,.]/}; } # microseconds in $NOW, no fork
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
name_of() { printf 'scale%04d' "$1"; }
TARGET=$(name_of $((N / 2)))

# ---- setup: one template, N snap directories, N real installs ----
now; t0=$NOW
printf 'int main(void) { return 0; }\n' >"$W/true.c"
mkdir -p "$W/template/bin"
cc -O2 -static -o "$W/template/bin/true" "$W/true.c" || die "cannot link a static program"
snapyaml() { # i -> $YAML (bash builtins only: 1000 forks cost seconds here)
	local i=$1 name more=
	printf -v name 'scale%04d' "$i"
	printf -v YAML '%s\n' "name: $name" "version: '1.0'" "summary: scale benchmark snap $i" \
		"apps:" \
		"  app1:" "    command: bin/true" "    plugs: [network, camera]" \
		"  app2:" "    command: bin/true" "    plugs: [network, camera]" \
		"  app3:" "    command: bin/true" "    plugs: [network, audio-record]"
	if [ $((i % CONTENT_EVERY)) = 0 ]; then
		printf -v more '%s\n' "slots:" "  shared:" "    interface: content" \
			"    content: bench-share-$((i / CONTENT_EVERY))" "    read: [\$SNAP/shared]"
	elif [ $((i % CONTENT_EVERY)) = 1 ]; then
		printf -v more '%s\n' "plugs:" "  data:" "    interface: content" \
			"    content: bench-share-$((i / CONTENT_EVERY))" "    target: \$SNAP/ext"
	fi
	YAML+=$more
}
# N directories in one mkdir, the binary hard-linked into each (one perl
# process; perl-base is Essential on Debian), then each snap's own
# snap.yaml written with shell builtins.
snapdirs=() dirs=()
for ((i = 0; i < N; i++)); do
	printf -v d '%s/snaps/scale%04d' "$W" "$i"
	snapdirs+=("$d")
	dirs+=("$d/bin" "$d/meta" "$d/shared" "$d/ext")
done
mkdir -p "${dirs[@]}"
perl -e 'my $src = shift; for (@ARGV) { link($src, "$_/bin/true") or die "link $_/bin/true: $!\n" }' \
	"$W/template/bin/true" "${snapdirs[@]}"
for ((i = 0; i < N; i++)); do
	snapyaml "$i"
	printf '%s' "$YAML" >"${snapdirs[$i]}/meta/snap.yaml"
	echo "shared content" >"${snapdirs[$i]}/shared/README"
done
now; t1=$NOW
echo "installing $N snaps..." >&2
: >"$W/install-times"
for ((i = 0; i < N; i++)); do
	now; a=$NOW
	"$CORDON" install --dangerous "${snapdirs[$i]}" >/dev/null ||
		die "install of ${snapdirs[$i]} failed"
	if [ $((i % CONTENT_EVERY)) = 1 ]; then
		"$CORDON" connect "$(name_of "$i"):data" "$(name_of $((i - 1))):shared" ||
			die "connect of $(name_of "$i"):data failed"
	fi
	now; b=$NOW
	echo $((b - a)) >>"$W/install-times"
	if [ "$i" = 0 ]; then
		# the baseline: a warm launch with one snap installed (its time
		# is taken out of the setup time)
		now; c=$NOW
		"$CORDON" run scale0000.app1 || die "cordon run scale0000.app1 failed"
		(cd "$W" && hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --time-unit millisecond \
			--export-json "$W/run1.json" -n "cordon run scale0000.app1 (warm)" \
			"$CORDON run scale0000.app1") >/dev/null 2>&1 || die "hyperfine failed"
		now; base_us=$((NOW - c))
	fi
	if [ $(((i + 1) % 100)) = 0 ]; then echo "  $((i + 1)) installed" >&2; fi
done
now; t2=$((NOW - base_us))
installed=$("$CORDON" list | tail -n +2 | wc -l)
[ "$installed" = "$N" ] || die "cordon list shows $installed snaps, not $N"
nlabels=$(find "$ROOT/var/lib/cordon/policy" -type f | wc -l)
nmounts=$(mounts_under "$ROOT" | wc -l)
ncontent=$("$CORDON" connections | awk '$1 ~ /^content/' | wc -l)
nconn=$("$CORDON" connections | tail -n +2 | wc -l)
K=$((N >= 200 ? 100 : N / 2))
first100=$(head -n "$K" "$W/install-times" | awk '{ s += $1 } END { printf "%.1f", s / NR / 1000 }')
last100=$(tail -n "$K" "$W/install-times" | awk '{ s += $1 } END { printf "%.1f", s / NR / 1000 }')

# ---- one connect: which compiled files change? ----
snapshot() { # dir... -> "relpath inode mtime"
	local d
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -type f -printf "$(basename "$d")/%P %i %T@\n"
	done | sort
}
POLICY=$ROOT/var/lib/cordon/policy
AA=$ROOT/var/lib/cordon/apparmor
"$CORDON" disconnect "$TARGET:camera" >/dev/null 2>&1 || true
snapshot "$POLICY" "$AA" >"$W/before"
"$CORDON" connect "$TARGET:camera" >/dev/null
snapshot "$POLICY" "$AA" >"$W/after"
# the connection is really there
"$CORDON" connections "$TARGET" | grep -q "^camera *$TARGET:camera *:camera" ||
	die "$TARGET:camera is not shown connected"
changed=$(comm -3 "$W/before" "$W/after" | awk '{ print $1 }' | sort -u)
nchanged=$(printf '%s' "$changed" | grep -c . || true)
ntotal=$(wc -l <"$W/before")
npolicy_total=$(grep -c '^policy/' "$W/before" || true)
expected=$(printf 'policy/snap.%s.app1\npolicy/snap.%s.app2\n' "$TARGET" "$TARGET")
npolicy_changed=$(printf '%s\n' "$changed" | grep -c '^policy/' || true)
changed_policy=$(printf '%s\n' "$changed" | grep '^policy/' || true)
if [ "$changed_policy" = "$expected" ]; then
	verdict="as expected: exactly the labels bound to the plug (app1 and app2; app3 does not plug camera)"
else
	verdict="UNEXPECTED: expected exactly snap.$TARGET.app1 and snap.$TARGET.app2"
fi

# ---- timings ----
# a fresh namespace for scale0000, made with every snap mounted
umount -l "$ROOT/run/cordon/ns/scale0000.mnt"
"$CORDON" run scale0000.app1 || die "cordon run scale0000.app1 failed"
quiet() { echo "sh -c \"$* >/dev/null 2>&1 || true\""; }
echo "hyperfine: $RUNS runs of each command, $N snaps installed" >&2
(cd "$W" && hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --time-unit millisecond \
	--export-markdown "$W/table.md" --export-json "$W/results.json" \
	--prepare true -n "cordon connections" "$CORDON connections" \
	--prepare true -n "cordon connections --all" "$CORDON connections --all" \
	--prepare true -n "cordon connections $TARGET" "$CORDON connections $TARGET" \
	--prepare "$(quiet "$CORDON" disconnect "$TARGET:camera")" \
	-n "cordon connect $TARGET:camera" "$CORDON connect $TARGET:camera" \
	--prepare "$(quiet "$CORDON" connect "$TARGET:camera")" \
	-n "cordon disconnect $TARGET:camera" "$CORDON disconnect $TARGET:camera" \
	--prepare true -n "cordon list" "$CORDON list" \
	--prepare true -n "cordon run scale0000.app1 (warm)" "$CORDON run scale0000.app1") >&2

verdict_of() { # name
	json_stats "$W/results.json" | awk -v n="${1// /_}" '$1 == n {
		printf "%.1f ms mean, %.1f ms median: %s", $2, $3, ($2 < 50 ? "under 50 ms" : "OVER 50 ms") }'
}

{
	echo "# cordon at scale: $N installed snaps"
	echo
	echo "Produced by \`bench/scale.sh\` (\`sudo make bench-scale\`)."
	echo
	machine_info
	echo
	echo "## The installed set"
	echo
	echo "- $N snaps (\`scale0000\` … \`$(name_of $((N - 1)))\`), directory installs (bind mounts) through"
	echo "  \`cordon install --dangerous\`, 3 apps each: \`app1\` and \`app2\` plug \`network\` + \`camera\`,"
	echo "  \`app3\` plugs \`network\` + \`audio-record\`; every ${CONTENT_EVERY}th snap has a \`content\` slot and the"
	echo "  snap after it a \`content\` plug (connected right after its install, within its install time)."
	echo "- $nlabels compiled policy files (labels), $nmounts mounts under the scratch root,"
	echo "  $nconn connections ($ncontent of them content)."
	echo
	echo "## Setup time"
	echo
	echo "- $N snap directories (one static binary hard-linked into each, own snap.yaml), binary compiled: $(ms $((t1 - t0))) ms"
	echo "- $N \`cordon install\` calls: $(awk -v us=$((t2 - t1)) 'BEGIN { printf "%.1f s", us / 1e6 }')" \
		"($(ms $(((t2 - t1) / N))) ms per install; first $K: $first100 ms each, last $K: $last100 ms each)"
	echo
	echo "## Timings with $N snaps installed"
	echo
	cat "$W/table.md"
	echo
	echo "Goal (issue 4): each under 50 ms."
	echo
	for c in "cordon connections" "cordon connections --all" "cordon connections $TARGET" \
		"cordon connect $TARGET:camera" "cordon disconnect $TARGET:camera"; do
		echo "- \`$c\`: $(verdict_of "$c")"
	done
	echo
	run1=$(json_stats "$W/run1.json" | awk '{ printf "%.1f ms mean, %.1f ms median", $2, $3 }')
	runN=$(json_stats "$W/results.json" | awk '$1 == "cordon_run_scale0000.app1_(warm)" { printf "%.1f ms mean, %.1f ms median", $2, $3 }')
	echo "A warm \`cordon run scale0000.app1\` (a static no-op) took $run1 with only that snap installed"
	echo "(measured right after its install) and $runN with all $N installed (its namespace remade then)."
	echo
	echo "\`connect\` and \`disconnect\` each really change the connection: the opposite command runs"
	echo "before every timed run as hyperfine's \`--prepare\` step (untimed)."
	echo
	echo "## What one connect recompiles"
	echo
	echo "\`cordon connect $TARGET:camera\`, comparing inode number and mtime of every file under"
	echo "\`var/lib/cordon/policy\` ($npolicy_total files) and \`var/lib/cordon/apparmor\` before and after:"
	echo "$nchanged of $ntotal files changed, $npolicy_changed of them compiled policy; $verdict."
	echo
	echo '```'
	printf '%s\n' "$changed"
	echo '```'
	echo
	echo "Reproduce: \`sudo make bench-scale\` (or \`sudo bench/scale.sh /usr/local\` after \`sudo make install\`)."
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
echo >&2
echo "written: $OUT" >&2
