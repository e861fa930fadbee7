/* Plugs and slots: the declaration forms snapd accepts, their attributes, the
 * implicit ports apps and hooks create by naming undeclared ones, and snapd's
 * binding rule (snap/info_snap_yaml.go), which starts by dropping the hooks
 * snapd does not support. Also system-usernames, which share the "string,
 * null or map of attributes" shape. */
#include "manifest_ports.h"
#include "manifest.h"
#include "manifest_names.h"
#include "name_index.h"
#include "util.h"
#include "yaml_doc.h"
#include "yaml_read.h"

#include <stdlib.h>
#include <string.h>

/* snapd's metautil.NormalizeValue: strings, bools, numbers, lists and maps
 * with string keys. Null has no meaning for an interface and is refused. */
static int to_value(const yread *in, const char *path, const ydoc_node *n, cordon_yaml_value *v)
{
	v->line = n->line;
	v->col = n->col;
	switch (n->kind) {
	case YDOC_SCALAR:
		v->scalar = xstrdup(n->text);
		v->kind = n->type == YDOC_T_BOOL    ? CORDON_Y_BOOL
			  : n->type == YDOC_T_INT   ? CORDON_Y_INT
			  : n->type == YDOC_T_FLOAT ? CORDON_Y_FLOAT
			  : n->type == YDOC_T_NULL  ? CORDON_Y_NULL
						    : CORDON_Y_STRING;
		v->b = n->b;
		v->i = n->i;
		v->f = n->f;
		if (v->kind == CORDON_Y_NULL)
			return yread_error(in, n,
					   "%s: null is not a valid attribute value: expected a "
					   "string, number, bool, list or map",
					   path);
		return 0;
	case YDOC_SEQ:
		v->kind = CORDON_Y_LIST;
		v->items = xcalloc(n->n ? n->n : 1, sizeof *v->items);
		for (size_t i = 0; i < n->n; i++) {
			v->n++;
			_cleanup_free_ char *ip = xasprintf("%s[%zu]", path, i);
			int r = to_value(in, ip, &n->items[i], &v->items[i]);
			if (r < 0)
				return r;
		}
		return 0;
	case YDOC_MAP:
		v->kind = CORDON_Y_MAP;
		v->items = xcalloc(n->n ? n->n : 1, sizeof *v->items);
		v->keys = xcalloc(n->n ? n->n : 1, sizeof *v->keys);
		for (size_t k = 0; k < n->n; k++) {
			const ydoc_node *key = &n->items[2 * k];
			if (key->type != YDOC_T_STR) {
				_cleanup_free_ char *q = ydoc_quoted(key->text);
				return yread_error(in, key,
						   "%s: key %s is %s: expected a string key", path,
						   q, ydoc_type_name(key->type));
			}
			v->keys[k] = xstrdup(key->text);
			v->n++;
			_cleanup_free_ char *kp = yread_path(path, key->text);
			int r = to_value(in, kp, &n->items[2 * k + 1], &v->items[k]);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return 0;
}

static int port_attrs(const yread *in, const char *path, const char *what, const ydoc_node *n,
		      cordon_port *port)
{
	port->attrs = xcalloc(n->n ? n->n : 1, sizeof *port->attrs);
	for (size_t k = 0; k < n->n; k++) {
		const ydoc_node *key = &n->items[2 * k], *val = &n->items[2 * k + 1];
		_cleanup_free_ char *q = ydoc_quoted(key->text);
		if (key->type != YDOC_T_STR)
			return yread_error(in, key, "%s: attribute key %s is %s: expected a string",
					   path, q, ydoc_type_name(key->type));
		if (key->len == 0)
			return yread_error(in, key, "%s: empty attribute name", path);
		/* snapd reserves "$..." attributes for its own use. */
		if (key->text[0] == '$')
			return yread_error(in, key,
					   "%s: attribute %s is reserved: names starting with "
					   "\"$\" belong to snapd",
					   path, q);
		_cleanup_free_ char *ap = yread_path(path, key->text);
		bool is_iface = strcmp(key->text, "interface") == 0;
		if (is_iface || strcmp(key->text, "label") == 0) {
			if (val->kind != YDOC_SCALAR || val->type != YDOC_T_STR)
				return yread_error(in, val,
						   "%s: expected the %s's %s as a string, got %s",
						   ap, what, key->text, ydoc_type_name(val->type));
			char **dst = is_iface ? &port->interface : &port->label;
			free(*dst);
			*dst = xstrdup(val->text);
			if (is_iface)
				port->interface_pos = cordon_pos_at(val->line, val->col);
			continue;
		}
		cordon_attr *a = &port->attrs[port->n_attrs++];
		a->name = xstrdup(key->text);
		int r = to_value(in, ap, val, &a->value);
		if (r < 0)
			return r;
	}
	return 0;
}

int mp_ports(const yread *in, cordon_manifest *m, const ydoc_node *n, bool plugs)
{
	const char *section = plugs ? "plugs" : "slots";
	const char *what = plugs ? "plug" : "slot";
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return yread_error(in, n, "%s: expected a map of %s names, got %s", section, what,
				   ydoc_type_name(n->type));
	cordon_port **ports = plugs ? &m->plugs : &m->slots;
	size_t *count = plugs ? &m->n_plugs : &m->n_slots;
	*ports = xcalloc(n->n ? n->n : 1, sizeof **ports);
	for (size_t k = 0; k < n->n; k++) {
		const ydoc_node *key = &n->items[2 * k], *val = &n->items[2 * k + 1];
		cordon_port *port = &(*ports)[(*count)++];
		port->name = xstrdup(key->text);
		port->top_level = true;
		port->line = key->line;
		port->col = key->col;
		port->interface_pos = cordon_pos_at(key->line, key->col);
		_cleanup_free_ char *path = yread_path(section, key->text);
		/* The forms: "name: interface", "name:" (null: the interface is
		 * the name), "name: {interface: x, attr: ...}" and "name: {}". */
		if (val->kind == YDOC_SCALAR && val->type == YDOC_T_STR) {
			port->interface = xstrdup(val->text);
			port->interface_pos = cordon_pos_at(val->line, val->col);
		} else if (val->kind == YDOC_MAP) {
			int r = port_attrs(in, path, what, val, port);
			if (r < 0)
				return r;
		} else if (!(val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)) {
			return yread_error(in, val,
					   "%s: expected an interface name, null or a map of "
					   "attributes, got %s",
					   path, ydoc_type_name(val->type));
		}
		if (port->interface == NULL)
			port->interface = xstrdup(port->name);
	}
	return 0;
}

int mp_system_users(const yread *in, cordon_manifest *m, const ydoc_node *n)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return yread_type_error(in, "system-usernames", n, "a map of user names");
	m->system_users = xcalloc(n->n ? n->n : 1, sizeof *m->system_users);
	for (size_t k = 0; k < n->n; k++) {
		const ydoc_node *key = &n->items[2 * k], *val = &n->items[2 * k + 1];
		_cleanup_free_ char *path = yread_path("system-usernames", key->text);
		if (key->len == 0)
			return yread_error(in, key, "system-usernames: empty user name");
		cordon_system_user *u = &m->system_users[m->n_system_users++];
		u->name = xstrdup(key->text);
		u->line = key->line;
		u->col = key->col;
		const ydoc_node *scope = NULL;
		if (val->kind == YDOC_SCALAR && val->type == YDOC_T_STR) {
			scope = val; /* short form: "name: shared" */
		} else if (val->kind == YDOC_MAP) {
			for (size_t j = 0; j < val->n; j++) {
				const ydoc_node *ak = &val->items[2 * j],
						*av = &val->items[2 * j + 1];
				_cleanup_free_ char *ap = yread_path(path, ak->text);
				if (ak->type != YDOC_T_STR || ak->len == 0)
					return yread_error(
					    in, ak, "%s: expected a non-empty string key", ap);
				if (strcmp(ak->text, "scope") == 0) {
					if (av->kind != YDOC_SCALAR || av->type != YDOC_T_STR)
						return yread_type_error(in, ap, av, "a string");
					scope = av;
					continue;
				}
				/* Other attributes are kept by snapd; check them as it does. */
				cordon_yaml_value tmp = {0};
				int r = to_value(in, ap, av, &tmp);
				cordon_yaml_value_clear(&tmp);
				if (r < 0)
					return r;
			}
		} else if (!(val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)) {
			return yread_type_error(in, path, val,
						"a scope such as \"shared\" or a map");
		}
		if (scope == NULL || scope->len == 0)
			return yread_error(
			    in, scope ? scope : val,
			    "%s: no scope given: expected \"shared\" or {scope: shared}", path);
		u->scope = xstrdup(scope->text);
	}
	return 0;
}

/* ---- hooks snapd ignores ---- */

/* snapd's supported hook names (snap/hooktypes.go). */
static bool hook_supported(const char *h)
{
	static const char *const fixed[] = {
	    "prepare-device", "prepare-serial-request",
	    "install-device", "default-configure",
	    "configure",      "install",
	    "pre-refresh",    "post-refresh",
	    "remove",	      "check-health",
	    "fde-setup",      "gate-auto-refresh",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(h, fixed[i]))
			return true;
	/* ^(prepare|unprepare|connect|disconnect)-(plug|slot)-[-a-z0-9]+$ */
	static const char *const port_hooks[] = {"prepare-", "unprepare-", "connect-",
						 "disconnect-"};
	for (size_t i = 0; i < ARRAY_SIZE(port_hooks); i++) {
		if (!str_has_prefix(h, port_hooks[i]))
			continue;
		const char *rest = h + strlen(port_hooks[i]);
		if (!str_has_prefix(rest, "plug-") && !str_has_prefix(rest, "slot-"))
			return false;
		rest += 5;
		if (!*rest)
			return false;
		for (; *rest; rest++)
			if (!((*rest >= 'a' && *rest <= 'z') || (*rest >= '0' && *rest <= '9') ||
			      *rest == '-'))
				return false;
		return true;
	}
	/* ^(change|save|query|load|observe)-view-.+$ */
	static const char *const view_hooks[] = {"change-view-", "save-view-", "query-view-",
						 "load-view-", "observe-view-"};
	for (size_t i = 0; i < ARRAY_SIZE(view_hooks); i++)
		if (str_has_prefix(h, view_hooks[i]) && h[strlen(view_hooks[i])])
			return true;
	return false;
}

/* snapd (setHooksFromSnapYaml in snap/info_snap_yaml.go) skips a hook whose
 * name is not a supported one before it binds anything: the hook gets no
 * plugs or slots, creates no implicit ones, no unscoped port binds to it, and
 * it is never validated or run. Dropping it here, before binding, gives the
 * same model; its body was still parsed, so a wrongly typed one fails as it
 * does in snapd's yaml.Unmarshal. A malformed name is kept for validation to
 * refuse: snapd silently drops most of those too ("Install", "pre_refresh"),
 * but cordon reports a name that could never be a hook rather than guess. */
static void drop_unsupported_hooks(cordon_manifest *m)
{
	size_t kept = 0;
	for (size_t i = 0; i < m->n_hooks; i++) {
		cordon_hook *h = &m->hooks[i];
		if (mv_valid_plug_slot_name(h->name) && !hook_supported(h->name)) {
			cordon_hook_clear(h);
			continue;
		}
		if (kept != i)
			m->hooks[kept] = *h;
		kept++;
	}
	m->n_hooks = kept;
}

/* ---- binding ---- */

typedef struct portref {
	const char *name;
	bool hook;	/* owner is a hook (else an app) */
	size_t owner;	/* index in m->apps or m->hooks */
	bool activates; /* from activates-on, which names but never creates a slot */
	cordon_pos pos;
	size_t seq; /* order of mention: apps (in order) then hooks */
} portref;

static int cmp_portref(const void *a, const void *b)
{
	const portref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->hook != y->hook)
		return x->hook ? 1 : -1;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void add_refs(portref **refs, size_t *n, size_t *cap, const strv *names,
		     const cordon_pos *pos, bool hook, size_t owner, bool activates)
{
	for (size_t i = 0; i < names->n; i++) {
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*refs = xreallocarray(*refs, *cap, sizeof **refs);
		}
		(*refs)[*n] = (portref){
		    names->v[i], hook, owner, activates, pos ? pos[i] : (cordon_pos){0, 0}, *n};
		(*n)++;
	}
}

typedef struct implicit {
	cordon_port port;
	size_t seq;
} implicit;

static int cmp_implicit(const void *a, const void *b)
{
	const implicit *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Real snaps bind tens of ports to tens of apps; this bound keeps a hostile
 * file from asking for billions of (port, app) pairs. */
#define MAX_BINDINGS (1024 * 1024)

static int bind_kind(const yread *in, cordon_manifest *m, bool plugs)
{
	cordon_port **ports = plugs ? &m->plugs : &m->slots;
	size_t *count = plugs ? &m->n_plugs : &m->n_slots;
	_cleanup_free_ portref *refs = NULL;
	size_t nrefs = 0, cap = 0;
	for (size_t a = 0; a < m->n_apps; a++) {
		const cordon_app *app = &m->apps[a];
		if (plugs) {
			add_refs(&refs, &nrefs, &cap, &app->plugs, app->plugs_pos, false, a, false);
		} else {
			add_refs(&refs, &nrefs, &cap, &app->slots, app->slots_pos, false, a, false);
			add_refs(&refs, &nrefs, &cap, &app->activates, app->activates_pos, false, a,
				 true);
		}
	}
	for (size_t h = 0; h < m->n_hooks; h++) {
		const cordon_hook *hook = &m->hooks[h];
		add_refs(&refs, &nrefs, &cap, plugs ? &hook->plugs : &hook->slots,
			 plugs ? hook->plugs_pos : hook->slots_pos, true, h, false);
	}
	if (nrefs > 1)
		qsort(refs, nrefs, sizeof *refs, cmp_portref);

	_cleanup_free_ name_ref *declared = xcalloc(*count ? *count : 1, sizeof *declared);
	for (size_t i = 0; i < *count; i++)
		declared[i] = (name_ref){(*ports)[i].name, i};
	name_index_sort(declared, *count);
	_cleanup_free_ bool *scoped = xcalloc(*count ? *count : 1, sizeof *scoped);
	_cleanup_free_ implicit *imp = NULL;
	size_t nimp = 0, impcap = 0;
	size_t bindings = 0;

	for (size_t g = 0; g < nrefs;) {
		size_t end = g;
		bool plain = false;
		size_t first = SIZE_MAX, first_act = SIZE_MAX;
		cordon_pos first_pos = {0, 0}, act_pos = {0, 0};
		for (; end < nrefs && strcmp(refs[end].name, refs[g].name) == 0; end++) {
			if (!refs[end].activates && refs[end].seq < first)
				first = refs[end].seq, first_pos = refs[end].pos, plain = true;
			if (refs[end].activates && refs[end].seq < first_act)
				first_act = refs[end].seq, act_pos = refs[end].pos;
		}
		cordon_port *port;
		const name_ref *d = name_index_find(declared, *count, refs[g].name);
		if (d) {
			port = &(*ports)[d->idx];
			scoped[d->idx] = true;
		} else if (!plain) {
			_cleanup_free_ char *q = ydoc_quoted(refs[g].name);
			for (size_t i = 0; i < nimp; i++)
				cordon_port_clear(&imp[i].port);
			return ydoc_error_at(in->err, in->src, act_pos.line, act_pos.col,
					     "activates-on names slot %s, which the snap does not "
					     "declare: expected a slot of the snap",
					     q);
		} else {
			if (nimp == impcap) {
				impcap = impcap ? 2 * impcap : 8;
				imp = xreallocarray(imp, impcap, sizeof *imp);
			}
			imp[nimp] = (implicit){.seq = first};
			port = &imp[nimp++].port;
			port->name = xstrdup(refs[g].name);
			port->interface = xstrdup(refs[g].name);
			port->implicit = true;
			port->line = first_pos.line;
			port->col = first_pos.col;
			port->interface_pos = first_pos;
		}
		for (size_t i = g; i < end; i++) {
			/* refs are grouped by owner: skip the same owner twice
			 * (an app both listing a slot and activating on it). */
			if (i > g && refs[i].hook == refs[i - 1].hook &&
			    refs[i].owner == refs[i - 1].owner)
				continue;
			if (refs[i].hook)
				strv_push(&port->hooks, m->hooks[refs[i].owner].name);
			else
				strv_push(&port->apps, m->apps[refs[i].owner].name);
			bindings++;
		}
		g = end;
	}
	/* Implicit ports follow the declared ones, in order of first mention. */
	if (nimp > 1)
		qsort(imp, nimp, sizeof *imp, cmp_implicit);
	if (nimp) {
		*ports = xreallocarray(*ports, *count + nimp, sizeof **ports);
		for (size_t i = 0; i < nimp; i++)
			(*ports)[(*count)++] = imp[i].port;
	}
	/* snapd: a declared port no app or hook names binds to all of them. */
	for (size_t i = 0; i < *count; i++) {
		cordon_port *port = &(*ports)[i];
		if (port->implicit || scoped[i]) /* declared ones come first */
			continue;
		port->unscoped = true;
		bindings += m->n_apps + m->n_hooks;
		if (bindings > MAX_BINDINGS)
			return ydoc_error_at(in->err, in->src, port->line, port->col,
					     "too many %s bindings (over %d): expected a snap.yaml "
					     "of a sensible size",
					     plugs ? "plug" : "slot", MAX_BINDINGS);
		for (size_t a = 0; a < m->n_apps; a++)
			strv_push(&port->apps, m->apps[a].name);
		for (size_t h = 0; h < m->n_hooks; h++)
			strv_push(&port->hooks, m->hooks[h].name);
	}
	return 0;
}

/* snapd's implicit hooks (snap.ReadInfo: addImplicitHooks): an executable
 * of meta/hooks that snap.yaml does not declare is a hook all the same, with
 * no plugs or slots of its own, bound (as every hook) to the snap's
 * unscoped ports. Names snapd does not support are skipped, as it does. */
int cordon_manifest_add_implicit_hook(cordon_manifest *m, const char *name)
{
	if (!mv_valid_plug_slot_name(name) || !hook_supported(name))
		return 0;
	if (cordon_manifest_hook(m, name))
		return 0; /* declared */
	m->hooks = xreallocarray(m->hooks, m->n_hooks + 1, sizeof *m->hooks);
	m->hooks[m->n_hooks++] = (cordon_hook){.name = xstrdup(name)};
	cordon_port *kinds[2] = {m->plugs, m->slots};
	size_t counts[2] = {m->n_plugs, m->n_slots};
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < counts[k]; i++)
			if (kinds[k][i].unscoped)
				strv_push(&kinds[k][i].hooks, name);
	return 1;
}

int mp_bind_ports(const yread *in, cordon_manifest *m)
{
	drop_unsupported_hooks(m);
	int r = bind_kind(in, m, true);
	if (r == 0)
		r = bind_kind(in, m, false);
	return r;
}
