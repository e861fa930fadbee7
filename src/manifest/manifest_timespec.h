/* Time syntax in snap.yaml (manifest_timespec.c): durations and timers,
 * checked as snapd checks them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Go's time.ParseDuration. Returns false with *why set (caller frees) on error. */
bool cordon_parse_duration(const char *s, int64_t *ns, char **why);

/* A schedule in snapd's "v2" timer syntax, as timeutil.ParseSchedule reads
 * it: ",,"-separated event sets, each a list of week spans ("mon-fri",
 * "mon1", "fri5" for the last Friday) then of clock spans ("9:00",
 * "9:00-11:00", "9:00~11:00" spread, "9:00-11:00/4" split). */
enum { CORDON_EVERY_WEEK = 0, CORDON_LAST_WEEK = 5 };

typedef struct cordon_week {
	int wday;     /* 0 = Sunday, as Go's time.Weekday */
	unsigned pos; /* 1-5: the nth such weekday of the month (5: the last); 0: every */
} cordon_week;

typedef struct cordon_week_span {
	cordon_week start, end;
} cordon_week_span;

typedef struct cordon_clock {
	int hour, minute; /* hour 24 (only in 24:00) is the end of the day */
} cordon_clock;

typedef struct cordon_clock_span {
	cordon_clock start, end; /* "9:00" alone: start == end; "-": 0:00-24:00 */
	unsigned split;		 /* "/N": N events over the span; 0: not split */
	bool spread;		 /* "~": at a random time in the span */
} cordon_clock_span;

typedef struct cordon_event_set {
	cordon_week_span *weeks; /* none: every day */
	size_t n_weeks;
	cordon_clock_span *clocks;
	size_t n_clocks;
} cordon_event_set;

typedef struct cordon_schedule {
	cordon_event_set *sets;
	size_t n_sets;
} cordon_schedule;

/* snapd's timeutil.ParseSchedule of S into *OUT (cleared first; free with
 * cordon_schedule_clear). Returns false with *why set (caller frees) to
 * snapd's wording ("cannot parse \"x\": ...") and *OUT empty on error. */
bool cordon_schedule_parse(const char *s, cordon_schedule *out, char **why);
void cordon_schedule_clear(cordon_schedule *s);
