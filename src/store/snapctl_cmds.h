/* What `snapctl` does: one command line of a snap's app or hook, run for the
 * snap its cookie names and the uid the kernel gave its connection, as
 * snapd's overlord/hookstate/ctlcmd runs it (same syntax, output, errors and
 * exit statuses):
 *
 *   is-connected [--list] [PLUG|SLOT]        0 connected, 1 not
 *   services [SNAP.APP...]                   Service Startup Current Notes
 *   start [--enable] SNAP.APP...             root only
 *   stop [--disable] SNAP.APP...             root only
 *   restart [--reload] SNAP.APP...           root only
 *   get / set / unset ...                    configuration (snapctl_config.c)
 *
 * A snap reaches its own plugs, slots, services and configuration only:
 * which snap it is comes from the cookie, never from anything it sends (a
 * name of another snap is an unknown service). Who it is comes from
 * SO_PEERCRED: as with snapd only root may change anything (set, unset,
 * start, stop, restart); any uid may get, ask is-connected and list
 * services. */
#pragma once
#include "context.h"
#include "hookctx.h"

#include <sys/types.h>

typedef struct cordon_snapctl_caller {
	const char *instance; /* the snap its cookie names; NULL: none matched */
	uid_t uid;	      /* of the connection (SO_PEERCRED) */
	/* a hook's request, over its channel (hooks.h): the hook's name and
	 * what it works with (opts->conf always set); NULL for an app's */
	const char *hook;
	const cordon_hook_opts *opts;
} cordon_snapctl_caller;

typedef struct cordon_snapctl_reply {
	int status; /* exit status of snapctl */
	buf out;    /* its stdout */
	buf err;    /* its stderr ("error: ..." lines) */
} cordon_snapctl_reply;
void cordon_snapctl_reply_free(cordon_snapctl_reply *r);

/* How a request's context is opened (the broker's: cordon_store_open):
 * read-only, or writable (the store's lock, recovery) for what changes
 * state. Passed in, so that these commands do not depend on the store's
 * entry points (which run hooks, which serve these commands). */
typedef int (*cordon_snapctl_open_fn)(cordon_ctx *ctx, const char *root, bool writable,
				      cordon_error **err);

/* Run argv (argv[0]: the command) for the caller into *reply. ctx: the
 * context to work in (the store's own, while it runs the snap's hook), or
 * NULL: one is opened for the request with `open` on `root`. Never fails:
 * every failure is an exit status and a message in the reply. */
void cordon_snapctl_run(cordon_ctx *ctx, const char *root, cordon_snapctl_open_fn open,
			const cordon_snapctl_caller *caller, size_t argc, char *const *argv,
			cordon_snapctl_reply *reply);

/* ---- internal to snapctl_cmds.c and snapctl_services.c ---- */

/* The context a command works in (cordon_snapctl_run's ctx or its own). */
typedef struct snapctl_req {
	cordon_ctx *given;
	const char *root;
	cordon_snapctl_open_fn open;
	cordon_ctx own;
	bool opened;
	const cordon_snapctl_caller *caller;
} snapctl_req;
int snapctl_req_ctx(snapctl_req *q, bool writable, cordon_ctx **out, cordon_error **err);

/* Options of a command line, go-flags style as snapd's parser has them:
 * anywhere before "--", long (--name, --name=value, --name value) or short
 * (-n); the rest are positional. */
typedef struct snapctl_opt {
	const char *name;  /* long name */
	char short_name;   /* or 0 */
	bool takes_value;  /* --name=VALUE / --name VALUE */
	bool seen;	   /* out */
	const char *value; /* out */
} snapctl_opt;
int snapctl_parse(size_t argc, char *const *argv, snapctl_opt *opts, size_t n_opts, strv *pos,
		  cordon_error **err);

/* services, start, stop, restart (snapctl_services.c): 0 with the output
 * in *out, or < 0 and err. */
int snapctl_services(snapctl_req *q, size_t argc, char *const *argv, buf *out, cordon_error **err);
int snapctl_service_control(snapctl_req *q, const char *verb, size_t argc, char *const *argv,
			    cordon_error **err);

/* get, set, unset (snapctl_config.c): */
/* snapctl get, set and unset: a snap's own configuration, from its apps and
 * hooks, and the attributes of the connection an interface hook runs for
 * (snapd's ctlcmd get.go, set.go, unset.go). The snap is the caller's
 * (its cookie's, or the hook's), never one the request names; the caller's
 * uid has been checked (set and unset: root only, as snapd).
 *
 * From an app, a read is of the document as stored and a change is
 * committed at once (snapd's ephemeral context; no configure hook runs).
 * From a hook, both go through the hook's configuration change
 * (snapconf.h), committed only if the hook and its change succeed; in the
 * configure hook `get --previous` reads what was there before the change.
 * `get :PORT KEY` reads an attribute in an interface hook, `set :PORT
 * KEY=VALUE` sets a dynamic one in a prepare hook. Each returns snapctl's
 * exit status (>= 0) with stdout in *out, or < 0 and *err. */
/* ctx: read-only will do from an app; the store's own in a hook. */
int cordon_snapctl_get(cordon_ctx *ctx, const cordon_snapctl_caller *caller, size_t argc,
		       char *const *argv, buf *out, cordon_error **err);
/* ctx: writable (the store's lock held) from an app; the store's own in a
 * hook. */
int cordon_snapctl_set(cordon_ctx *ctx, const cordon_snapctl_caller *caller, size_t argc,
		       char *const *argv, buf *out, cordon_error **err);
int cordon_snapctl_unset(cordon_ctx *ctx, const cordon_snapctl_caller *caller, size_t argc,
			 char *const *argv, buf *out, cordon_error **err);
