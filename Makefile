# cordon: the front door. `sudo make demo` and `sudo make check` are all a new
# user needs on a fresh Debian machine (both install missing packages first).
PREFIX ?= /usr/local
BUILD ?= build
# The test build: fault injection on, installed under a fixed prefix the
# tests create and remove (the launcher refuses to run from anywhere else).
TEST_BUILD ?= build-test
TEST_PREFIX ?= /run/cordon-check/prefix
TEST_ROOT ?= /run/cordon-check/root
ASAN_BUILD ?= build-asan
# The fuzzers (tests/fuzz): clang, libFuzzer, ASan+UBSan. check-fuzz runs each
# harness FUZZ_CHECK_SECONDS, `make fuzz` FUZZ_SECONDS (FUZZ_SECONDS=3600 make fuzz).
FUZZ_BUILD ?= build-fuzz
FUZZ_CHECK_SECONDS ?= 20
FUZZ_SECONDS ?= 600

BUILD_DEPS := gcc libc6-dev pkg-config meson ninja-build libyaml-dev libsqlite3-dev libseccomp-dev \
	libjson-c-dev
# xdg-dbus-proxy: the filter between a confined app and the system bus
# (README, "D-Bus")
RUN_DEPS := squashfs-tools xdg-dbus-proxy
# python3-gi: the D-Bus client the tests' snaps own names and call with
TEST_DEPS := python3 apparmor passwd util-linux clang-format strace systemd-container python3-gi \
	desktop-file-utils busybox-static
BENCH_DEPS := hyperfine bubblewrap firejail strace time
# libclang-rt-dev holds libFuzzer's runtime (libclang_rt.fuzzer-x86_64.a);
# llvm, llvm-symbolizer (stacks by name, and tests/fuzz/lsan.supp matches names)
FUZZ_DEPS := clang libclang-rt-dev llvm

# mandoc: the man pages' lint (check-man)
TEST_DEPS += mandoc

.PHONY: all deps install uninstall check check-static check-format check-layers check-unit \
	check-asan check-integration check-fuzz check-full check-man \
	fuzz fuzz-build demo bench bench-scale bench-floor bench-services clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@tools/install-deps.sh $(BUILD_DEPS) $(RUN_DEPS)

$(BUILD)/build.ninja:
	@tools/install-deps.sh $(BUILD_DEPS)
	meson setup $(BUILD) --prefix=$(PREFIX) -Db_pie=true

install: all
	meson install -C $(BUILD) --no-rebuild

uninstall:
	rm -f $(PREFIX)/bin/cordon $(PREFIX)/bin/snapctl
	rm -rf $(PREFIX)/libexec/cordon $(PREFIX)/share/cordon
	rm -f $(PREFIX)/share/man/man1/cordon.1 $(PREFIX)/share/man/man8/cordon-confine.8
	rm -f $(PREFIX)/share/bash-completion/completions/cordon
	rm -f /etc/dbus-1/system.d/cordon.system-services.conf

$(TEST_BUILD)/build.ninja:
	meson setup $(TEST_BUILD) --prefix=$(TEST_PREFIX) -Dfault_injection=true \
		-Dsystem_root=$(TEST_ROOT) -Dcgroup_parent=cordon-test-check

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

check: deps
	@tools/install-deps.sh $(TEST_DEPS) $(FUZZ_DEPS)
	$(MAKE) check-static check-unit check-asan check-integration check-fuzz

# The tree as HACKING.md describes it: formatted as .clang-format says, and
# the include graph of src/ without a cycle or an include to a higher layer
# (tools/layers.py; `python3 tools/layers.py --dot` draws it). SQL outside
# src/state/ is a unit test (tools/check-sql.py).
check-static: check-format check-layers check-man

check-format:
	tools/check-format.sh

check-layers:
	python3 tools/layers.py

# cordon(1) and cordon-confine(8) (data/man/): mandoc's lint, failing on any
# warning or error (its style notes, such as a page it cannot find
# installed, are not counted)
check-man:
	mandoc -T lint -W warning data/man/cordon.1 data/man/cordon-confine.8

check-unit: $(TEST_BUILD)/build.ninja
	ninja -C $(TEST_BUILD)
	meson test -C $(TEST_BUILD) --suite unit --print-errorlogs

check-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --suite unit --print-errorlogs

check-integration: $(TEST_BUILD)/build.ninja
	ninja -C $(TEST_BUILD)
	meson test -C $(TEST_BUILD) --suite root --print-errorlogs --timeout-multiplier 4
	python3 tests/integration/run.py --build $(TEST_BUILD) --prefix $(TEST_PREFIX) \
		--system-root $(TEST_ROOT)

# Issue 15: the kill-point sweep at every point (make check runs a sample of
# them, tests/integration/test_killpoints.py says which) and a longer run of
# the concurrency test; CORDON_SWEEP_LOG=FILE keeps one JSON line per point.
CONCURRENCY_SECONDS ?= 300
check-full: $(TEST_BUILD)/build.ninja
	@tools/install-deps.sh $(TEST_DEPS)
	ninja -C $(TEST_BUILD)
	CORDON_SWEEP=full CORDON_CONCURRENCY_SECONDS=$(CONCURRENCY_SECONDS) \
		python3 tests/integration/run.py --build $(TEST_BUILD) --prefix $(TEST_PREFIX) \
		--system-root $(TEST_ROOT) test_killpoints test_concurrency

$(FUZZ_BUILD)/build.ninja:
	@tools/install-deps.sh $(BUILD_DEPS) $(FUZZ_DEPS)
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true

fuzz-build: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) tests/fuzz/fuzz_manifest tests/fuzz/fuzz_definitions \
		tests/fuzz/fuzz_seccomp tests/fuzz/fuzz_policy tests/fuzz/fuzz_config \
		tests/fuzz/fuzz_snapctl tests/fuzz/fuzz_denials tests/fuzz/fuzz_seed

# A crash, leak, timeout or sanitizer report fails the target; the input is
# left in $(FUZZ_BUILD)/fuzz/crashes/ and its path printed.
check-fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_CHECK_SECONDS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

demo: deps install
	demo/demo.sh "$(PREFIX)"

bench: deps install
	@tools/install-deps.sh $(BENCH_DEPS)
	bench/run.sh "$(PREFIX)"
	bench/scale.sh "$(PREFIX)"

bench-scale: deps install
	@tools/install-deps.sh $(BENCH_DEPS)
	bench/scale.sh "$(PREFIX)"

# Issue 13: the floor of a launch, step by step (bench/floor-results.md).
bench-floor: deps install
	@tools/install-deps.sh $(BENCH_DEPS)
	bench/floor.sh "$(PREFIX)"

# Issue 10: a snap with 10 daemons installed under a real systemd (a
# container, tests/integration/systemdlib.py), with the test build, whose
# compiled system root the services' launcher reads.
bench-services: $(TEST_BUILD)/build.ninja
	@tools/install-deps.sh $(TEST_DEPS)
	ninja -C $(TEST_BUILD)
	python3 bench/services.py --build $(TEST_BUILD) --prefix $(TEST_PREFIX) \
		--system-root $(TEST_ROOT)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
