/* What the service commands print (src/cli/svc_format.c): snapd's Notes
 * column, snap.JoinSnapApp, and `snap logs` lines made of `journalctl -o
 * json` entries. */
#include "check.h"
#include "util.h"

#include "../../src/cli/svc_format.h"
#include "service_ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

static void check_notes(const cordon_app *a, const char *want)
{
	char *s = cordon_svc_notes(a);
	CHECK_STR(s, want);
	free(s);
}

static void test_notes(void)
{
	cordon_socket sock = {0};
	cordon_app a = {.name = "baz", .daemon = "simple"};
	check_notes(&a, "-");
	a.daemon_scope = "system";
	check_notes(&a, "-");
	a.daemon_scope = "user";
	check_notes(&a, "user");
	a.timer = "00:00-24:00/24";
	check_notes(&a, "user,timer-activated");
	a.daemon_scope = NULL;
	a.sockets = &sock;
	a.n_sockets = 1;
	check_notes(&a, "timer-activated,socket-activated");
	strv_push(&a.activates, "dbus-slot");
	a.daemon_scope = "user";
	check_notes(&a, "user,timer-activated,socket-activated,dbus-activated");
	a.timer = NULL;
	a.n_sockets = 0;
	a.daemon_scope = NULL;
	check_notes(&a, "dbus-activated");
	strv_free(&a.activates);
}

static void test_join(void)
{
	char *s = svc_join_snap_app("foo", "baz");
	CHECK_STR(s, "foo.baz");
	free(s);
	s = svc_join_snap_app("foo", "foo");
	CHECK_STR(s, "foo");
	free(s);
}

/* One entry formatted, in UTC (--abs-time) or local time. */
static void check_line(const char *json, bool utc, const char *want)
{
	buf b = {0};
	int r = svc_journal_line(json, strlen(json), utc, &b);
	CHECK_INT(r, 0);
	CHECK_STR(b.p ? b.p : "", want);
	buf_free(&b);
}

static void test_journal(void)
{
	/* what journalctl -o json prints (systemd 252), abridged */
	const char *e = "{\"__CURSOR\":\"s=1;i=2\",\"__REALTIME_TIMESTAMP\":\"1700000000123456\","
			"\"__MONOTONIC_TIMESTAMP\":\"5\",\"_BOOT_ID\":\"x\","
			"\"SYSLOG_IDENTIFIER\":\"foo.baz\",\"_PID\":\"4242\","
			"\"MESSAGE\":\"baz is up\"}\n";
	check_line(e, true, "2023-11-14T22:13:20Z foo.baz[4242]: baz is up");
	/* local time: Go's RFC3339, the offset with a colon, Z for zero */
	setenv("TZ", "XST-2", 1);
	tzset();
	check_line(e, false, "2023-11-15T00:13:20+02:00 foo.baz[4242]: baz is up");
	setenv("TZ", "YST+5:30", 1);
	tzset();
	check_line(e, false, "2023-11-14T16:43:20-05:30 foo.baz[4242]: baz is up");
	setenv("TZ", "UTC0", 1);
	tzset();
	check_line(e, false, "2023-11-14T22:13:20Z foo.baz[4242]: baz is up");
	/* systemd's own lines about the unit */
	check_line("{\"__REALTIME_TIMESTAMP\":\"0\",\"MESSAGE\":\"Started x.\","
		   "\"SYSLOG_IDENTIFIER\":\"systemd\",\"_PID\":\"1\"}",
		   true, "1970-01-01T00:00:00Z systemd[1]: Started x.");
	/* escapes, \u with a surrogate pair; a byte array (not UTF-8) */
	check_line("{\"MESSAGE\":\"a\\\"b\\\\c\\td\\u00e9\\ud83d\\ude00\\/\","
		   "\"__REALTIME_TIMESTAMP\":\"1000000\"}",
		   true, "1970-01-01T00:00:01Z -[-]: a\"b\\c\tdé😀/");
	check_line("{\"MESSAGE\":[104,105,255],\"_PID\":\"7\",\"SYSLOG_IDENTIFIER\":[102]}", true,
		   "0001-01-01T00:00:00Z f[7]: hi\xff");
	/* several values: MESSAGE joined, SID and PID none (snapd); the PID
	 * from SYSLOG_PID when _PID is missing */
	check_line("{\"MESSAGE\":[\"one\",[116,119,111]],\"SYSLOG_IDENTIFIER\":[\"a\",\"b\"],"
		   "\"SYSLOG_PID\":\"9\",\"__REALTIME_TIMESTAMP\":\"1000000\"}",
		   true, "1970-01-01T00:00:01Z -[9]: one\ntwo");
	/* null: too long for journalctl without --all; missing */
	check_line("{\"MESSAGE\":null,\"__REALTIME_TIMESTAMP\":\"1000000\"}", true,
		   "1970-01-01T00:00:01Z -[-]: - (error decoding original message: message key "
		   "\"MESSAGE\" truncated)");
	check_line("{ \"__REALTIME_TIMESTAMP\" : \"1000000\" , \"X\" : [ ] , \"N\" : 3 }", true,
		   "1970-01-01T00:00:01Z -[-]: -");
	check_line("{}", true, "0001-01-01T00:00:00Z -[-]: -");
	/* the first of a repeated key counts */
	check_line("{\"MESSAGE\":\"a\",\"MESSAGE\":\"b\"}", true, "0001-01-01T00:00:00Z -[-]: a");
	/* not entries: nothing */
	const char *bad[] = {"",
			     "-- No entries --",
			     "{\"MESSAGE\":\"x\"",
			     "{\"MESSAGE\":\"x\"} trailing",
			     "{\"MESSAGE\":\"\\q\"}",
			     "{\"MESSAGE\":\"\\u12\"}",
			     "{\"MESSAGE\":[1,}",
			     "{\"MESSAGE\":x}",
			     "{MESSAGE:1}",
			     "[1]"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		buf b = {0};
		CHECK_INT(svc_journal_line(bad[i], strlen(bad[i]), true, &b), -EINVAL);
		CHECK_INT(b.len, 0);
		buf_free(&b);
	}
	/* a lone surrogate half: U+FFFD */
	check_line("{\"MESSAGE\":\"\\ud800x\"}", true, "0001-01-01T00:00:00Z -[-]: \xef\xbf\xbdx");
}

int main(void)
{
	test_notes();
	test_join();
	test_journal();
	return check_done("svc_format");
}
