/* snapd's timer schedules as systemd OnCalendar= events: a port of
 * wrappers/internal/service_timer_gen.go's generateOnCalendarSchedules over
 * the parsed form of manifest/manifest_timespec.c (timeutil.ParseSchedule),
 * line for line where it matters, so a cordon timer fires when snapd's would. */
#include "units_timer.h"
#include "manifest_timespec.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MINUTE_NS (60LL * 1000000000LL)
#define HOUR_NS (60LL * MINUTE_NS)

/* ---- clock arithmetic, as timeutil.Clock ---- */

static int64_t clock_ns(cordon_clock c)
{
	return c.hour * HOUR_NS + c.minute * MINUTE_NS;
}

/* Clock.Sub: a span that wraps midnight comes out negative. */
static int64_t clock_sub(cordon_clock t, cordon_clock other)
{
	int64_t d = clock_ns(t) - clock_ns(other);
	if (d < 0)
		d = -(d + 24 * HOUR_NS);
	return d;
}

/* Clock.Add: truncated to the minute, wrapped at 24h. */
static cordon_clock clock_add(cordon_clock t, int64_t d)
{
	int64_t t2 = clock_ns(t) + d;
	return (cordon_clock){(int)((t2 / HOUR_NS) % 24), (int)((t2 / MINUTE_NS) % 60)};
}

/* ClockSpan.ClockSpans: "/N" cut into N spans of equal length. */
static size_t expand_clock_span(const cordon_clock_span *ts, cordon_clock_span **out)
{
	bool equal = ts->start.hour == ts->end.hour && ts->start.minute == ts->end.minute;
	if (ts->split <= 1 || equal) {
		*out = xmalloc(sizeof **out);
		**out = *ts;
		return 1;
	}
	int64_t span = clock_sub(ts->end, ts->start);
	if (span < 0)
		span = -span;
	int64_t step = span / ts->split;
	*out = xcalloc(ts->split, sizeof **out);
	for (unsigned i = 0; i < ts->split; i++) {
		cordon_clock start = clock_add(ts->start, (int64_t)i * step);
		(*out)[i] = (cordon_clock_span){start, clock_add(start, step), 0, ts->spread};
	}
	return ts->split;
}

/* ---- OnCalendar ---- */

static const char *const wday_abbrev[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* "Mon,Tue,Wed" from start to end, wrapping over Sunday. snapd's loop
 * (makeAbbrevWeekdays) never ends when the span ends on a Saturday and is
 * empty for sat-fri; here both list the days the span names. */
static void abbrev_weekdays(buf *b, int start, int end)
{
	for (int w = start;; w = (w + 1) % 7) {
		if (w != start)
			buf_addc(b, ',');
		buf_adds(b, wday_abbrev[w]);
		if (w == end)
			break;
	}
}

/* "1,2,3": old systemd (229, in 16.04) reads no x..y ranges. */
static char *days_range(unsigned start, unsigned end)
{
	_cleanup_buf_ buf b = {0};
	for (unsigned i = start; i <= end; i++)
		buf_printf(&b, i < end ? "%u," : "%u", i);
	return buf_steal(&b);
}

static void push_days(strv *days, unsigned start, unsigned end)
{
	_cleanup_free_ char *r = days_range(start, end);
	strv_push_own(days, xasprintf("*-*-%s", r));
}

/* One week span's day filters. A span with week numbers ("mon1-tue")
 * cannot be said in OnCalendar: these filters fire on a superset of its
 * days (snapd's `snap run --timer` then checks the real schedule). */
static void week_span_days(const cordon_week_span *ws, strv *days)
{
	_cleanup_buf_ buf abbrev = {0};
	abbrev_weekdays(&abbrev, ws->start.wday, ws->end.wday);
	if (ws->start.pos == CORDON_EVERY_WEEK && ws->end.pos == CORDON_EVERY_WEEK) {
		strv_push_own(days, xasprintf("%s *-*-*", abbrev.p));
		return;
	}
	bool anchored_at_start = ws->start.pos != CORDON_EVERY_WEEK;
	unsigned pos = anchored_at_start ? ws->start.pos : ws->end.pos;
	unsigned start_day = (pos - 1) * 7 + 1, end_day = pos * 7;
	bool single = ws->start.wday == ws->end.wday && ws->start.pos == ws->end.pos;
	if (single) {
		/* The last week of a month is 22-28 in a February, up to 25-31. */
		_cleanup_free_ char *r =
		    pos == CORDON_LAST_WEEK ? days_range(22, 31) : days_range(start_day, end_day);
		strv_push_own(days, xasprintf("%s *-*-%s", abbrev.p, r));
		return;
	}
	if (anchored_at_start) {
		/* A span starting in week 4 or the last week may run into days
		 * 29-31 and the first week of the next month; an earlier one
		 * into the week after. */
		if (pos == CORDON_LAST_WEEK || pos == 4) {
			push_days(days, 29, 31);
			push_days(days, 1, 7);
		} else {
			push_days(days, start_day + 7, end_day + 7);
		}
		if (start_day < 28)
			push_days(days, start_day, end_day);
		else
			push_days(days, start_day - 7, end_day - 7);
		return;
	}
	/* Anchored at its end: it may start in the week before. */
	if (pos == CORDON_LAST_WEEK)
		push_days(days, 29, 31);
	else if (pos == 1)
		push_days(days, 22, 31);
	else
		push_days(days, start_day - 7, end_day - 7);
	if (end_day < 28)
		push_days(days, start_day, end_day);
	else
		push_days(days, start_day - 7, end_day - 7);
}

/* A draw in [0, n) from the seed and the event's position (snapd:
 * randutil.RandomDuration, which panics on an empty window; here 0). */
static int64_t draw(uint64_t seed, uint64_t counter, int64_t n)
{
	if (n <= 0)
		return 0;
	uint64_t h = hash64(&counter, sizeof counter, seed);
	/* splitmix64's finalizer: FNV's low bits are weak on short input */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (int64_t)(h % (uint64_t)n);
}

static void schedule_events(const cordon_event_set *s, uint64_t seed, uint64_t *counter, strv *out)
{
	_cleanup_strv_ strv days = {0};
	for (size_t i = 0; i < s->n_weeks; i++)
		week_span_days(&s->weeks[i], &days);
	if (days.n == 0)
		strv_push(&days, "*-*-*"); /* no weekday: every day */

	_cleanup_strv_ strv times = {0};
	for (size_t i = 0; i < s->n_clocks; i++) {
		_cleanup_free_ cordon_clock_span *spans = NULL;
		size_t n = expand_clock_span(&s->clocks[i], &spans);
		for (size_t k = 0; k < n; k++) {
			cordon_clock when = spans[k].start;
			if (spans[k].spread) {
				int64_t len = clock_sub(spans[k].end, spans[k].start);
				if (len < 0)
					len = -len; /* 00:00.Sub(23:45) */
				/* as timeutil.Next: keep the last 5 minutes free so
				 * that events are not back to back */
				if (len > 5 * MINUTE_NS)
					len -= 5 * MINUTE_NS;
				when = clock_add(when, draw(seed, (*counter)++, len));
			}
			if (when.hour == 24)
				when.hour = 0; /* our end of the day, systemd's 00:00 */
			strv_push_own(&times, xasprintf("%02d:%02d", when.hour, when.minute));
		}
	}
	for (size_t d = 0; d < days.n; d++) {
		if (times.n == 0)
			strv_push(out, days.v[d]);
		for (size_t t = 0; t < times.n; t++)
			strv_push_own(out, xasprintf("%s %s", days.v[d], times.v[t]));
	}
}

int cordon_timer_oncalendar(const char *spec, uint64_t seed, strv *out, cordon_error **err)
{
	_cleanup_free_ char *why = NULL;
	cordon_schedule sched;
	if (!cordon_schedule_parse(spec, &sched, &why))
		return cordon_err_msg(err, EINVAL, "%s", why);
	uint64_t counter = 0;
	for (size_t i = 0; i < sched.n_sets; i++)
		schedule_events(&sched.sets[i], seed, &counter, out);
	cordon_schedule_clear(&sched);
	return 0;
}

/* ---- Go's time.Duration.String ---- */

/* fmtFrac: the PREC digits of V after the point, trailing zeros dropped. */
static size_t fmt_frac(char *out, size_t w, uint64_t *v, int prec)
{
	bool print = false;
	for (int i = 0; i < prec; i++) {
		unsigned digit = (unsigned)(*v % 10);
		print = print || digit != 0;
		if (print)
			out[--w] = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		out[--w] = '.';
	return w;
}

static size_t fmt_int(char *out, size_t w, uint64_t v)
{
	if (v == 0)
		out[--w] = '0';
	for (; v > 0; v /= 10)
		out[--w] = (char)('0' + v % 10);
	return w;
}

char *cordon_go_duration(int64_t ns)
{
	char out[32];
	size_t w = sizeof out;
	bool neg = ns < 0;
	uint64_t u = neg ? -(uint64_t)ns : (uint64_t)ns;
	if (u < 1000000000ULL) {
		int prec;
		out[--w] = 's';
		if (u == 0)
			return xstrdup("0s");
		if (u < 1000ULL) {
			prec = 0;
			out[--w] = 'n';
		} else if (u < 1000000ULL) {
			prec = 3;
			w -= 2;
			memcpy(out + w, "\xc2\xb5", 2); /* U+00B5, as Go writes it */
		} else {
			prec = 6;
			out[--w] = 'm';
		}
		w = fmt_frac(out, w, &u, prec);
		w = fmt_int(out, w, u);
	} else {
		out[--w] = 's';
		w = fmt_frac(out, w, &u, 9);
		w = fmt_int(out, w, u % 60);
		u /= 60;
		if (u > 0) {
			out[--w] = 'm';
			w = fmt_int(out, w, u % 60);
			u /= 60;
			if (u > 0) {
				out[--w] = 'h';
				w = fmt_int(out, w, u);
			}
		}
	}
	if (neg)
		out[--w] = '-';
	return xstrndup(out + w, sizeof out - w);
}
