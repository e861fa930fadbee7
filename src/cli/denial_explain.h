/* A denial in words, and the interface that would allow it: computed from
 * the interface catalogue (data/interfaces/, the definitions the compiler
 * compiles: their file rules, network rights and seccomp rules), never from
 * a table of its own. Pure. */
#pragma once
#include "catalog.h"
#include "denial_record.h"

#include <stdbool.h>
#include <sys/types.h>

/* A plug of the snap the denial belongs to. */
typedef struct denial_plug {
	const char *plug, *interface;
	bool connected;
} denial_plug;

typedef struct denial_snap {
	const char *instance; /* NULL: the label is not known */
	size_t n_plugs;
	const denial_plug *plugs;
	const char *home; /* the user's home ($HOME in rules), or NULL */
	uid_t uid;
} denial_snap;

/* "read /etc/hostname", "TCP connect to port 80 (127.0.0.1)", "socket
 * AF_INET", "syscall settimeofday" (malloc'd). */
char *denial_operation(const denial *d, const cordon_catalog *cat);
/* "Landlock", "seccomp". */
const char *denial_mechanism(const denial *d);
/* "cordon connect SNAP:PLUG", "add `plugs: [NAME]` to snap.yaml", "no
 * interface allows this" (malloc'd). default_seccomp: the default template's
 * rules (data/seccomp/default.txt). */
char *denial_suggestion(const denial *d, const cordon_catalog *cat, const char *default_seccomp,
			const denial_snap *s);
