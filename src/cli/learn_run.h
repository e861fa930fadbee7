/* `cordon run --learn SNAP.APP [ARGS...]`: the app run with its strict
 * sandbox's structure (its environment, the snap's namespace in a copy of
 * its own, its ids, no capability, no_new_privs) but none of its denials:
 * the launcher loads a seccomp filter that notifies instead
 * (runtime/learn_filter.h) and hands its listener to this process, which
 * records each file, socket and TCP call and lets it go on; the run is not
 * cut short by a refusal. Then the report: what the app touched outside
 * its compiled policy, the interfaces whose plugs would allow it
 * (compiler/learn_match.h), as a diff to the snap's meta/snap.yaml. */
#pragma once
#include "error.h"

/* Returns the app's status as a shell reports it, or a negative errno. */
int learn_run(const char *confine, const char *label, char *const app_argv[], char *const envp[],
	      cordon_error **err);
