#!/bin/bash
# demo/demo.sh PREFIX: install an example snap on this machine and watch
# cordon's sandbox at work. Run as root after `make install`
# (`sudo make demo`). This uses the real system layout (/snap, /var/snap,
# /var/lib/cordon, /run/cordon), as a new user would.
#
# The demo snap stays installed afterwards so that you can try your own
# commands in it; the last lines say how to remove it.
set -uo pipefail

PREFIX=${1:-/usr/local}
CORDON=$PREFIX/bin/cordon
SNAP_NAME=cordon-demo
NOTE=/tmp/cordon-demo-note

# The real system, whatever the caller's shell has set for tests.
unset CORDON_ROOT CORDON_DATADIR CORDON_CONFINE CORDON_CGROUP_PARENT CORDON_DEVICE_CGROUP

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B= G= R= D= N=
fi
die() {
	echo "${R}error:${N} $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "run the demo as root: sudo make demo"
[ -x "$CORDON" ] || die "$CORDON not found: run 'sudo make install' first"

# Show a command as one would type it (arguments with spaces quoted).
shell_words() {
	local a out=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
			out+=" $a"
		elif [[ $a != *"'"* ]]; then
			out+=" '$a'"
		elif [[ $a != *[\"\$\`\\]* ]]; then
			out+=" \"$a\""
		else
			out+=" $(printf '%q' "$a")"
		fi
	done
	printf '%s' "${out# }"
}
heading() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
surprises=0

# run WHERE EXPECT DISPLAY -- COMMAND...: print the command as the user
# would type it, run it, indent its output, and check the outcome
# (EXPECT: ok = must succeed, fail = must fail, any).
run() {
	local where=$1 expect=$2 shown=$3
	shift 4
	printf '  %-15s %s$ %s%s\n' "$where" "$D" "$shown" "$N"
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ -n "$out" ]; then
		printf '%s\n' "$out" | sed 's/^/                    /'
	fi
	local verdict
	if [ "$rc" = 0 ]; then verdict="${G}succeeded${N}"; else verdict="${R}failed${N} (exit status $rc)"; fi
	printf '                    → %s\n' "$verdict"
	if { [ "$expect" = ok ] && [ "$rc" != 0 ]; } || { [ "$expect" = fail ] && [ "$rc" = 0 ]; }; then
		printf '                    %s(unexpected: this should have %s)%s\n' "$R" \
			"$([ "$expect" = ok ] && echo succeeded || echo been refused)" "$N"
		surprises=$((surprises + 1))
	fi
}
host() { # expect command...
	local expect=$1
	shift
	run "on the host:" "$expect" "$(shell_words "$@")" -- "$@"
}
sandbox() { # expect app command...
	local expect=$1 app=$2
	shift 2
	local label=$SNAP_NAME.$app
	[ "$app" = "$SNAP_NAME" ] && label=$SNAP_NAME
	run "in the sandbox:" "$expect" "$(shell_words cordon run "$label" "$@")" -- "$CORDON" run "$label" "$@"
}

# ---- the example snap: three small shell scripts using the host's tools ----
WORK=$(mktemp -d /tmp/cordon-demo.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
S=$WORK/$SNAP_NAME
mkdir -p "$S/meta" "$S/bin"
cat >"$S/meta/snap.yaml" <<EOF
name: $SNAP_NAME
version: '1.0'
summary: see cordon's sandbox at work
description: |
  Three tiny apps made of shell scripts: $SNAP_NAME (who am I?),
  $SNAP_NAME.sh (runs any command inside the sandbox) and $SNAP_NAME.peek
  (a second app of the same snap, looking at the snap's private /tmp).
apps:
  $SNAP_NAME:
    command: bin/whoami
  sh:
    command: bin/run
  peek:
    command: bin/peek
EOF
cat >"$S/bin/whoami" <<'EOF'
#!/bin/sh
# Everything printed here is seen from inside the sandbox.
label=$(sed -n 's|.*/\(snap\.[^/]*\)$|\1|p' /proc/self/cgroup | head -n 1)
echo "my security label (from /proc/self/cgroup): $label"
echo "my user id: $(id -u); my effective capabilities: $(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)"
echo "my environment:"
env | grep -E '^(SNAP[A-Z_]*|HOME|TMPDIR|XDG_RUNTIME_DIR)=' | sort | sed 's/^/  /'
EOF
cat >"$S/bin/run" <<'EOF'
#!/bin/sh
# Run the given command inside the sandbox of this app.
exec "$@"
EOF
cat >"$S/bin/peek" <<EOF
#!/bin/sh
# Another app of the same snap: does it see what the first one left in /tmp?
echo "I am \$(sed -n 's|.*/\(snap\.[^/]*\)\$|\1|p' /proc/self/cgroup | head -n 1); $NOTE says:"
cat $NOTE
EOF
chmod 0755 "$S/bin/"*

heading "cordon demo: installing the example snap \"$SNAP_NAME\""
say "Its apps are three small shell scripts (in $S/bin while this runs)."
built=$("$CORDON" pack "$S" "$WORK") || die "cordon pack failed"
pkg=$WORK/${built#built: }
say "$ cordon pack $SNAP_NAME          → ${pkg##*/}"
out=$("$CORDON" install --dangerous "$pkg" 2>&1) || die "cordon install failed: $out"
say "$ cordon install --dangerous ${pkg##*/}  → $out"
"$CORDON" list | grep -E "^(Name|$SNAP_NAME) " | sed 's/^/  /'

heading "1. Every app has an identity"
say "Each app runs under a security label, snap.<snap>.<app>, which names its cgroup;"
say "cordon sets the SNAP_* variables and gives the app its own HOME."
sandbox ok "$SNAP_NAME"

heading "2. Private files stay private"
say "You are root, yet inside the sandbox root has no capabilities and only the files"
say "the policy lists. Same command, outside and inside:"
host ok wc -l /etc/shadow
sandbox fail sh wc -l /etc/shadow

heading "3. Dangerous system calls are refused"
say "unshare (new namespaces) is not in the seccomp allowlist: the kernel refuses it with"
say "EPERM and logs the attempt (see it with: dmesg | grep type=1326)."
host ok unshare -U true
sandbox fail sh unshare -U true

heading "4. A private /tmp for each snap"
say "One app writes $NOTE inside the sandbox; the host's /tmp never sees it,"
say "but the snap's other apps do (all commands of a snap share one /tmp)."
[ -e "$NOTE" ] && say "(the host has a $NOTE of its own: it is not the one written below)"
sandbox ok sh sh -c "echo 'hello from $SNAP_NAME.sh' > $NOTE && ls -l $NOTE"
if [ -e "$NOTE" ]; then host any ls -l "$NOTE"; else host fail ls -l "$NOTE"; fi
sandbox ok peek
say "On the host it lives in a root-only directory: /run/cordon/tmp/$SNAP_NAME/tmp"
host ok ls -l "/run/cordon/tmp/$SNAP_NAME/tmp"

heading "5. Devices: only the harmless ones"
say "The device cgroup allows null, zero, full, random, urandom, tty, ptmx and pty slaves;"
say "opening any other device is refused (here /dev/kmsg, the kernel log) with EPERM,"
say "\"Operation not permitted\", before any file rule is even looked at."
sandbox ok sh sh -c 'echo hello > /dev/null && echo "wrote to /dev/null"'
host ok sh -c ': < /dev/kmsg && echo "opened /dev/kmsg"'
sandbox fail sh sh -c ': < /dev/kmsg && echo "opened /dev/kmsg"'

heading "Try it yourself"
C=cordon
[ "$(command -v cordon)" = "$CORDON" ] || C=$CORDON
say "  sudo $C run $SNAP_NAME.sh cat /etc/passwd   # allowed: a file libc reads"
say "  sudo $C run $SNAP_NAME.sh ls /home          # refused: not in the policy"
say "  $C interfaces                               # what else an app could be given"
say ""
say "The demo snap stays installed. Remove it with:"
say "  ${B}sudo $C remove $SNAP_NAME${N}"
if [ "$surprises" != 0 ]; then
	echo
	echo "${R}$surprises result(s) above were not what the sandbox should give: see 'cordon debug confinement'.${N}"
	"$CORDON" debug confinement | sed 's/^/  /'
	exit 1
fi
