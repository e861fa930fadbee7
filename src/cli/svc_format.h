/* What `cordon services`, `info` and `logs` print of services, as snap
 * prints it. Pure. */
#pragma once
#include "manifest.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* snap.JoinSnapApp: "foo" for the app foo of the snap foo, else "foo.app". */
char *svc_join_snap_app(const char *snap, const char *app);

/* One line of `journalctl -o json` (an entry) as `snap logs` prints it
 * (client.Log): "TIMESTAMP SID[PID]: MESSAGE", the time in RFC 3339 to
 * the second, local (or UTC when utc), SID the SYSLOG_IDENTIFIER, PID the
 * _PID (else SYSLOG_PID), each "-" when missing, a MESSAGE of several
 * values joined by newlines. No newline is added. -EINVAL: not a JSON
 * object (nothing appended). */
int svc_journal_line(const char *json, size_t len, bool utc, buf *out);
