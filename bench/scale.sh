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
# Every 20th snap provides a content slot; the snap after it plugs it (and
# auto-connects at install, the content names matching).
CONTENT_EVERY=20

need_root
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine)"
command -v cc >/dev/null || die "cc not found"
[ "$N" -ge 2 ] || die "SCALE_N must be at least 2"
bench_setup "${1:-/usr/local}"
W=$ROOT/work
now() { echo "${EPOCHREALTIME/[,.]/}"; } # microseconds
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
name_of() { printf 'scale%04d' "$1"; }
TARGET=$(name_of $((N / 2)))

# ---- setup: one template, N snap directories, N real installs ----
t0=$(now)
printf 'int main(void) { return 0; }\n' >"$W/true.c"
mkdir -p "$W/template/bin" "$W/template/meta" "$W/template/shared" "$W/template/ext"
cc -O2 -static -o "$W/template/bin/true" "$W/true.c" || die "cannot link a static program"
echo "shared content" >"$W/template/shared/README"
snapyaml() { # i
	local i=$1 name
	name=$(name_of "$i")
	cat <<EOF
name: $name
version: '1.0'
summary: scale benchmark snap $i
apps:
  app1:
    command: bin/true
    plugs: [network, camera]
  app2:
    command: bin/true
    plugs: [network, camera]
  app3:
    command: bin/true
    plugs: [network, audio-record]
EOF
	if [ $((i % CONTENT_EVERY)) = 0 ]; then
		cat <<EOF
slots:
  shared:
    interface: content
    content: bench-share-$((i / CONTENT_EVERY))
    read: [\$SNAP/shared]
EOF
	elif [ $((i % CONTENT_EVERY)) = 1 ]; then
		cat <<EOF
plugs:
  data:
    interface: content
    content: bench-share-$((i / CONTENT_EVERY))
    target: \$SNAP/ext
EOF
	fi
}
# hard links of the template (one copy of the binary on disk), then each
# snap's own snap.yaml
for ((i = 0; i < N; i++)); do
	d=$W/snaps/$(name_of "$i")
	mkdir -p "$W/snaps"
	cp -al "$W/template" "$d"
	snapyaml "$i" >"$d/meta/snap.yaml"
done
t1=$(now)
echo "installing $N snaps..." >&2
: >"$W/install-times"
for ((i = 0; i < N; i++)); do
	a=$(now)
	"$CORDON" install --dangerous "$W/snaps/$(name_of "$i")" >/dev/null ||
		die "install of $(name_of "$i") failed"
	b=$(now)
	echo $((b - a)) >>"$W/install-times"
	if [ $(((i + 1) % 100)) = 0 ]; then echo "  $((i + 1)) installed" >&2; fi
done
t2=$(now)
installed=$("$CORDON" list | tail -n +2 | wc -l)
[ "$installed" = "$N" ] || die "cordon list shows $installed snaps, not $N"
nlabels=$(find "$ROOT/var/lib/cordon/policy" -type f | wc -l)
nmounts=$(mounts_under "$ROOT" | wc -l)
ncontent=$("$CORDON" connections | awk '$1 ~ /^content/' | wc -l)
nconn=$("$CORDON" connections | tail -n +2 | wc -l)
first100=$(head -n 100 "$W/install-times" | awk '{ s += $1 } END { printf "%.1f", s / NR / 1000 }')
last100=$(tail -n 100 "$W/install-times" | awk '{ s += $1 } END { printf "%.1f", s / NR / 1000 }')

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
"$CORDON" run "$TARGET.app1" || die "cordon run $TARGET.app1 failed"
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
	--prepare true -n "cordon run $TARGET.app1 (warm)" "$CORDON run $TARGET.app1") >&2

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
	echo "  snap after it a \`content\` plug (auto-connected at install)."
	echo "- $nlabels compiled policy files (labels), $nmounts mounts under the scratch root,"
	echo "  $nconn connections ($ncontent of them content)."
	echo
	echo "## Setup time"
	echo
	echo "- $N snap directories from one template (hard links + own snap.yaml): $(ms $((t1 - t0))) ms"
	echo "- $N \`cordon install\` calls: $(awk -v us=$((t2 - t1)) 'BEGIN { printf "%.1f s", us / 1e6 }')" \
		"($(ms $(((t2 - t1) / N))) ms per install; first 100: $first100 ms each, last 100: $last100 ms each)"
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
