/* A timer: schedule as systemd OnCalendar= events, exactly as snapd writes
 * them in its .timer units (wrappers/internal/service_timer_gen.go,
 * generateOnCalendarSchedules, over timeutil.ParseSchedule). Pure code.
 *
 * The schedule is parsed by manifest/manifest_timespec.c, the parser the
 * snap.yaml validator uses, so both refuse the same schedules in the same
 * (snapd's) words. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdint.h>

/* The OnCalendar= values of schedule SPEC (snapd's "v2" timer syntax), in
 * snapd's order, appended to OUT. A spread span ("9:00~11:00") starts at an
 * offset in its window that snapd draws at random each time it writes the
 * unit; here it is drawn from SEED (hashed with the span's position), so the
 * same seed gives the same unit text: give a per-machine seed to spread a
 * fleet, the same one again to regenerate a unit unchanged. -EINVAL with
 * snapd's message ("cannot parse \"x\": ...") when SPEC is not a schedule. */
int cordon_timer_oncalendar(const char *spec, uint64_t seed, strv *out, cordon_error **err);

/* Go's time.Duration.String() of NS ("30s", "10m0s", "1.5s", "1µs"): the
 * form snapd writes durations in, which systemd reads (systemd.time(7)).
 * Caller frees. */
char *cordon_go_duration(int64_t ns);
