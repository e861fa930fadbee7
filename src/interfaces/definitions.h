/* Policy definitions as data: the default policy (data/policy/default.yaml)
 * and one file per interface (data/interfaces/<name>.yaml, plus a site-local
 * directory). Loading is pure (text in, struct out); every error names the
 * file, line and column. The format is documented in data/interfaces/README.md. */
#pragma once
#include "error.h"
#include "util.h"

#include <stdbool.h>

/* What one side (the default policy, an interface's plug side or slot side)
 * grants. Lines are kept as written: variables are substituted per label by
 * the compiler. */
typedef struct cordon_grant {
	strv files;	   /* "<rights> <path>" */
	strv devices;	   /* "c 1:3", "/dev/ttyUSB*" */
	strv network;	   /* "tcp-connect", "tcp-bind" */
	strv capabilities; /* "net_admin" */
	strv mounts;	   /* "ro|rw <source> <target>" (content) */
	char *seccomp;	   /* rule text, seccomp_compile.h syntax */
	char *apparmor;	   /* AppArmor snippet */
	bool host_ipc;	   /* `ipc: host`: the host's SysV IPC namespace */
	bool notify;	   /* `notify-socket: true`: may reach the service
			      manager's notify socket (NOTIFY_SOCKET) */
} cordon_grant;

/* Attribute types. Paths never hold glob or AppArmor pattern characters
 * (* ? [ ] { } ^ " ,) nor "..": an attribute names one place, literally. */
enum cordon_attr_type {
	CORDON_ATTR_STRING,
	CORDON_ATTR_BOOL,
	CORDON_ATTR_PATH,	/* an absolute path */
	CORDON_ATTR_PATHS,	/* a list of those */
	CORDON_ATTR_HOME_PATHS, /* a list of "$HOME/..." (personal-files) */
	CORDON_ATTR_SNAP_PATH,	/* inside the declaring snap: relative (to $SNAP), or
				   $SNAP/..., $SNAP_DATA/..., $SNAP_COMMON/... (content) */
	CORDON_ATTR_SNAP_PATHS, /* a list of those */
};

typedef struct cordon_attr_spec {
	char *name;
	enum cordon_attr_type type;
	bool required;
	char *pattern; /* POSIX extended regex every string must match, or NULL */
} cordon_attr_spec;

enum cordon_autoconnect {
	CORDON_AUTO_NO,
	CORDON_AUTO_YES,
	CORDON_AUTO_CLASSIC, /* only on classic hosts (home) */
	CORDON_AUTO_CONTENT, /* a plug and a slot of one snap whose content values match */
};

typedef struct cordon_def {
	char *name;
	char *summary;
	char *source; /* file path, for messages */
	enum cordon_autoconnect auto_connect;
	bool privileged;    /* installable with --dangerous, never auto-connected */
	bool implicit_slot; /* the system offers a slot (":name") */
	cordon_grant plug, slot;
	size_t n_plug_attrs, n_slot_attrs;
	cordon_attr_spec *plug_attrs, *slot_attrs;
	char *seccomp_file; /* default policy only: template file under seccomp/ */
} cordon_def;

/* Load an interface definition (kind "interface") or the default policy
 * (kind "default": one `policy:` grant). */
int cordon_def_load(const char *text, size_t len, const char *source, bool is_default,
		    cordon_def **out, cordon_error **err);
void cordon_def_free(cordon_def *d);
void cordon_grant_free(cordon_grant *g);
