/* The launcher invoked by name: a /snap/bin entry is a symlink to
 * cordon-confine named after the app it runs (as snapd's entries all point
 * at /usr/bin/snap), so the shell's one exec reaches the launcher directly.
 * The name is the caller's to choose (argv[0] is whatever execve was given),
 * so it is read as untrusted input: only a name of the exact shape of an
 * entry maps to a label, and the policy lookup then refuses a label that is
 * not installed. Pure: unit-tested (tests/unit/test_invocation.c). */
#pragma once
#include "error.h"

#include <stdbool.h>

/* The launcher's own name: invoked under it, argv[1] is the label. */
#define CORDON_LAUNCHER_NAME "cordon-confine"

/* The longest name taken (a snap instance name is at most 51 bytes and an
 * app name at most 40: anything this long is no entry). */
#define CORDON_INVOCATION_NAME_MAX 256

/* The last component of argv[0] (what follows its last '/'; "" for NULL). */
const char *cordon_invocation_base(const char *argv0);

/* Is `name` the launcher's own name? */
bool cordon_invocation_is_launcher(const char *name);

/* The label an entry's name stands for: "<instance>.<app>" ->
 * "snap.<instance>.<app>", "<instance>" -> "snap.<instance>.<snap>" (the
 * app named after the snap; <snap> is the instance name without its
 * "_<key>"). An instance name is a snap name ([a-z0-9-], 2 to 40 bytes, a
 * letter, no leading, trailing or doubled '-') with an optional "_<key>"
 * ([a-z0-9], 1 to 10 bytes); an app name is [a-zA-Z0-9-], no leading,
 * trailing or doubled '-'. Anything else (empty, a '/', "..", another dot,
 * over CORDON_INVOCATION_NAME_MAX bytes) is -EINVAL with the reason in
 * *err. *label is malloc'd. */
int cordon_invocation_label(const char *name, char **label, cordon_error **err);
