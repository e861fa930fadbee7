/* Time syntax in snap.yaml (manifest_timespec.c): durations and timers,
 * checked as snapd checks them. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Go's time.ParseDuration. Returns false with *why set (caller frees) on error. */
bool cordon_parse_duration(const char *s, int64_t *ns, char **why);
/* snapd's timeutil.ParseSchedule (the v2 timer syntax). Same error contract. */
bool cordon_parse_schedule(const char *s, char **why);
