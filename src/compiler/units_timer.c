/* snapd's timer schedules as systemd OnCalendar= events. A port of
 * timeutil.ParseSchedule (parsed form kept) and of
 * wrappers/internal/service_timer_gen.go's generateOnCalendarSchedules, line
 * for line where it matters, so a cordon timer fires when snapd's would. */
#include "units_timer.h"
#include "yaml_doc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MINUTE_NS (60LL * 1000000000LL)
#define HOUR_NS (60LL * MINUTE_NS)

enum { EVERY_WEEK = 0, LAST_WEEK = 5 };

typedef struct week {
	int wday;     /* 0 = Sunday, as Go's time.Weekday */
	unsigned pos; /* 1-5: the nth such weekday of the month (5: the last); 0: every */
} week;

typedef struct week_span {
	week start, end;
} week_span;

typedef struct clock {
	int hour, minute; /* hour 24 (only in 24:00) is the end of the day */
} clock;

typedef struct clock_span {
	clock start, end;
	unsigned split; /* "/N": N events over the span */
	bool spread;	/* "~": at a random time in the span */
} clock_span;

typedef struct schedule {
	week_span *weeks;
	size_t n_weeks;
	clock_span *clocks;
	size_t n_clocks;
} schedule;

static void schedule_clear(schedule *s)
{
	free(s->weeks);
	free(s->clocks);
	*s = (schedule){0};
}

static int parse_error(cordon_error **err, const char *what, const char *why)
{
	_cleanup_free_ char *q = ydoc_quoted(what);
	return cordon_err_msg(err, EINVAL, "cannot parse %s: %s", q, why);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* timeutil.ParseClock: ^([0-9]|0[0-9]|1[0-9]|2[0-3]):([0-5][0-9])$|^24:00$ */
static bool parse_clock(const char *s, size_t n, clock *c)
{
	if (n == 5 && memcmp(s, "24:00", 5) == 0) {
		*c = (clock){24, 0};
		return true;
	}
	size_t h;
	if (n == 4 && is_digit(s[0]) && s[1] == ':')
		h = 1;
	else if (n == 5 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':' &&
		 (s[0] == '0' || s[0] == '1' || (s[0] == '2' && s[1] <= '3')))
		h = 2;
	else
		return false;
	if (!(s[h + 1] >= '0' && s[h + 1] <= '5' && is_digit(s[h + 2])))
		return false;
	c->hour = h == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	c->minute = (s[h + 1] - '0') * 10 + (s[h + 2] - '0');
	return true;
}

/* timeutil.parseWeekday: sun..sat, optionally followed by a week 1-5. */
static bool parse_weekday(const char *s, size_t n, week *w)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	if (n != 3 && n != 4)
		return false;
	w->pos = EVERY_WEEK;
	if (n == 4) {
		if (s[3] < '1' || s[3] > '5')
			return false;
		w->pos = (unsigned)(s[3] - '0');
	}
	for (int d = 0; d < (int)ARRAY_SIZE(days); d++)
		if (memcmp(s, days[d], 3) == 0) {
			w->wday = d;
			return true;
		}
	return false;
}

static int parse_week_span(const char *frag, week_span *out, cordon_error **err)
{
	const char *dash = strchr(frag, '-');
	if (dash && strchr(dash + 1, '-'))
		return parse_error(err, frag, "invalid week span");
	size_t n1 = dash ? (size_t)(dash - frag) : strlen(frag);
	if (!parse_weekday(frag, n1, &out->start)) {
		_cleanup_free_ char *w = xstrndup(frag, n1);
		_cleanup_free_ char *qw = ydoc_quoted(w);
		_cleanup_free_ char *why = xasprintf("%s is not a valid weekday", qw);
		return parse_error(err, frag, why);
	}
	out->end = out->start;
	if (dash && !parse_weekday(dash + 1, strlen(dash + 1), &out->end)) {
		_cleanup_free_ char *qw = ydoc_quoted(dash + 1);
		_cleanup_free_ char *why = xasprintf("%s is not a valid weekday", qw);
		return parse_error(err, frag, why);
	}
	if (out->start.pos != EVERY_WEEK && out->end.pos != EVERY_WEEK) {
		if (out->end.pos < out->start.pos)
			return parse_error(err, frag, "unsupported schedule");
		/* The deprecated "mon1-tue2" is read as "mon1-tue", anchored at
		 * its start (snapd's own reduction). */
		if (out->start.wday != out->end.wday || out->start.pos != out->end.pos)
			out->end.pos = EVERY_WEEK;
	}
	return 0;
}

static int parse_clock_span(const char *frag, clock_span *out, cordon_error **err)
{
	*out = (clock_span){0};
	_cleanup_free_ char *rest = xstrdup(frag);
	char *slash = strchr(rest, '/');
	if (slash) {
		/* ParseUint(count, 10, 32), not 0; exactly one '/' */
		const char *c = slash + 1;
		bool ok = *c != '\0' && strchr(c, '/') == NULL && strlen(c) <= 10;
		for (const char *k = c; ok && *k; k++)
			ok = is_digit(*k);
		unsigned long long v = ok ? strtoull(c, NULL, 10) : 0;
		if (v == 0 || v > UINT32_MAX)
			return parse_error(err, frag, "not a valid interval");
		out->split = (unsigned)v;
		*slash = '\0';
	}
	char *tilde = strchr(rest, '~');
	if (tilde) {
		out->spread = true;
		*tilde = '-';
	}
	bool ok;
	char *dash = strchr(rest, '-');
	if (strcmp(rest, "-") == 0) {
		out->start = (clock){0, 0};
		out->end = (clock){24, 0};
		ok = true;
	} else if (dash) {
		ok = parse_clock(rest, (size_t)(dash - rest), &out->start) &&
		     parse_clock(dash + 1, strlen(dash + 1), &out->end);
	} else {
		ok = parse_clock(rest, strlen(rest), &out->start);
		out->end = out->start;
	}
	if (!ok)
		return parse_error(err, frag, "not a valid time");
	return 0;
}

/* eventset = wdaylist / timelist / wdaylist "," timelist */
static int parse_event_set(const char *set, schedule *s, cordon_error **err)
{
	bool expect_time = false;
	const char *p = set;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0)
			return parse_error(err, set, "not a valid fragment");
		_cleanup_free_ char *frag = xstrndup(p, n);
		int r;
		if (strchr(frag, ':')) {
			s->clocks = xreallocarray(s->clocks, s->n_clocks + 1, sizeof *s->clocks);
			r = parse_clock_span(frag, &s->clocks[s->n_clocks], err);
			s->n_clocks++;
			expect_time = true;
		} else if (!expect_time) {
			s->weeks = xreallocarray(s->weeks, s->n_weeks + 1, sizeof *s->weeks);
			r = parse_week_span(frag, &s->weeks[s->n_weeks], err);
			s->n_weeks++;
		} else {
			r = parse_error(err, frag, "invalid schedule fragment");
		}
		if (r < 0)
			return r;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* ---- clock arithmetic, as timeutil.Clock ---- */

static int64_t clock_ns(clock c)
{
	return c.hour * HOUR_NS + c.minute * MINUTE_NS;
}

/* Clock.Sub: a span that wraps midnight comes out negative. */
static int64_t clock_sub(clock t, clock other)
{
	int64_t d = clock_ns(t) - clock_ns(other);
	if (d < 0)
		d = -(d + 24 * HOUR_NS);
	return d;
}

/* Clock.Add: truncated to the minute, wrapped at 24h. */
static clock clock_add(clock t, int64_t d)
{
	int64_t t2 = clock_ns(t) + d;
	return (clock){(int)((t2 / HOUR_NS) % 24), (int)((t2 / MINUTE_NS) % 60)};
}

/* ClockSpan.ClockSpans: "/N" cut into N spans of equal length. */
static size_t expand_clock_span(const clock_span *ts, clock_span **out)
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
		clock start = clock_add(ts->start, (int64_t)i * step);
		(*out)[i] = (clock_span){start, clock_add(start, step), 0, ts->spread};
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
static void week_span_days(const week_span *ws, strv *days)
{
	_cleanup_buf_ buf abbrev = {0};
	abbrev_weekdays(&abbrev, ws->start.wday, ws->end.wday);
	if (ws->start.pos == EVERY_WEEK && ws->end.pos == EVERY_WEEK) {
		strv_push_own(days, xasprintf("%s *-*-*", abbrev.p));
		return;
	}
	bool anchored_at_start = ws->start.pos != EVERY_WEEK;
	unsigned pos = anchored_at_start ? ws->start.pos : ws->end.pos;
	unsigned start_day = (pos - 1) * 7 + 1, end_day = pos * 7;
	bool single = ws->start.wday == ws->end.wday && ws->start.pos == ws->end.pos;
	if (single) {
		/* The last week of a month is 22-28 in a February, up to 25-31. */
		_cleanup_free_ char *r =
		    pos == LAST_WEEK ? days_range(22, 31) : days_range(start_day, end_day);
		strv_push_own(days, xasprintf("%s *-*-%s", abbrev.p, r));
		return;
	}
	if (anchored_at_start) {
		/* A span starting in week 4 or the last week may run into days
		 * 29-31 and the first week of the next month; an earlier one
		 * into the week after. */
		if (pos == LAST_WEEK || pos == 4) {
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
	if (pos == LAST_WEEK)
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

static void schedule_events(const schedule *s, uint64_t seed, uint64_t *counter, strv *out)
{
	_cleanup_strv_ strv days = {0};
	for (size_t i = 0; i < s->n_weeks; i++)
		week_span_days(&s->weeks[i], &days);
	if (days.n == 0)
		strv_push(&days, "*-*-*"); /* no weekday: every day */

	_cleanup_strv_ strv times = {0};
	for (size_t i = 0; i < s->n_clocks; i++) {
		_cleanup_free_ clock_span *spans = NULL;
		size_t n = expand_clock_span(&s->clocks[i], &spans);
		for (size_t k = 0; k < n; k++) {
			clock when = spans[k].start;
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
	/* eventlist = eventset *( ",," eventset ): parse all, then write, so a
	 * bad schedule adds nothing to OUT */
	schedule *scheds = NULL;
	size_t n = 0;
	int r = 0;
	for (const char *p = spec;;) {
		const char *sep = strstr(p, ",,");
		_cleanup_free_ char *set = sep ? xstrndup(p, (size_t)(sep - p)) : xstrdup(p);
		scheds = xreallocarray(scheds, n + 1, sizeof *scheds);
		scheds[n] = (schedule){0};
		r = parse_event_set(set, &scheds[n++], err);
		if (r < 0 || !sep)
			break;
		p = sep + 2;
	}
	uint64_t counter = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		schedule_events(&scheds[i], seed, &counter, out);
	for (size_t i = 0; i < n; i++)
		schedule_clear(&scheds[i]);
	free(scheds);
	return r;
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
