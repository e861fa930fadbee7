/* snapctl get, set, unset: configuration and attributes (snapctl_cmds.h). */
#include "snapctl_cmds.h"
#include "confctl.h"
#include "confdoc.h"
#include "jsonval.h"
#include "snapconf.h"
#include "util.h"

#include <errno.h>
#include <string.h>

/* ---- interface hooks ---- */

typedef enum hook_kind {
	HOOK_OTHER,
	HOOK_PREPARE_PLUG,
	HOOK_PREPARE_SLOT,
	HOOK_CONNECT_PLUG,
	HOOK_CONNECT_SLOT,
	HOOK_DISCONNECT_PLUG,
	HOOK_DISCONNECT_SLOT,
} hook_kind;

/* snapd's interfaceHookType. */
static hook_kind kind_of(const char *hook)
{
	static const struct {
		const char *prefix;
		hook_kind kind;
	} kinds[] = {
	    {"prepare-plug-", HOOK_PREPARE_PLUG},	{"prepare-slot-", HOOK_PREPARE_SLOT},
	    {"connect-plug-", HOOK_CONNECT_PLUG},	{"connect-slot-", HOOK_CONNECT_SLOT},
	    {"disconnect-plug-", HOOK_DISCONNECT_PLUG}, {"disconnect-slot-", HOOK_DISCONNECT_SLOT},
	};
	for (size_t i = 0; hook && i < ARRAY_SIZE(kinds); i++)
		if (str_has_prefix(hook, kinds[i].prefix))
			return kinds[i].kind;
	return HOOK_OTHER;
}

static bool plug_side(hook_kind k)
{
	return k == HOOK_PREPARE_PLUG || k == HOOK_CONNECT_PLUG || k == HOOK_DISCONNECT_PLUG;
}

/* snapd's validatePlugOrSlot: the hook's own plug (plug hooks) or slot. */
static int check_port(const cordon_hook_conn *c, bool plug, const char *name, cordon_error **err)
{
	const char *own = c ? (plug ? c->plug : c->slot) : NULL;
	if (own == NULL)
		return cordon_err_msg(err, EINVAL,
				      "internal error: cannot find plug or slot data in the "
				      "appropriate task");
	if (strcmp(own, name) != 0) {
		_cleanup_free_ char *q = cordon_go_quote(name);
		return cordon_err_msg(err, ENOENT, "unknown plug or slot %s", q);
	}
	return 0;
}

/* ":name" (snapd's PlugOrSlotSpec): *name, or an error when the spec names
 * a snap or no port. */
static int port_spec(const char *cmd, const char *spec, const char **name, cordon_error **err)
{
	const char *colon = strchr(spec, ':');
	if (colon[1] == '\0')
		return cordon_err_msg(err, EINVAL, "plug or slot name not provided");
	if (colon != spec)
		return cordon_err_msg(err, EINVAL,
				      "\"snapctl %s %s\" not supported, use \"snapctl %s :%s\" "
				      "instead",
				      cmd, spec, cmd, colon + 1);
	*name = colon + 1;
	return 0;
}

/* ---- get ---- */

typedef struct get_req {
	const cordon_snapctl_caller *caller;
	cordon_ctx *ctx;
	bool previous;
	cordon_conf_txn *stored; /* an app's read: the document as stored */
	/* attributes (get :PORT): JSON objects as text */
	const char *static_attrs, *dynamic_attrs;
} get_req;

/* KEY's value (compact JSON) into *json, or NULL when there is none. */
static int config_value(get_req *g, const char *key, char **json, cordon_error **err)
{
	*json = NULL;
	cordon_error *e = NULL;
	int r;
	if (g->caller->opts)
		r = cordon_snapconf_get(g->caller->opts->conf, key, g->previous, json, &e);
	else
		r = cordon_conf_txn_get(g->stored, key, false, json, &e);
	if (r == -ENOENT) {
		/* snapd's IsNoOption: not printed */
		cordon_error_free(&e);
		*json = NULL;
		return 0;
	}
	if (r < 0) {
		*err = e;
		return r;
	}
	return 0;
}

static int get_values(get_req *g, bool attrs, const strv *keys, bool document, bool typed, buf *out,
		      cordon_error **err)
{
	_cleanup_strv_ strv values = {0};
	int r = 0;
	for (size_t i = 0; r == 0 && i < keys->n; i++) {
		char *v = NULL;
		if (attrs)
			r = cordon_conf_attr_get(g->caller->instance, g->static_attrs,
						 g->dynamic_attrs, keys->v[i], &v, err);
		else
			r = config_value(g, keys->v[i], &v, err);
		/* strv keeps NULLs as holes: a parallel array of values */
		values.v = xreallocarray(values.v, values.n + 2, sizeof *values.v);
		values.v[values.n++] = v;
		values.v[values.n] = NULL;
	}
	if (r < 0)
		return r;
	cordon_conf_snapctl_print(keys->v, values.v, keys->n, document, typed, out);
	for (size_t i = 0; i < values.n; i++)
		free(values.v[i]);
	values.n = 0;
	return 0;
}

int cordon_snapctl_get(cordon_ctx *ctx, const cordon_snapctl_caller *caller, size_t argc,
		       char *const *argv, buf *out, cordon_error **err)
{
	snapctl_opt opts[] = {{.name = "document", .short_name = 'd'},
			      {.name = "typed", .short_name = 't'},
			      {.name = "previous"},
			      {.name = "plug"},
			      {.name = "slot"}};
	enum { DOC, TYPED, PREVIOUS, PLUG, SLOT };
	_cleanup_strv_ strv pos = {0};
	int r = snapctl_parse(argc, argv, opts, ARRAY_SIZE(opts), &pos, err);
	if (r < 0)
		return r;
	if (pos.n == 0)
		return cordon_err_msg(err, EINVAL, "get which option?");
	if (opts[TYPED].seen && opts[DOC].seen)
		return cordon_err_msg(err, EINVAL, "cannot use -d and -t together");
	/* --previous: the configure hook's view of what was there before the
	 * change it validates (where snapd now offers it for confdb hooks
	 * only) */
	if (opts[PREVIOUS].seen && !streq_ptr(caller->hook, "configure"))
		return cordon_err_msg(err, EINVAL,
				      "cannot use --previous outside of the configure hook");
	get_req g = {.caller = caller, .ctx = ctx, .previous = opts[PREVIOUS].seen};
	bool typed = opts[TYPED].seen, document = opts[DOC].seen;

	if (strchr(pos.v[0], ':')) {
		const char *name;
		r = port_spec("get", pos.v[0], &name, err);
		if (r < 0)
			return r;
		if (pos.n < 2)
			return cordon_err_msg(err, EINVAL, "get which attribute?");
		hook_kind k = kind_of(caller->hook);
		if (k == HOOK_OTHER)
			return cordon_err_msg(err, EPERM,
					      "interface attributes can only be read during the "
					      "execution of interface hooks");
		if (opts[PLUG].seen && opts[SLOT].seen)
			return cordon_err_msg(err, EINVAL, "cannot use --plug and --slot together");
		const cordon_hook_conn *c = caller->opts->conn;
		r = check_port(c, plug_side(k), name, err);
		if (r < 0)
			return r;
		/* the hook's own side, or the peer's with --slot / --plug */
		bool plug = opts[PLUG].seen || (plug_side(k) && !opts[SLOT].seen);
		g.static_attrs = plug ? c->plug_static : c->slot_static;
		g.dynamic_attrs = plug ? c->plug_dynamic : c->slot_dynamic;
		strv keys = {.v = pos.v + 1, .n = pos.n - 1};
		return get_values(&g, true, &keys, document, typed, out, err);
	}
	if (opts[PLUG].seen || opts[SLOT].seen)
		return cordon_err_msg(err, EINVAL,
				      "cannot use --plug or --slot without <snap>:<plug|slot> "
				      "argument");
	if (caller->opts == NULL) {
		_cleanup_free_ char *doc = NULL;
		r = cordon_snapconf_document(ctx, caller->instance, &doc, err);
		if (r == 0)
			r = cordon_conf_txn_new(caller->instance, doc, &g.stored, err);
		if (r < 0)
			return r;
	}
	r = get_values(&g, false, &pos, document, typed, out, err);
	if (g.stored)
		cordon_conf_txn_free(g.stored);
	return r;
}

/* ---- set, unset ---- */

/* The changes: into the hook's configuration change, or (an app) committed
 * onto the snap's document at once. */
static int apply(cordon_ctx *ctx, const cordon_snapctl_caller *caller, const cordon_conf_patches *p,
		 cordon_error **err)
{
	if (caller->opts)
		return cordon_snapconf_patch(caller->opts->conf, p, err);
	cordon_snapconf c;
	int r = cordon_snapconf_begin(ctx, caller->instance, &c, err);
	if (r < 0)
		return r;
	r = cordon_snapconf_patch(&c, p, err);
	if (r == 0)
		r = cordon_snapconf_commit(ctx, &c, err);
	cordon_snapconf_end(&c);
	return r;
}

/* set :PORT KEY=VALUE... in a prepare hook (snapd's setInterfaceSetting). */
static int set_attributes(const cordon_snapctl_caller *caller, const char *name, const strv *args,
			  cordon_error **err)
{
	hook_kind k = kind_of(caller->hook);
	if (k != HOOK_PREPARE_PLUG && k != HOOK_PREPARE_SLOT)
		return cordon_err_msg(err, EPERM,
				      "interface attributes can only be set during the execution "
				      "of prepare hooks");
	cordon_hook_conn *c = caller->opts->conn;
	bool plug = k == HOOK_PREPARE_PLUG;
	int r = check_port(c, plug, name, err);
	for (size_t i = 0; r == 0 && i < args->n; i++) {
		const char *eq = strchr(args->v[i], '=');
		if (eq == NULL) {
			_cleanup_free_ char *q = cordon_go_quote(args->v[i]);
			return cordon_err_msg(err, EINVAL, "invalid parameter: %s (want key=value)",
					      q);
		}
		_cleanup_free_ char *key = xstrndup(args->v[i], (size_t)(eq - args->v[i]));
		/* JSON where it parses, else the string (as snapd) */
		cordon_conf_patches p = {0};
		r = cordon_conf_parse_set_args(&args->v[i], 1, CORDON_CONF_AUTO, &p, err);
		if (r == 0 && p.n == 1)
			r = cordon_conf_attr_set(
			    caller->instance, plug ? c->plug_static : c->slot_static,
			    plug ? &c->plug_dynamic : &c->slot_dynamic, key, p.v[0].value, err);
		cordon_conf_patches_free(&p);
		if (r < 0)
			return cordon_err_prefix(err, "cannot set attribute");
	}
	return r;
}

int cordon_snapctl_set(cordon_ctx *ctx, const cordon_snapctl_caller *caller, size_t argc,
		       char *const *argv, buf *out, cordon_error **err)
{
	(void)out;
	snapctl_opt opts[] = {{.name = "string", .short_name = 's'},
			      {.name = "typed", .short_name = 't'}};
	_cleanup_strv_ strv pos = {0};
	int r = snapctl_parse(argc, argv, opts, ARRAY_SIZE(opts), &pos, err);
	if (r < 0)
		return r;
	if (pos.n == 0)
		return cordon_err_msg(err, EINVAL, "set which option?");
	if (opts[0].seen && opts[1].seen)
		return cordon_err_msg(err, EINVAL, "cannot use -t and -s together");
	/* snapd: the first argument is a key=value unless it has a ':' and
	 * no '=' (a value may hold a ':', "url=host:5555") */
	const char *spec = pos.v[0];
	if (strchr(spec, ':') && !strchr(spec, '=')) {
		const char *name;
		r = port_spec("set", spec, &name, err);
		if (r < 0)
			return r;
		strv args = {.v = pos.v + 1, .n = pos.n - 1};
		return set_attributes(caller, name, &args, err);
	}
	cordon_conf_mode mode = opts[1].seen   ? CORDON_CONF_TYPED
				: opts[0].seen ? CORDON_CONF_STRING
					       : CORDON_CONF_AUTO;
	cordon_conf_patches p = {0};
	r = cordon_conf_parse_set_args(pos.v, pos.n, mode, &p, err);
	if (r == 0)
		r = apply(ctx, caller, &p, err);
	cordon_conf_patches_free(&p);
	return r;
}

int cordon_snapctl_unset(cordon_ctx *ctx, const cordon_snapctl_caller *caller, size_t argc,
			 char *const *argv, buf *out, cordon_error **err)
{
	(void)out;
	_cleanup_strv_ strv pos = {0};
	int r = snapctl_parse(argc, argv, NULL, 0, &pos, err);
	if (r < 0)
		return r;
	if (pos.n == 0)
		return cordon_err_msg(err, EINVAL, "unset which option?");
	cordon_conf_patches p = {0};
	r = cordon_conf_parse_unset_args(pos.v, pos.n, &p, err);
	if (r == 0)
		r = apply(ctx, caller, &p, err);
	cordon_conf_patches_free(&p);
	return r;
}
