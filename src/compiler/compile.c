/* The policy compiler. For every app and hook of a snap's current revision:
 * the default policy plus what connected interfaces grant, with variables
 * substituted, seccomp compiled to BPF, the AppArmor profile generated. */
#include "compile.h"
#include "apparmor.h"
#include "busproxy.h"
#include "attrs.h"
#include "landlock_defs.h"
#include "layouts.h"
#include "manifest_sysusers.h"
#include "privdrop.h"
#include "rules.h"
#include "seccomp_compile.h"
#include "vars.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>

/* Everything one snap's compilation shares. */
typedef struct snapc {
	const cordon_compile_input *in;
	const cordon_loaded_snap *ls;
	enum cordon_confinement confinement;
	/* a snap with system-usernames: the template with its unconditional
	 * setuid family cut out, and the rules that replace it (privdrop.h);
	 * both NULL for any other snap */
	char *template, *privdrop_rules;
	/* BPF cache: identical rule sets compile once */
	strv bpf_keys;
	size_t n_bpf;
	struct {
		uint8_t *p;
		size_t len;
	} * bpf;
} snapc;

/* Variables of the snap being compiled, then what the connection knows
 * (attributes, the other side's snap); conn NULL: the default policy. */
typedef struct lookup_ctx {
	const snapc *c;
	const cordon_conn_ends *conn;
} lookup_ctx;

static int lookup_snap_var(void *vctx, const char *name, strv *values)
{
	const lookup_ctx *l = vctx;
	if (strcmp(name, "CORDON_ROOT") == 0) {
		strv_push(values, l->c->in->root ? l->c->in->root : "");
		return 0;
	}
	const char *v = cordon_snap_own_var(l->c->ls, name);
	if (v != NULL) {
		strv_push(values, v);
		return 0;
	}
	if (l->conn)
		return cordon_conn_lookup((void *)l->conn, name, values);
	return -ENOENT;
}

static int apply_grant(snapc *c, cordon_policy *p, const cordon_grant *g,
		       const cordon_conn_ends *conn, const char *origin, strv *seccomp_names,
		       strv *seccomp_texts, buf *apparmor, cordon_error **err)
{
	lookup_ctx local = {.c = c, .conn = conn};
	for (size_t i = 0; i < g->files.n; i++) {
		_cleanup_strv_ strv lines = {0};
		int r = cordon_rule_subst(g->files.v[i], lookup_snap_var, &local, &lines, err);
		for (size_t j = 0; r == 0 && j < lines.n; j++) {
			_cleanup_free_ char *path = NULL;
			uint64_t access;
			uint32_t flags;
			r = cordon_rule_parse_file(lines.v[j], &path, &access, &flags, err);
			if (strstr(g->files.v[i], "${plug:") || strstr(g->files.v[i], "${slot:"))
				flags |= CORDON_FS_NOFOLLOW;
			if (r == 0)
				cordon_policy_add_fs(p, path, access, flags);
		}
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
	}
	for (size_t i = 0; i < g->devices.n; i++) {
		_cleanup_strv_ strv lines = {0};
		int r = cordon_rule_subst(g->devices.v[i], lookup_snap_var, &local, &lines, err);
		for (size_t j = 0; r == 0 && j < lines.n; j++) {
			cordon_dev_rule d;
			if (lines.v[j][0] == '$')
				r = cordon_err_msg(err, EINVAL,
						   "device rule \"%s\": unknown variable",
						   lines.v[j]);
			else
				r = cordon_rule_parse_device(lines.v[j], &d, err);
			if (r == 0) {
				cordon_policy_add_dev(p, d.type, d.major, d.minor, d.path);
				free(d.path);
			}
		}
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
	}
	for (size_t i = 0; i < g->network.n; i++) {
		uint64_t allowed = 0;
		int r = cordon_rule_parse_network(g->network.v[i], &allowed, err);
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
		p->net_handled &= ~allowed;
	}
	for (size_t i = 0; i < g->capabilities.n; i++) {
		int cap;
		int r = cordon_rule_parse_capability(g->capabilities.v[i], &cap, err);
		if (r < 0)
			return cordon_err_prefix(err, "%s", origin);
		p->caps_keep |= 1ULL << cap;
	}
	if (g->host_ipc)
		p->flags |= CORDON_POLICY_HOST_IPC;
	if (g->notify)
		p->flags |= CORDON_POLICY_NOTIFY;
	if (g->seccomp) {
		strv_push(seccomp_names, origin);
		strv_push(seccomp_texts, g->seccomp);
	}
	if (g->apparmor) {
		buf_printf(apparmor, "\n  # %s\n", origin);
		const char *s = g->apparmor;
		while (*s) {
			const char *nl = strchrnul(s, '\n');
			buf_printf(apparmor, "  %.*s\n", (int)(nl - s), s);
			s = *nl ? nl + 1 : nl;
		}
	}
	return 0;
}

static int compile_seccomp(snapc *c, cordon_policy *p, const strv *names, const strv *texts,
			   cordon_error **err)
{
	_cleanup_buf_ buf key = {0};
	buf_printf(&key, "%d\n", (int)c->confinement);
	for (size_t i = 0; i < texts->n; i++)
		buf_printf(&key, "%s\n%s\n", names->v[i], texts->v[i]);
	for (size_t i = 0; i < c->bpf_keys.n; i++)
		if (strcmp(c->bpf_keys.v[i], key.p) == 0) {
			p->seccomp = xmalloc(c->bpf[i].len);
			memcpy(p->seccomp, c->bpf[i].p, c->bpf[i].len);
			p->seccomp_len = c->bpf[i].len;
			return 0;
		}
	cordon_seccomp_source *src = xcalloc(texts->n, sizeof *src);
	for (size_t i = 0; i < texts->n; i++)
		src[i] = (cordon_seccomp_source){.name = names->v[i], .text = texts->v[i]};
	int r = cordon_seccomp_compile(src, texts->n, c->confinement, &p->seccomp, &p->seccomp_len,
				       err);
	free(src);
	if (r < 0)
		return r;
	c->bpf = xreallocarray(c->bpf, c->n_bpf + 1, sizeof *c->bpf);
	c->bpf[c->n_bpf].p = xmalloc(p->seccomp_len);
	memcpy(c->bpf[c->n_bpf].p, p->seccomp, p->seccomp_len);
	c->bpf[c->n_bpf].len = p->seccomp_len;
	c->n_bpf++;
	strv_push(&c->bpf_keys, key.p);
	return 0;
}

/* A snap's own directory as it sees it, the real one when not given. A
 * classic snap has no namespace of its own to remap anything in (snapd
 * makes one for a classic instance; cordon runs classic on the host's): an
 * instance of it keeps the real /snap/<instance>. */
static const char *own(const snapc *c, const char *seen, const char *real)
{
	return seen && c->confinement != CORDON_CLASSIC ? seen : real;
}

static void split_command(const char *cmd, strv *out)
{
	/* snapd splits with shlex; the command character set has no quotes
	 * or escapes, so splitting on blanks is the same thing. */
	const char *p = cmd;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " \t");
		strv_push_own(out, xstrndup(p, n));
		p += n;
	}
}

static void add_env_map(cordon_policy *p, const cordon_env_map *e)
{
	for (size_t i = 0; i < e->n; i++)
		cordon_policy_add_env(p, true, e->v[i].name, e->v[i].value);
}

/* One label: an app (app != NULL) or a hook. */
static int compile_label(snapc *c, const cordon_app *app, const cordon_hook *hook,
			 const cordon_content_mount *mounts, size_t n_mounts, const char *ns_stamp,
			 cordon_policy *p, char **apparmor_text, cordon_error **err)
{
	const cordon_snap_row *s = &c->ls->row;
	const cordon_rev_row *rev = &c->ls->rev;
	_cleanup_free_ char *hookapp = hook ? xasprintf("hook.%s", hook->name) : NULL;
	p->label =
	    app ? cordon_label_app(s->name, app->name) : cordon_label_hook(s->name, hook->name);
	p->snap_name = xstrdup(s->snap_name);
	p->instance_name = xstrdup(s->name);
	p->instance_key = xstrdup(s->instance_key);
	p->app = xstrdup(app ? app->name : hookapp);
	p->revision = xstrdup(s->current);
	p->version = xstrdup(rev->version);
	p->confinement = c->confinement;
	p->source_kind = (uint32_t)rev->source_kind;
	p->source_path = xstrdup(rev->source_path);
	p->mount_dir = xstrdup(c->ls->mount_dir);
	p->ns_stamp = xstrdup(ns_stamp);
	if (c->confinement != CORDON_CLASSIC)
		cordon_compile_layouts(c->ls, true, p);
	if (c->in->base && c->confinement != CORDON_CLASSIC) {
		const cordon_loaded_snap *b = c->in->base;
		p->base_name = xstrdup(b->row.name);
		p->base_dir = xstrdup(b->mount_dir);
		p->base_source_kind = (uint32_t)b->rev.source_kind;
		p->base_source_path = xstrdup(b->rev.source_path);
	}
	if (c->confinement != CORDON_CLASSIC)
		p->apparmor_profile = xstrdup(p->label);

	/* step 1: the static part of the environment */
	const struct {
		const char *name, *value;
	} env[] = {
	    {"SNAP", own(c, c->ls->own_mount_dir, c->ls->mount_dir)},
	    {"SNAP_ARCH", cordon_host_arch()},
	    {"SNAP_COMMON", own(c, c->ls->own_common_dir, c->ls->common_dir)},
	    {"SNAP_DATA", own(c, c->ls->own_data_dir, c->ls->data_dir)},
	    {"SNAP_INSTANCE_KEY", s->instance_key},
	    {"SNAP_INSTANCE_NAME", s->name},
	    {"SNAP_LIBRARY_PATH",
	     "/var/lib/snapd/lib/gl:/var/lib/snapd/lib/gl32:/var/lib/snapd/void"},
	    {"SNAP_NAME", s->snap_name},
	    {"SNAP_REVISION", s->current},
	    {"SNAP_VERSION", rev->version},
	};
	for (size_t i = 0; i < ARRAY_SIZE(env); i++)
		cordon_policy_add_env(p, false, env[i].name, env[i].value);
	add_env_map(p, &c->ls->m->environment);
	add_env_map(p, app ? &app->environment : &hook->environment);

	const strv *chain = app ? &app->command_chain : &hook->command_chain;
	for (size_t i = 0; i < chain->n; i++)
		strv_push(&p->chain, chain->v[i]);
	if (app) {
		split_command(app->command, &p->command);
		/* a service's other commands, run by `cordon-confine
		 * --command=NAME` after the same command-chain (snap-exec) */
		if (app->stop_command)
			split_command(app->stop_command, &p->stop_command);
		if (app->reload_command)
			split_command(app->reload_command, &p->reload_command);
		if (app->post_stop_command)
			split_command(app->post_stop_command, &p->post_stop_command);
		/* Type=notify: the service manager waits for READY=1, so the
		 * daemon may reach its notify socket without a plug */
		if (app->daemon && strcmp(app->daemon, "notify") == 0)
			p->flags |= CORDON_POLICY_NOTIFY;
		/* its bus, through its own proxy (busproxy.h) */
		cordon_bus_access bus;
		cordon_bus_access_of(c->in, app, &bus);
		if (bus.needed)
			p->flags |= CORDON_POLICY_SYSTEM_BUS;
		cordon_bus_access_free(&bus);
	} else {
		strv_push_own(&p->command, xasprintf("meta/hooks/%s", hook->name));
	}

	for (size_t i = 0; i < n_mounts; i++)
		cordon_policy_add_mount(p, mounts[i].source, mounts[i].target,
					mounts[i].rw ? 0 : CORDON_MOUNT_RO);

	if (c->confinement == CORDON_CLASSIC) {
		/* no sandbox: of the grants only the notify socket matters
		 * (it decides whether NOTIFY_SOCKET reaches the app) */
		for (size_t i = 0; i < c->in->n_plugs; i++)
			if (c->in->plugs[i].def->plug.notify &&
			    cordon_port_bound(c->in->plugs[i].plug, app ? app->name : NULL,
					      hook ? hook->name : NULL))
				p->flags |= CORDON_POLICY_NOTIFY;
		*apparmor_text = NULL;
		return 0;
	}
	/* steps 2, 6, 7: default policy, then each connected interface */
	p->net_handled = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	p->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	_cleanup_strv_ strv sc_names = {0}, sc_texts = {0};
	_cleanup_buf_ buf snippets = {0};
	buf_adds(&snippets, "");
	strv_push(&sc_names, "default.txt");
	strv_push(&sc_texts, c->template ? c->template : c->in->seccomp_template);
	if (c->privdrop_rules) {
		/* snapd's privDropAndChownRules: a root caller keeps what it
		 * takes to drop to the snap's users (and chown files to them);
		 * the seccomp rules say to whom. A caller who is not root has
		 * none of them to keep (runtime/launch.c). */
		strv_push(&sc_names, "privilege-drop.txt");
		strv_push(&sc_texts, c->privdrop_rules);
		p->caps_keep |= 1ULL << CAP_SETUID | 1ULL << CAP_SETGID | 1ULL << CAP_CHOWN;
	}
	int r = apply_grant(c, p, &c->in->defaults->plug, NULL, "default policy", &sc_names,
			    &sc_texts, &snippets, err);
	/* each connection of a plug, then of a slot, bound to this label */
	for (int side = 0; r == 0 && side < 2; side++) {
		const cordon_conn_ends *conns = side == 0 ? c->in->plugs : c->in->slots;
		size_t n = side == 0 ? c->in->n_plugs : c->in->n_slots;
		for (size_t i = 0; r == 0 && i < n; i++) {
			const cordon_conn_ends *e = &conns[i];
			const cordon_port *mine = side == 0 ? e->plug : e->slot;
			if (!cordon_port_bound(mine, app ? app->name : NULL,
					       hook ? hook->name : NULL))
				continue;
			_cleanup_free_ char *origin = xasprintf(
			    "interface %s, %s:%s to %s:%s", e->def->name, e->row->plug_snap,
			    e->row->plug, e->row->slot_snap, e->row->slot);
			r = apply_grant(c, p, side == 0 ? &e->def->plug : &e->def->slot, e, origin,
					&sc_names, &sc_texts, &snippets, err);
		}
	}
	if (r < 0)
		return r;
	r = compile_seccomp(c, p, &sc_names, &sc_texts, err);
	if (r < 0)
		return cordon_err_prefix(err, "seccomp policy of %s", p->label);
	*apparmor_text = cordon_apparmor_profile(p, snippets.p);
	return 0;
}

static void snapc_free(snapc *c)
{
	for (size_t i = 0; i < c->n_bpf; i++)
		free(c->bpf[i].p);
	free(c->bpf);
	strv_free(&c->bpf_keys);
	free(c->template);
	free(c->privdrop_rules);
}

/* A confined snap with system-usernames: the seccomp template of its labels,
 * with the rules of privilege drop for its users' ids. The names are checked
 * again here, as at install: a refresh from a directory could have changed
 * them since, and an unknown name has no id to allow. */
static int prepare_privdrop(snapc *c, cordon_error **err)
{
	const cordon_manifest *m = c->ls->m;
	if (c->confinement == CORDON_CLASSIC || m->n_system_users == 0)
		return 0;
	_cleanup_free_ uint32_t *ids = NULL;
	size_t n;
	int r = cordon_manifest_system_user_ids(m, c->ls->row.name, &ids, &n, err);
	if (r < 0)
		return r;
	if (c->in->seccomp_privdrop == NULL)
		return cordon_err_msg(err, EINVAL,
				      "snap \"%s\" has system-usernames, but no rules of privilege "
				      "drop were given (privilege-drop.txt)",
				      c->ls->row.name);
	return cordon_privdrop_apply(c->in->seccomp_template, c->in->seccomp_privdrop, ids, n,
				     &c->template, &c->privdrop_rules, err);
}

static enum cordon_confinement confinement_of(const char *text)
{
	return strcmp(text, "classic") == 0   ? CORDON_CLASSIC
	       : strcmp(text, "devmode") == 0 ? CORDON_DEVMODE
					      : CORDON_STRICT;
}

int cordon_compile(const cordon_compile_input *in, const cordon_content_mount *mounts,
		   size_t n_mounts, const strv *apps, const strv *hooks, cordon_compiled **out,
		   size_t *n, cordon_error **err)
{
	*out = NULL;
	*n = 0;
	snapc c = {
	    .in = in, .ls = in->snap, .confinement = confinement_of(in->snap->row.confinement)};
	const cordon_manifest *m = c.ls->m;
	/* the snap's mount namespace holds the content mounts of all its
	 * apps; its stamp changes with the revision and those mounts */
	_cleanup_strv_ strv triples = {0};
	cordon_content_mounts_triples(mounts, n_mounts, &triples);
	_cleanup_free_ char *root_id = cordon_ns_root_id(in);
	_cleanup_free_ char *ns_stamp = cordon_ns_stamp(c.ls->row.current, root_id, &triples);
	bool all = apps == NULL && hooks == NULL;
	int r = prepare_privdrop(&c, err);
	size_t total = m->n_apps + m->n_hooks;
	for (size_t i = 0; r == 0 && i < total; i++) {
		const cordon_app *app = i < m->n_apps ? &m->apps[i] : NULL;
		const cordon_hook *hook = app ? NULL : &m->hooks[i - m->n_apps];
		if (!all && !(app ? apps && strv_contains(apps, app->name)
				  : hooks && strv_contains(hooks, hook->name)))
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		cordon_compiled *one = &(*out)[(*n)++];
		memset(one, 0, sizeof *one);
		r = compile_label(&c, app, hook, mounts, n_mounts, ns_stamp, &one->policy,
				  &one->apparmor, err);
	}
	snapc_free(&c);
	if (r < 0) {
		cordon_compiled_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void cordon_compiled_free(cordon_compiled *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cordon_policy_free(&c[i].policy);
		free(c[i].apparmor);
	}
	free(c);
}
