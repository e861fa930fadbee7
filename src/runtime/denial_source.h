/* Where the kernel's denial records are read: the kernel log (/dev/kmsg,
 * what is still in its ring buffer) and the audit netlink socket's
 * read-only multicast group (what comes from now on). Both need privilege:
 * /dev/kmsg CAP_SYSLOG where dmesg_restrict is set, the multicast group
 * CAP_AUDIT_READ, audit's status CAP_AUDIT_CONTROL. */
#pragma once
#include "error.h"

#include <stdbool.h>

typedef void (*denial_record_fn)(void *ctx, int type, const char *text);

/* Every audit record in the kernel log, oldest first, to fn (text from
 * "audit("). */
int denial_kmsg_read(denial_record_fn fn, void *ctx, cordon_error **err);

/* Is kernel audit on (false when it cannot be asked)? */
bool denial_audit_enabled(void);

typedef struct denial_audit_session {
	int fd;		  /* bound to AUDIT_NLGRP_READLOG */
	int ctl;	  /* AUDIT_GET/AUDIT_SET */
	bool was_enabled; /* audit was on before: nothing to restore */
	unsigned rules;	  /* the audit rules added (denial_source.c), to delete */
	int guard;	  /* the pipe to the child that restores audit if the
			     command dies before it does; -1 none */
	int guard_pid;
} denial_audit_session;

/* Subscribe to the records; turn_on: and turn audit on if it is off, and add
 * the rules that record a failed open or exec with its path (until close):
 * what the device cgroup and the file system view refuse leaves no record
 * otherwise. */
int denial_audit_open(denial_audit_session *a, bool turn_on, cordon_error **err);
/* The records waiting on the socket, to fn. */
int denial_audit_read(denial_audit_session *a, denial_record_fn fn, void *ctx, cordon_error **err);
/* Put audit back as it was, and close. A command killed before it closes
 * leaves that to a guard process that open started. */
int denial_audit_close(denial_audit_session *a, cordon_error **err);
