#!/usr/bin/env bash
# Run the libFuzzer harnesses of tests/fuzz for a bounded time each.
#
#   tests/fuzz/run.sh BUILD SECONDS [HARNESS...]     (HARNESS: manifest definitions
#                                                     seccomp policy config snapctl
#                                                     denials;
#                                                     default: all)
#
# BUILD is a build directory configured with CC=clang and -Dfuzz=true, the
# harnesses already built (the Makefile's check-fuzz and fuzz targets do both).
# Under BUILD/fuzz/:
#   seeds/NAME/    made afresh from the tree at each run (tests/corpus, the bad
#                  manifests, data/; fuzz_seed for what is not a plain file)
#   corpus/NAME/   what the fuzzer found interesting; kept between runs, so
#                  each run starts where the last one stopped
#   crashes/       NAME-crash-*, NAME-leak-*, NAME-timeout-*, NAME-oom-*: the
#                  input that failed; reproduce with BUILD/tests/fuzz/fuzz_NAME FILE
#   NAME.log       libFuzzer's output
# Harnesses run FUZZ_JOBS at a time (default: the number of CPUs, at most 4).
# Exit 0 when no harness failed; otherwise 1, after naming each reproducer.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 BUILD SECONDS [HARNESS...]" >&2; exit 2; }
build=$(realpath "$1")
seconds=$2
shift 2
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(manifest definitions seccomp policy config snapctl denials)
src=$(realpath "$(dirname "$0")/../..")
out=$build/fuzz
bin=$build/tests/fuzz
jobs=${FUZZ_JOBS:-$(nproc)}
[ "$jobs" -le 4 ] || jobs=4

# ---- seeds, from the tree ----
rm -rf "$out/seeds"
mkdir -p "$out/crashes" "$out/seeds"/{manifest,definitions,seccomp,policy,config,snapctl,denials}
for h in manifest definitions seccomp policy config snapctl denials; do
	mkdir -p "$out/corpus/$h"
done
cp "$src"/tests/corpus/snapd-test-snaps/*.yaml "$out/seeds/manifest/"
if [ -d "$src/tests/manifest/bad" ]; then
	# one prefix, as some bad files share a name with a corpus snap
	for f in "$src"/tests/manifest/bad/*.yaml; do
		cp "$f" "$out/seeds/manifest/bad-$(basename "$f")"
	done
fi
cp "$src"/data/interfaces/*.yaml "$src/data/policy/default.yaml" "$out/seeds/definitions/"
"$bin/fuzz_seed" seccomp "$out/seeds/seccomp" "$src/data/seccomp/default.txt" \
	"$src"/data/interfaces/*.yaml "$src/data/policy/default.yaml"
"$bin/fuzz_seed" policy "$out/seeds/policy" "$src/data" \
	"$src"/tests/corpus/snapd-test-snaps/*.yaml
# a stored document, then `snap set` arguments
printf '%s\n' '{"a":{"b":1},"s":"x"}' 'a.c=[1,"two",null]' 's!' 'd={"e":1.50}' \
	>"$out/seeds/config/set"
printf '%s\n' '' 'a.b.c=1' 'a.b=2' 'x={"Bad":1}' 'k=<&>\u2028' >"$out/seeds/config/keys"
printf '%s' '[{"k":-1.0E+2,"u":"\ud83d\ude00"},18446744073709551615,true]' \
	>"$out/seeds/config/json"
"$bin/fuzz_seed" snapctl "$out/seeds/snapctl"
# a launch log, then a Landlock denial (kmsg and audit socket forms), a
# seccomp one, and a device refusal seen through --follow's audit rule
cat >"$out/seeds/denials/events" <<'SEED'
1000.100000000 42 1001 snap.foo.bar
1001.5 50
--
5,16,4426,-;audit: type=1423 audit(1000.250:7): domain=1a blockers=fs.read_file path="/etc/hostname" dev="tmpfs" ino=5
1424 audit(1000.250:7): domain=1a status=allocated mode=enforcing pid=42 uid=1001 exe="/usr/libexec/cordon/cordon-confine"
1300 audit(1000.250:7): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ff a2=80000 a3=0 items=1 ppid=1 pid=42 auid=4294967295 uid=1001 gid=1001 comm=70726F6265
1423 audit(1001.000:9): domain=1a blockers=net.connect_tcp daddr=127.0.0.1 dest=9
1326 audit(1002.000:10): auid=4294967295 uid=0 gid=0 pid=50 comm="probe" sig=0 arch=c000003e syscall=164 code=0x50000
1300 audit(1003.000:11): arch=c000003e syscall=257 success=no exit=-1 a0=ffffff9c a1=1 a2=80102 a3=0 pid=51 uid=0
1302 audit(1003.000:11): item=0 name="/dev/kmsg" inode=8 mode=020644 rdev=01:0b nametype=NORMAL
SEED

# ---- the runs ----
# Leaks are bugs here (every harness frees what it gets); UBSan reports abort
# (compiled with -fno-sanitize-recover), with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0}

run_one() {
	local h=$1 dir=$out/corpus/$h
	# libFuzzer keeps every input that was new when found; past a few
	# thousand, keep only those that still add coverage, so a run does not
	# spend its time reloading them.
	if [ "$(find "$dir" -type f | wc -l)" -gt 2000 ]; then
		rm -rf "$dir.new" && mkdir "$dir.new"
		"$bin/fuzz_$h" -merge=1 -timeout=10 "$dir.new" "$dir" >"$out/$h.merge.log" 2>&1 &&
			rm -rf "$dir" && mv "$dir.new" "$dir"
	fi
	# -timeout: one input taking 10 s is a finding (a parser must stay
	# linear); -rss_limit_mb: so is a parse that needs 2 GiB.
	"$bin/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -dict="$src/tests/fuzz/$h.dict" \
		-artifact_prefix="$out/crashes/$h-" \
		"$dir" "$out/seeds/$h" >"$out/$h.log" 2>&1
}

for h in "${harnesses[@]}"; do
	[ -x "$bin/fuzz_$h" ] || { echo "no harness $bin/fuzz_$h" >&2; exit 2; }
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	rm -f "$out/$h.rc"
	(
		rc=0
		run_one "$h" || rc=$?
		echo "$rc" >"$out/$h.rc"
	) &
done
wait

failed=0
for h in "${harnesses[@]}"; do
	log=$out/$h.log
	rc=$(cat "$out/$h.rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 || true)
	if [ "$rc" = 0 ]; then
		echo "fuzz_$h: ok, ${runs:-?} runs in ${seconds}s (${speed:-?}/s), ${cov:-no stats}"
		continue
	fi
	failed=1
	echo "fuzz_$h: FAILED (exit $rc); log: $log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_|.*runtime error)' "$log" | head -5 || true
	# libFuzzer names the file it wrote: "Test unit written to PATH"
	sed -n 's/.*Test unit written to \(.*\)$/  reproducer: \1/p' "$log"
	echo "  rerun: $bin/fuzz_$h REPRODUCER"
done
exit $failed
