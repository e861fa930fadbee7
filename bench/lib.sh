# Shared by the scripts of bench/ (sourced, not run).
#
# A scratch CORDON_ROOT under /var/lib (root-owned, 0755: the launcher checks
# every directory above the compiled policy), its own cgroup parent, and a
# cleanup that leaves nothing behind: mounts (deepest first), loop devices,
# cgroups, the directory.

die() {
	echo "error: $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" = 0 ] || die "run as root (sudo make bench)"
}

# bench_checkout REPO REV DIR: the tree of git revision REV of REPO in
# DIR/src-<its short hash> (git archive: what is committed, nothing of a work
# tree); prints the short hash. For the scripts that compare revisions.
bench_checkout() {
	local name
	name=$(git -C "$1" rev-parse --short "$2")
	mkdir -p "$3/src-$name"
	git -C "$1" archive "$2" | tar -x -C "$3/src-$name"
	echo "$name"
}

# bench_noop_snap NAME SUMMARY: a static no-op packed as the strict snap NAME
# (app `true`, bin/true) and installed in the scratch root: a squashfs on a
# loop device, as users install them. Static, so its bare exec pays no
# dynamic loader (the launcher and the CLI are static-pie too).
bench_noop_snap() {
	local w=$ROOT/work built
	printf 'int main(void) { return 0; }\n' >"$w/true.c"
	mkdir -p "$w/$1/bin" "$w/$1/meta"
	cc -O2 -static -o "$w/$1/bin/true" "$w/true.c" ||
		die "cannot link a static program (libc6-dev provides libc.a)"
	printf '%s\n' "name: $1" "version: '1.0'" "summary: $2" "apps:" "  true:" \
		"    command: bin/true" >"$w/$1/meta/snap.yaml"
	built=$("$CORDON" pack "$w/$1" "$w")
	"$CORDON" install --dangerous "$w/${built#built: }" >/dev/null
}

# bench_build_floor REPO DIR: bench/floor/floor.c built against the runtime
# library of REPO's HEAD (committed), in DIR; prints the program's path.
bench_build_floor() {
	local name src b
	name=$(bench_checkout "$1" HEAD "$2")
	src=$2/src-$name
	b=$src/build-floor
	meson setup "$b" "$src" >/dev/null
	ninja -C "$b" libcordon-runtime.a libcordon-policy.a libcordon-base.a >/dev/null
	cc -O2 -std=gnu17 -D_GNU_SOURCE -static-pie -fPIE -I"$src/src/base" -I"$src/src/policy" \
		-I"$src/src/runtime" -I"$b" -o "$2/floor" "$src/bench/floor/floor.c" \
		"$b/libcordon-runtime.a" "$b/libcordon-policy.a" "$b/libcordon-base.a" ||
		die "cannot build bench/floor/floor.c"
	echo "$2/floor"
}

# bench_floor_args SNAP: the floor's arguments (bench/floor/floor.c) for
# root's warm launch of SNAP.true: its policy, preserved namespaces, label
# cgroup (the first hierarchy that has one) and program.
bench_floor_args() {
	local ns=$ROOT/run/cordon/ns cr dir=
	for cr in $(cgroup_roots); do
		[ -d "$cr/$CG" ] || continue
		dir=$(find "$cr/$CG" -type d -name "snap.$1.true" -print -quit)
		[ -n "$dir" ] && break
	done
	[ -n "$dir" ] || die "no cgroup of snap.$1.true under $CG"
	echo "$ROOT/var/lib/cordon/policy/snap.$1.true $ns/$1.ipc $ns/$1.mnt" \
		"$ns/snap.$1.true.0.view $dir/cgroup.procs $(readlink -f "$ROOT/snap/$1/current")/bin/true"
}

# bench_setup PREFIX: sets CORDON, CONFINE, ROOT, CG and exports the
# environment that points cordon at the scratch root.
bench_setup() {
	PREFIX=${1:-/usr/local}
	CORDON=$PREFIX/bin/cordon
	CONFINE=$PREFIX/libexec/cordon/cordon-confine
	[ -x "$CORDON" ] || die "$CORDON not found (make install PREFIX=$PREFIX first)"
	[ -x "$CONFINE" ] || die "$CONFINE not found (make install PREFIX=$PREFIX first)"
	ROOT=$(mktemp -d /var/lib/cordon-bench.XXXXXX)
	chmod 0755 "$ROOT"
	CG=cordon-bench-${ROOT##*.}
	mkdir -p "$ROOT/home/root" "$ROOT/work" "$ROOT/run"
	chmod 0700 "$ROOT/home/root"
	export CORDON_ROOT=$ROOT
	export CORDON_CGROUP_PARENT=$CG
	export CORDON_CONFINE=$CONFINE
	export HOME=$ROOT/home/root
	export LANG=C.UTF-8
	# data (interfaces, default policy): the installed copy unless given
	if [ -n "${CORDON_DATADIR:-}" ]; then export CORDON_DATADIR; fi
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	# The run directory is a tmpfs, as /run is on every host cordon runs
	# on: runtime state (namespace stamps, locks) costs what it costs
	# there, not a disk's journal (a rename on ext4 here takes 0.5 ms).
	# The cleanup detaches it with the rest.
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$ROOT/run" || die "cannot mount a tmpfs on $ROOT/run"
}

# Mount points under $1, deepest first (mountinfo field 5; our paths have
# no characters that mountinfo escapes).
mounts_under() {
	awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print length($5), $5 }' \
		/proc/self/mountinfo | sort -rn | cut -d' ' -f2-
}

cgroup_roots() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $5; break } }' \
		/proc/self/mountinfo
}

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	[ -n "${ROOT:-}" ] && [ -d "$ROOT" ] || exit $rc
	case $ROOT in /var/lib/cordon-bench.*) ;; *) exit $rc ;; esac
	echo "cleaning up $ROOT" >&2
	# the snapctl broker a launch started for this root (its pid is in
	# its lock file; checked, as the pid may be another's by now)
	local bpid
	bpid=$(cat "$ROOT/run/cordon/snapctl.lock" 2>/dev/null || true)
	if [ -n "$bpid" ] && tr '\0' ' ' <"/proc/$bpid/cmdline" 2>/dev/null |
		grep -q ' snapctl-daemon '; then
		kill "$bpid" 2>/dev/null || true
		while [ -e "/proc/$bpid" ]; do sleep 0.05; done
	fi
	# No `cordon remove` per snap: with 1000 snaps that alone takes
	# longer than the benchmark. Everything lives under the scratch root:
	# detach its mounts (deepest first), then delete it.
	# one umount for all of them (xargs keeps the order: deepest first)
	mounts_under "$ROOT" | xargs -r -d '\n' umount -l 2>/dev/null || true
	local lb
	for lb in /sys/block/loop*/loop/backing_file; do
		[ -r "$lb" ] || continue
		case $(cat "$lb" 2>/dev/null) in
		"$ROOT"/*)
			lb=${lb#/sys/block/}
			losetup -d "/dev/${lb%%/*}" 2>/dev/null || true
			;;
		esac
	done
	local cr
	for cr in $(cgroup_roots); do
		[ -d "$cr/$CG" ] || continue
		find "$cr/$CG" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	if [ -n "$(mounts_under "$ROOT")" ]; then
		echo "warning: mounts left under $ROOT, not deleting it:" >&2
		mounts_under "$ROOT" >&2
	else
		rm -rf --one-file-system "$ROOT"
	fi
	for cr in $(cgroup_roots); do
		[ -d "$cr/$CG" ] && echo "warning: cgroup $cr/$CG left behind" >&2
	done
	exit $rc
}

machine_info() {
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- kernel: $(uname -r) ($(uname -m))"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores online"
	echo "- memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- $(hyperfine --version)"
	echo "- cordon $("$CORDON" --version | awk '{ print $2 }') from $PREFIX; \`cordon debug confinement\`:"
	"$CORDON" debug confinement 2>&1 | sed 's/^/    /'
}

# hyperfine JSON -> "name mean_ms median_ms stddev_ms min_ms" lines
# (hyperfine pretty-prints one key per line).
json_stats() {
	awk '
	/"command":/ { sub(/.*"command": "/, ""); sub(/",?$/, ""); name = $0; gsub(/ /, "_", name) }
	/"mean":/ { v = $2; sub(/,/, "", v); mean = v * 1000 }
	/"stddev":/ { v = $2; sub(/,/, "", v); sd = v * 1000 }
	/"median":/ { v = $2; sub(/,/, "", v); med = v * 1000 }
	/"min":/ { v = $2; sub(/,/, "", v); printf "%s %.3f %.3f %.3f %.3f\n", name, mean, med, sd, v * 1000 }
	' "$1"
}
