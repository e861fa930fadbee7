/* The AppArmor profile of a label, generated from its compiled policy so the
 * two say the same thing: written at install, loaded with apparmor_parser where
 * the kernel has AppArmor, entered at exec by the launcher. Pure. */
#pragma once
#include "policy.h"

/* snippets: the AppArmor text of the default policy and connected interfaces,
 * already indented. Returns the whole profile. */
char *cordon_apparmor_profile(const cordon_policy *p, const char *snippets);
