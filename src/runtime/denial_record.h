/* Kernel denial records, read back: the audit records that seccomp (type
 * 1326, logged with SECCOMP_FILTER_FLAG_LOG even while audit is off) and
 * Landlock (1423 LANDLOCK_ACCESS, 1424 LANDLOCK_DOMAIN; only while audit is
 * on) write, with the SYSCALL record (1300) of the same event, grouped into
 * one denial per event. Pure: text in, structs out; the sources are in
 * denial_source.h. Records come either from /dev/kmsg ("audit: type=N
 * audit(SEC.MS:SERIAL): ...") or from the audit netlink socket (the type in
 * the netlink header, "audit(SEC.MS:SERIAL): ..." as text). */
#pragma once
#include "launchlog.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

#define AUDIT_REC_SYSCALL 1300
#define AUDIT_REC_PATH 1302
#define AUDIT_REC_SECCOMP 1326
#define AUDIT_REC_LANDLOCK_ACCESS 1423
#define AUDIT_REC_LANDLOCK_DOMAIN 1424

enum denial_mech {
	DENIAL_NONE,
	DENIAL_SECCOMP,
	DENIAL_LANDLOCK,
	/* a failed open or exec recorded by --follow's audit rules
	 * (denial_source.h) with no seccomp or Landlock record: */
	DENIAL_DEVICE, /* EPERM on a device node: the device cgroup */
	DENIAL_VIEW,   /* EACCES: a placeholder of the file system view */
};

/* One event (one serial): what its records said. */
typedef struct denial {
	int64_t ms; /* wall clock of the event, milliseconds */
	uint64_t serial;
	enum denial_mech mech;
	int pid;     /* of the process denied; 0 unknown */
	int64_t uid; /* -1 unknown */
	char *exe, *comm;
	uint32_t arch;	    /* AUDIT_ARCH_*; 0 unknown */
	int syscall;	    /* -1 unknown */
	bool have_args;	    /* a0..a3 from the SYSCALL record */
	uint64_t args[4];   /* a0..a3 */
	char *domain;	    /* Landlock domain id (hex text) */
	char *blockers;	    /* "fs.read_file", "net.connect_tcp,..." */
	char *path;	    /* Landlock fs: the object */
	char *daddr;	    /* Landlock net: the address */
	int dport, sport;   /* Landlock net: ports; 0 unknown */
	int domain_creator; /* 1424 status=allocated: the pid that made it */
	int64_t domain_uid; /* and its uid, -1 unknown */
	strv raw;	    /* the records, "TYPE TEXT" (what cordon-denials hands on) */
	bool have_exit;	    /* the SYSCALL record's exit= */
	int64_t exit;
	char *obj;		  /* the PATH record of item 0: the name asked for */
	unsigned obj_mode;	  /* its mode (S_IFCHR...), 0 unknown */
	int obj_major, obj_minor; /* its rdev, -1 unknown */
} denial;

typedef struct denial_list {
	size_t n;
	denial *v; /* in the order events started: oldest first */
	/* Landlock domains seen allocated: domain id -> creator pid. A later
	 * denial of the same domain has no 1424 record of its own. */
	strv domains;
	size_t n_creators;
	int *creators;
	int64_t *creator_uids;
	int64_t *creator_ms; /* when the allocation was recorded: the launch
				 that made the domain came before */
} denial_list;

/* Split a /dev/kmsg record ("PRI,SEQ,USEC,FLAGS;audit: type=N audit(...): ...")
 * into type and the text from "audit(" on. false if it is no audit record. */
bool denial_kmsg_audit(const char *rec, int *type, const char **text);

/* Add one record (type, text from "audit(") to the list: a new event, or
 * one more record of an event already there. Types other than those above
 * are ignored. */
void denial_list_add(denial_list *l, int type, const char *text);

/* A field of an audit record's text: quoted values unquoted, unquoted ones
 * that audit hex-encoded (an untrusted string with spaces or quotes)
 * decoded for the keys that can be such strings. NULL if absent. */
char *denial_field(const char *text, const char *key);

/* Is this event a denial (a seccomp or Landlock record in it)? */
bool denial_is_denial(const denial *d);

/* Creator pid and uid of the Landlock domain of d (0 / -1 if not seen). */
int denial_domain_creator(const denial_list *l, const denial *d, int64_t *uid);

/* The launch the denied command came from (launchlog.h): the creator of its
 * Landlock domain, else the pid denied (the launcher execs the command in
 * its own process), that launched last before the event. NULL: not a
 * confined command's, or launched after the log was read. */
const cordon_launch_rec *denial_find_launch(const denial_list *l, const denial *d,
					    const cordon_launchlog *log);

/* Whose denial it is: the uid of the process denied, else of the domain's
 * creator, else of the launch. */
int64_t denial_uid(const denial_list *l, const denial *d, const cordon_launch_rec *launch);

void denial_list_free(denial_list *l);
