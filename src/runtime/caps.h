/* Capabilities of the confined command (step 7).
 *
 * A command run by root keeps uid 0 but only the capabilities its policy
 * keeps (p->caps_keep, none by default), before and after exec. A command run
 * by another user has none to begin with; nothing here gives any. */
#pragma once
#include "error.h"

#include <stdint.h>

/* Bit n of a capability mask is capability n (CAP_CHOWN = bit 0). */
#define CORDON_CAP(n) (UINT64_C(1) << (n))

/* The highest capability the running kernel knows. */
int cordon_caps_last_cap(cordon_error **err);

/* Reduce the calling process to `keep`:
 *  - bounding set: every capability not in `keep` dropped (no exec, setuid
 *    binary or file capability can bring one back);
 *  - permitted, effective, inheritable: exactly keep ∩ what the caller had;
 *  - ambient: exactly the same set, so that the kept capabilities survive the
 *    exec of an ordinary binary (and nothing else does);
 *  - securebits locked so that uid 0 is not special at exec (see caps.c);
 *  - RLIMIT_NICE lowered so that the nice value can be raised but never
 *    lowered below the caller's (CAP_SYS_NICE is gone too).
 *
 * Needs CAP_SETPCAP when any uid is 0. A caller without it and without uid 0
 * (the launcher after switching to the invoking user) gets no_new_privs, an
 * empty ambient set and no permitted capability outside `keep`; its bounding
 * set cannot change and, with no_new_privs, does not matter.
 *
 * Call it last among the privileged steps, single-threaded (capabilities are
 * per thread), right before exec. */
int cordon_caps_drop(uint64_t keep, cordon_error **err);
