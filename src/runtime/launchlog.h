/* The launch log: one line per confined launch, "SEC.NSEC PID UID LABEL",
 * appended by the launcher to <run>/launches (root 0600). It is how
 * `cordon debug denials` names the label of a kernel denial record: the
 * launcher execs the command in its own process, so the pid of a seccomp
 * record, and the creator pid of a Landlock domain (record 1424), is the pid
 * logged here; the time tells a reused pid apart. One O_APPEND write of less
 * than PIPE_BUF bytes per launch (atomic between concurrent launches); the
 * file is renamed to launches.old past LAUNCHLOG_MAX bytes. */
#pragma once
#include "paths.h"
#include "util.h"

#include <stdint.h>
#include <sys/types.h>

#define CORDON_LAUNCHLOG_MAX (512 * 1024)

/* Append the record; never fails a launch (a log that cannot be written
 * costs the denials their label, not the command its run). */
void cordon_launchlog_record(const cordon_paths *paths, const char *label, pid_t pid, uid_t uid);

typedef struct cordon_launch_rec {
	int64_t ms; /* wall clock, milliseconds (audit's resolution) */
	pid_t pid;
	uid_t uid;
	char *label;
} cordon_launch_rec;

typedef struct cordon_launchlog {
	size_t n;
	cordon_launch_rec *v; /* in file order: oldest first */
} cordon_launchlog;

/* Parse the text of a log (pure; malformed lines are skipped). Appends. */
void cordon_launchlog_parse(const char *text, size_t len, cordon_launchlog *out);
/* The label of the launch of `pid` that was the last to start at or before
 * ms (NULL if none). */
const cordon_launch_rec *cordon_launchlog_find(const cordon_launchlog *log, pid_t pid, int64_t ms);
void cordon_launchlog_free(cordon_launchlog *log);
