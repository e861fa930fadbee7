/* snap.yaml -> cordon_manifest: the top level, apps, hooks, environment,
 * layout and epoch. Plugs, slots and system-usernames are in manifest_ports.c.
 *
 * Shapes follow snapd's Go structs (snap/info_snap_yaml.go) decoded by
 * gopkg.in/yaml.v2: a string field takes any scalar and keeps its text
 * ("version: 1.0" is "1.0"), null means absent, a list or map where a string
 * belongs is a type error, and keys snapd does not know are ignored (top-level
 * ones are recorded in unknown_keys). Values are checked later, in
 * manifest_validate*.c; this file only rejects what snapd's YAML decoding
 * rejects. */
#include "manifest_internal.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

int mp_error(mparse *p, const ydoc_node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return ydoc_error_at(p->err, p->src, n->line, n->col, "%s", msg);
}

int mp_type_error(mparse *p, const char *path, const ydoc_node *n, const char *what)
{
	return mp_error(p, n, "%s: expected %s, got %s", path, what, ydoc_type_name(n->type));
}

static bool plain_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

char *mp_path(const char *prefix, const char *key)
{
	_cleanup_free_ char *k = plain_word(key) ? xstrdup(key) : ydoc_quoted(key);
	return prefix ? xasprintf("%s.%s", prefix, k) : steal_ptr(k);
}

/* A scalar's text for a string field: null is absent (NULL); so is "" unless
 * keep_empty (snapd's enumerated types reject an explicit ""). */
static int get_str(mparse *p, const char *path, const ydoc_node *n, bool keep_empty, char **out)
{
	if (n->kind != YDOC_SCALAR)
		return mp_type_error(p, path, n, "a string");
	free(*out);
	*out = NULL;
	if (n->type == YDOC_T_NULL || (n->len == 0 && !keep_empty))
		return 0;
	*out = xstrdup(n->text);
	return 0;
}

int mp_strv(mparse *p, const char *path, const ydoc_node *n, bool dedup, strv *out,
	    cordon_pos **pos_out)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_SEQ)
		return mp_type_error(p, path, n, "a list");
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i].kind != YDOC_SCALAR) {
			_cleanup_free_ char *ip = xasprintf("%s[%zu]", path, i);
			return mp_type_error(p, ip, &n->items[i], "a string");
		}
	}
	/* Repeats are found by sorting, not pairwise, whatever the list's size. */
	_cleanup_free_ bool *repeat = xcalloc(n->n ? n->n : 1, sizeof *repeat);
	if (dedup) {
		_cleanup_free_ name_ref *refs = xcalloc(n->n ? n->n : 1, sizeof *refs);
		for (size_t i = 0; i < n->n; i++)
			refs[i] =
			    (name_ref){n->items[i].type == YDOC_T_NULL ? "" : n->items[i].text, i};
		name_index_sort(refs, n->n);
		for (size_t i = 1; i < n->n; i++)
			if (strcmp(refs[i].name, refs[i - 1].name) == 0)
				repeat[refs[i].idx] = true;
	}
	cordon_pos *pos = pos_out ? xcalloc(n->n ? n->n : 1, sizeof *pos) : NULL;
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *it = &n->items[i];
		if (repeat[i])
			continue;
		if (pos)
			pos[out->n] = mv_pos(it->line, it->col);
		strv_push(out, it->type == YDOC_T_NULL ? "" : it->text);
	}
	if (pos_out) {
		free(*pos_out);
		*pos_out = pos;
	}
	return 0;
}

void mp_env_clear(cordon_env_map *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->v[i].name);
		free(env->v[i].value);
	}
	free(env->v);
	env->v = NULL;
	env->n = 0;
}

int mp_env(mparse *p, const char *path, const ydoc_node *n, cordon_env_map *out)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return mp_type_error(p, path, n, "a map of variable names to values");
	mp_env_clear(out);
	out->v = xcalloc(n->n ? n->n : 1, sizeof *out->v);
	for (size_t k = 0; k < n->n; k++) {
		const ydoc_node *key = &n->items[2 * k], *val = &n->items[2 * k + 1];
		if (val->kind != YDOC_SCALAR) {
			_cleanup_free_ char *vp = mp_path(path, key->text);
			return mp_type_error(p, vp, val, "a string");
		}
		/* A number or bool is kept as written: "1.10" stays "1.10". */
		out->v[out->n++] = (cordon_env_entry){
		    .name = xstrdup(key->text),
		    .value = xstrdup(val->type == YDOC_T_NULL ? "" : val->text),
		    .line = key->line,
		    .col = key->col,
		};
	}
	return 0;
}

/* ---- apps ---- */

enum field_type {
	F_STR,	    /* string, "" is absent */
	F_STR_KEEP, /* string, "" kept: snapd rejects it for these */
	F_STRV,
	F_STRV_DEDUP,
	F_ENV,
	F_SOCKETS,
	F_ACTIVATES,
	F_SECTION, /* a whole section, parsed after the simple fields */
};

#define NO_POS ((size_t)-1)
static const struct app_field {
	const char *key;
	cordon_app_key id;
	enum field_type type;
	size_t off;	/* of the field in cordon_app */
	size_t pos_off; /* of the item positions, for lists */
} app_fields[] = {
    {"command", CORDON_APP_COMMAND, F_STR, offsetof(cordon_app, command), NO_POS},
    {"command-chain", CORDON_APP_COMMAND_CHAIN, F_STRV, offsetof(cordon_app, command_chain),
     offsetof(cordon_app, command_chain_pos)},
    {"daemon", CORDON_APP_DAEMON, F_STR, offsetof(cordon_app, daemon), NO_POS},
    {"daemon-scope", CORDON_APP_DAEMON_SCOPE, F_STR_KEEP, offsetof(cordon_app, daemon_scope),
     NO_POS},
    {"stop-command", CORDON_APP_STOP_COMMAND, F_STR, offsetof(cordon_app, stop_command), NO_POS},
    {"reload-command", CORDON_APP_RELOAD_COMMAND, F_STR, offsetof(cordon_app, reload_command),
     NO_POS},
    {"post-stop-command", CORDON_APP_POST_STOP_COMMAND, F_STR,
     offsetof(cordon_app, post_stop_command), NO_POS},
    {"stop-mode", CORDON_APP_STOP_MODE, F_STR, offsetof(cordon_app, stop_mode), NO_POS},
    {"stop-timeout", CORDON_APP_STOP_TIMEOUT, F_STR_KEEP, offsetof(cordon_app, stop_timeout),
     NO_POS},
    {"start-timeout", CORDON_APP_START_TIMEOUT, F_STR_KEEP, offsetof(cordon_app, start_timeout),
     NO_POS},
    {"watchdog-timeout", CORDON_APP_WATCHDOG_TIMEOUT, F_STR_KEEP,
     offsetof(cordon_app, watchdog_timeout), NO_POS},
    {"restart-condition", CORDON_APP_RESTART_CONDITION, F_STR_KEEP,
     offsetof(cordon_app, restart_condition), NO_POS},
    {"restart-delay", CORDON_APP_RESTART_DELAY, F_STR_KEEP, offsetof(cordon_app, restart_delay),
     NO_POS},
    {"refresh-mode", CORDON_APP_REFRESH_MODE, F_STR, offsetof(cordon_app, refresh_mode), NO_POS},
    {"install-mode", CORDON_APP_INSTALL_MODE, F_STR, offsetof(cordon_app, install_mode), NO_POS},
    {"timer", CORDON_APP_TIMER, F_STR, offsetof(cordon_app, timer), NO_POS},
    {"bus-name", CORDON_APP_BUS_NAME, F_STR, offsetof(cordon_app, bus_name), NO_POS},
    {"common-id", CORDON_APP_COMMON_ID, F_STR, offsetof(cordon_app, common_id), NO_POS},
    {"desktop", CORDON_APP_DESKTOP, F_STR, offsetof(cordon_app, desktop), NO_POS},
    {"completer", CORDON_APP_COMPLETER, F_STR, offsetof(cordon_app, completer), NO_POS},
    {"autostart", CORDON_APP_AUTOSTART, F_STR, offsetof(cordon_app, autostart), NO_POS},
    {"activates-on", CORDON_APP_ACTIVATES_ON, F_ACTIVATES, offsetof(cordon_app, activates),
     offsetof(cordon_app, activates_pos)},
    {"after", CORDON_APP_AFTER, F_STRV, offsetof(cordon_app, after),
     offsetof(cordon_app, after_pos)},
    {"before", CORDON_APP_BEFORE, F_STRV, offsetof(cordon_app, before),
     offsetof(cordon_app, before_pos)},
    {"aliases", CORDON_APP_ALIASES, F_STRV, offsetof(cordon_app, aliases),
     offsetof(cordon_app, aliases_pos)},
    {"plugs", CORDON_APP_PLUGS, F_STRV_DEDUP, offsetof(cordon_app, plugs),
     offsetof(cordon_app, plugs_pos)},
    {"slots", CORDON_APP_SLOTS, F_STRV_DEDUP, offsetof(cordon_app, slots),
     offsetof(cordon_app, slots_pos)},
    {"environment", CORDON_APP_ENVIRONMENT, F_ENV, offsetof(cordon_app, environment), NO_POS},
    {"sockets", CORDON_APP_SOCKETS, F_SOCKETS, 0, NO_POS},
};

static int parse_socket(mparse *p, const char *path, const ydoc_node *key, const ydoc_node *val,
			cordon_socket *s)
{
	*s = (cordon_socket){
	    .name = xstrdup(key->text), .mode = -1, .line = key->line, .col = key->col};
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return mp_type_error(p, path, val, "a map");
	const ydoc_node *ls = ydoc_map_get(val, "listen-stream");
	if (ls) {
		_cleanup_free_ char *lp = mp_path(path, "listen-stream");
		int r = get_str(p, lp, ls, false, &s->listen_stream);
		if (r < 0)
			return r;
		s->listen_stream_pos = mv_pos(ls->line, ls->col);
	}
	const ydoc_node *sm = ydoc_map_get(val, "socket-mode");
	if (sm && !(sm->kind == YDOC_SCALAR && sm->type == YDOC_T_NULL)) {
		/* snapd decodes this into an os.FileMode: a YAML integer,
		 * where 0640 is octal. A quoted "0640" does not decode. */
		if (sm->kind != YDOC_SCALAR || sm->type != YDOC_T_INT || sm->i < 0 ||
		    sm->i > UINT32_MAX) {
			_cleanup_free_ char *mp = mp_path(path, "socket-mode");
			_cleanup_free_ char *q =
			    ydoc_quoted(sm->kind == YDOC_SCALAR ? sm->text : "");
			if (sm->kind != YDOC_SCALAR)
				return mp_type_error(p, mp, sm, "a file mode such as 0660");
			return mp_error(p, sm, "%s: expected a file mode such as 0660, got %s", mp,
					q);
		}
		s->socket_mode = xstrdup(sm->text);
		s->mode = sm->i;
		s->socket_mode_pos = mv_pos(sm->line, sm->col);
	}
	return 0;
}

static int parse_sockets(mparse *p, const char *path, const ydoc_node *n, cordon_app *app)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return mp_type_error(p, path, n, "a map of socket names");
	app->sockets = xcalloc(n->n ? n->n : 1, sizeof *app->sockets);
	for (size_t k = 0; k < n->n; k++) {
		_cleanup_free_ char *sp = mp_path(path, n->items[2 * k].text);
		int r = parse_socket(p, sp, &n->items[2 * k], &n->items[2 * k + 1],
				     &app->sockets[app->n_sockets++]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_app(mparse *p, const ydoc_node *key, const ydoc_node *val, cordon_app *app)
{
	app->name = xstrdup(key->text);
	app->line = key->line;
	app->col = key->col;
	_cleanup_free_ char *path = mp_path("apps", key->text);
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return mp_type_error(p, path, val, "a map");
	for (size_t k = 0; k < val->n; k++) {
		const ydoc_node *fk = &val->items[2 * k], *fv = &val->items[2 * k + 1];
		const struct app_field *f = NULL;
		for (size_t j = 0; j < ARRAY_SIZE(app_fields) && !f; j++)
			if (strcmp(app_fields[j].key, fk->text) == 0)
				f = &app_fields[j];
		if (f == NULL)
			continue; /* unknown app keys are ignored, as snapd does */
		_cleanup_free_ char *fp = mp_path(path, fk->text);
		char *base = (char *)app;
		cordon_pos **pos = f->pos_off == NO_POS ? NULL : (cordon_pos **)(base + f->pos_off);
		int r = 0;
		switch (f->type) {
		case F_STR:
		case F_STR_KEEP:
			r = get_str(p, fp, fv, f->type == F_STR_KEEP, (char **)(base + f->off));
			break;
		case F_STRV:
		case F_STRV_DEDUP:
			r = mp_strv(p, fp, fv, f->type == F_STRV_DEDUP, (strv *)(base + f->off),
				    pos);
			break;
		case F_ACTIVATES:
			r = mp_strv(p, fp, fv, true, &app->activates, pos);
			app->activates_set = app->activates.n > 0;
			break;
		case F_ENV:
			r = mp_env(p, fp, fv, &app->environment);
			break;
		case F_SOCKETS:
			r = parse_sockets(p, fp, fv, app);
			break;
		case F_SECTION:
			break;
		}
		if (r < 0)
			return r;
		app->pos[f->id] = mv_pos(fv->line, fv->col);
	}
	/* snapd: "Daemons default to being system daemons". */
	if (app->daemon && app->daemon_scope == NULL)
		app->daemon_scope = xstrdup("system");
	return 0;
}

static int parse_apps(mparse *p, const ydoc_node *n)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return mp_type_error(p, "apps", n, "a map of app names");
	cordon_manifest *m = p->m;
	m->apps = xcalloc(n->n ? n->n : 1, sizeof *m->apps);
	for (size_t k = 0; k < n->n; k++) {
		int r = parse_app(p, &n->items[2 * k], &n->items[2 * k + 1], &m->apps[m->n_apps++]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- hooks ---- */

static int parse_hook(mparse *p, const ydoc_node *key, const ydoc_node *val, cordon_hook *h)
{
	h->name = xstrdup(key->text);
	h->line = key->line;
	h->col = key->col;
	_cleanup_free_ char *path = mp_path("hooks", key->text);
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return mp_type_error(p, path, val, "a map");
	static const char *const keys[] = {"command-chain", "plugs", "slots", "environment"};
	for (size_t j = 0; j < ARRAY_SIZE(keys); j++) {
		const ydoc_node *fv = ydoc_map_get(val, keys[j]);
		if (fv == NULL)
			continue;
		_cleanup_free_ char *fp = mp_path(path, keys[j]);
		int r = j == 0 ? mp_strv(p, fp, fv, false, &h->command_chain, &h->command_chain_pos)
			: j == 1 ? mp_strv(p, fp, fv, true, &h->plugs, &h->plugs_pos)
			: j == 2 ? mp_strv(p, fp, fv, true, &h->slots, &h->slots_pos)
				 : mp_env(p, fp, fv, &h->environment);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_hooks(mparse *p, const ydoc_node *n)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return mp_type_error(p, "hooks", n, "a map of hook names");
	cordon_manifest *m = p->m;
	m->hooks = xcalloc(n->n ? n->n : 1, sizeof *m->hooks);
	for (size_t k = 0; k < n->n; k++) {
		int r =
		    parse_hook(p, &n->items[2 * k], &n->items[2 * k + 1], &m->hooks[m->n_hooks++]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- layout ---- */

static int parse_layout_entry(mparse *p, const ydoc_node *key, const ydoc_node *val,
			      cordon_layout *l)
{
	l->path = xstrdup(key->text);
	l->line = key->line;
	l->col = key->col;
	_cleanup_free_ char *path = mp_path("layout", key->text);
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return mp_type_error(p, path, val, "a map");
	for (size_t k = 0; k < val->n; k++) {
		const ydoc_node *fk = &val->items[2 * k], *fv = &val->items[2 * k + 1];
		const char *name = fk->text;
		bool is_kind = strcmp(name, "bind") == 0 || strcmp(name, "bind-file") == 0 ||
			       strcmp(name, "symlink") == 0 || strcmp(name, "type") == 0;
		char **dst = NULL;
		cordon_pos *pos = NULL;
		_cleanup_free_ char *value = NULL;
		if (strcmp(name, "user") == 0)
			dst = &l->user, pos = &l->user_pos;
		else if (strcmp(name, "group") == 0)
			dst = &l->group, pos = &l->group_pos;
		else if (strcmp(name, "mode") == 0)
			dst = &l->mode, pos = &l->mode_pos;
		else if (!is_kind)
			continue;
		_cleanup_free_ char *fp = mp_path(path, name);
		int r = get_str(p, fp, fv, false, dst ? dst : &value);
		if (r < 0)
			return r;
		if (dst) {
			*pos = mv_pos(fv->line, fv->col);
		} else if (value) {
			/* snapd counts the kinds that are set; keep the first. */
			if (l->n_kinds++ == 0) {
				l->kind = xstrdup(name);
				l->target = steal_ptr(value);
				l->target_pos = mv_pos(fv->line, fv->col);
			}
		}
	}
	return 0;
}

static int parse_layout(mparse *p, const ydoc_node *n)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return mp_type_error(p, "layout", n, "a map of paths");
	cordon_manifest *m = p->m;
	m->layout = xcalloc(n->n ? n->n : 1, sizeof *m->layout);
	for (size_t k = 0; k < n->n; k++) {
		int r = parse_layout_entry(p, &n->items[2 * k], &n->items[2 * k + 1],
					   &m->layout[m->n_layout++]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- epoch (snap/epoch.go) ---- */

/* snapd's epoch parseInt: base 10, no zero padding, below 2^32. */
static int epoch_number(mparse *p, const ydoc_node *n, const char *s, uint32_t *out)
{
	_cleanup_free_ char *q = ydoc_quoted(s);
	bool digits = *s != '\0';
	for (const char *c = s; *c; c++)
		digits = digits && *c >= '0' && *c <= '9';
	if (!digits || (s[0] == '0' && s[1] != '\0'))
		return mp_error(
		    p, n, "invalid epoch number %s: expected base 10 with no zero padding", q);
	if (strlen(s) > 10 || strtoull(s, NULL, 10) > UINT32_MAX)
		return mp_error(p, n,
				"invalid epoch number %s: epoch numbers must be less than 2^32", q);
	*out = (uint32_t)strtoull(s, NULL, 10);
	return 0;
}

static int epoch_list(mparse *p, const ydoc_node *n, const char *which, uint32_t **out,
		      size_t *count, bool *set)
{
	if (n == NULL || (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL))
		return 0;
	if (n->kind != YDOC_SEQ)
		return mp_error(p, n, "epoch.%s: expected a list of epoch numbers, got %s", which,
				ydoc_type_name(n->type));
	if (n->n == 0)
		return mp_error(p, n, "epoch.%s: an epoch list cannot be explicitly empty", which);
	*set = true;
	*out = xcalloc(n->n, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *it = &n->items[i];
		if (it->kind != YDOC_SCALAR)
			return mp_error(p, it, "epoch.%s: expected a list of epoch numbers, got %s",
					which, ydoc_type_name(it->type));
		int r = epoch_number(p, it, it->type == YDOC_T_NULL ? "" : it->text, &(*out)[i]);
		if (r < 0)
			return r;
		(*count)++;
	}
	return 0;
}

static void epoch_json(buf *b, const char *name, const uint32_t *v, size_t n)
{
	buf_printf(b, "\"%s\":[", name);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%u", i ? "," : "", v[i]);
	buf_addc(b, ']');
}

static int parse_epoch(mparse *p, const ydoc_node *n)
{
	_cleanup_free_ uint32_t *rd = NULL, *wr = NULL;
	size_t nr = 0, nw = 0;
	bool rset = false, wset = false;
	if (n->kind == YDOC_SCALAR) {
		/* "N" reads and writes N; "N*" also reads N-1. */
		const char *s = n->type == YDOC_T_NULL ? "" : n->text;
		if (*s == '\0' || strcmp(s, "0") == 0) {
			p->m->epoch = xstrdup("0");
			return 0;
		}
		_cleanup_free_ char *num = xstrdup(s);
		size_t len = strlen(num);
		bool star = num[len - 1] == '*';
		if (star)
			num[len - 1] = '\0';
		uint32_t v;
		int r = epoch_number(p, n, num, &v);
		if (r < 0)
			return r;
		if (star && v == 0)
			return mp_error(p, n, "invalid epoch \"0*\": 0* is not an epoch");
		p->m->epoch = xasprintf("%u%s", v, star ? "*" : "");
		return 0;
	}
	if (n->kind != YDOC_MAP)
		return mp_type_error(p, "epoch", n,
				     "a number, \"N*\" or a map of read/write lists");
	int r = epoch_list(p, ydoc_map_get(n, "read"), "read", &rd, &nr, &rset);
	if (r == 0)
		r = epoch_list(p, ydoc_map_get(n, "write"), "write", &wr, &nw, &wset);
	if (r < 0)
		return r;
	/* read defaults to write, write to the last item of read. */
	if (!rset && !wset) {
		p->m->epoch = xstrdup("0");
		return 0;
	}
	if (!rset) {
		rd = xcalloc(nw, sizeof *rd);
		memcpy(rd, wr, nw * sizeof *rd);
		nr = nw;
	} else if (!wset) {
		wr = xcalloc(1, sizeof *wr);
		wr[0] = rd[nr - 1];
		nw = 1;
	}
	if (nr > 10 || nw > 10)
		return mp_error(p, n, "invalid epoch: lists must not have more than 10 entries");
	for (size_t i = 1; i < nr || i < nw; i++)
		if ((i < nr && rd[i] < rd[i - 1]) || (i < nw && wr[i] < wr[i - 1]))
			return mp_error(p, n, "invalid epoch: lists must be in ascending order");
	bool meet = false;
	for (size_t i = 0; i < nr && !meet; i++)
		for (size_t j = 0; j < nw && !meet; j++)
			meet = rd[i] == wr[j];
	if (!meet)
		return mp_error(p, n,
				"invalid epoch: read and write lists must have a common epoch");
	/* Print it as snapd does (Epoch.String). */
	if (nw == 1 && nr == 1 && rd[0] == wr[0]) {
		p->m->epoch = xasprintf("%u", rd[0]);
	} else if (nw == 1 && nr == 2 && rd[0] + 1 == rd[1] && rd[1] == wr[0]) {
		p->m->epoch = xasprintf("%u*", rd[1]);
	} else {
		_cleanup_buf_ buf b = {0};
		buf_addc(&b, '{');
		epoch_json(&b, "read", rd, nr);
		buf_addc(&b, ',');
		epoch_json(&b, "write", wr, nw);
		buf_addc(&b, '}');
		p->m->epoch = buf_steal(&b);
	}
	return 0;
}

/* ---- the top level ---- */

static const struct top_field {
	const char *key;
	cordon_key id;
	enum field_type type;
	size_t off;
} top_fields[] = {
    {"name", CORDON_KEY_NAME, F_STR, offsetof(cordon_manifest, name)},
    {"version", CORDON_KEY_VERSION, F_STR, offsetof(cordon_manifest, version)},
    {"summary", CORDON_KEY_SUMMARY, F_STR, offsetof(cordon_manifest, summary)},
    {"description", CORDON_KEY_DESCRIPTION, F_STR, offsetof(cordon_manifest, description)},
    {"title", CORDON_KEY_TITLE, F_STR, offsetof(cordon_manifest, title)},
    {"base", CORDON_KEY_BASE, F_STR, offsetof(cordon_manifest, base)},
    {"confinement", CORDON_KEY_CONFINEMENT, F_STR_KEEP, offsetof(cordon_manifest, confinement)},
    {"grade", CORDON_KEY_GRADE, F_STR_KEEP, offsetof(cordon_manifest, grade)},
    {"type", CORDON_KEY_TYPE, F_STR_KEEP, offsetof(cordon_manifest, type)},
    {"license", CORDON_KEY_LICENSE, F_STR, offsetof(cordon_manifest, license)},
    {"architectures", CORDON_KEY_ARCHITECTURES, F_STRV, offsetof(cordon_manifest, architectures)},
    {"assumes", CORDON_KEY_ASSUMES, F_STRV, offsetof(cordon_manifest, assumes)},
    {"environment", CORDON_KEY_ENVIRONMENT, F_ENV, offsetof(cordon_manifest, environment)},
    {"epoch", CORDON_KEY_EPOCH, F_SECTION, 0},
    {"plugs", CORDON_KEY_PLUGS, F_SECTION, 0},
    {"slots", CORDON_KEY_SLOTS, F_SECTION, 0},
    {"apps", CORDON_KEY_APPS, F_SECTION, 0},
    {"hooks", CORDON_KEY_HOOKS, F_SECTION, 0},
    {"layout", CORDON_KEY_LAYOUT, F_SECTION, 0},
    {"system-usernames", CORDON_KEY_SYSTEM_USERNAMES, F_SECTION, 0},
};

static int parse_top(mparse *p, const ydoc_node *root)
{
	cordon_manifest *m = p->m;
	const ydoc_node *section[CORDON_KEY_N] = {0};
	for (size_t k = 0; k < root->n; k++) {
		const ydoc_node *key = &root->items[2 * k], *val = &root->items[2 * k + 1];
		const struct top_field *f = NULL;
		for (size_t j = 0; j < ARRAY_SIZE(top_fields) && !f; j++)
			if (strcmp(top_fields[j].key, key->text) == 0)
				f = &top_fields[j];
		if (f == NULL) {
			/* snapd's own typo detector for this one. */
			if (strcmp(key->text, "layouts") == 0)
				return mp_error(p, key,
						"unknown key \"layouts\": the key is "
						"\"layout\" (singular)");
			strv_push(&m->unknown_keys, key->text);
			continue;
		}
		m->key_pos[f->id] = mv_pos(val->line, val->col);
		_cleanup_free_ char *fp = mp_path(NULL, key->text);
		char *base = (char *)m;
		int r = 0;
		if (f->type == F_SECTION)
			section[f->id] = val;
		else if (f->type == F_STRV)
			r = mp_strv(p, fp, val, false, (strv *)(base + f->off), NULL);
		else if (f->type == F_ENV)
			r = mp_env(p, fp, val, &m->environment);
		else
			r = get_str(p, fp, val, f->type == F_STR_KEEP, (char **)(base + f->off));
		if (r < 0)
			return r;
	}
	/* Sections in a fixed order: apps and hooks bind to declared ports. */
	int r = 0;
	if (section[CORDON_KEY_EPOCH])
		r = parse_epoch(p, section[CORDON_KEY_EPOCH]);
	else
		m->epoch = xstrdup("0");
	if (r == 0 && section[CORDON_KEY_PLUGS])
		r = mp_ports(p, section[CORDON_KEY_PLUGS], true);
	if (r == 0 && section[CORDON_KEY_SLOTS])
		r = mp_ports(p, section[CORDON_KEY_SLOTS], false);
	if (r == 0 && section[CORDON_KEY_APPS])
		r = parse_apps(p, section[CORDON_KEY_APPS]);
	if (r == 0 && section[CORDON_KEY_HOOKS])
		r = parse_hooks(p, section[CORDON_KEY_HOOKS]);
	if (r == 0 && section[CORDON_KEY_LAYOUT])
		r = parse_layout(p, section[CORDON_KEY_LAYOUT]);
	if (r == 0 && section[CORDON_KEY_SYSTEM_USERNAMES])
		r = mp_system_users(p, section[CORDON_KEY_SYSTEM_USERNAMES]);
	if (r < 0)
		return r;
	/* The store's old spelling, which snapd still takes. */
	if (m->type && strcmp(m->type, "application") == 0) {
		free(m->type);
		m->type = xstrdup("app");
	}
	return mp_bind_ports(p);
}

int cordon_manifest_parse(const char *text, size_t len, const char *source_name,
			  cordon_manifest **out, cordon_error **err)
{
	*out = NULL;
	_cleanup_ydoc_ ydoc *doc = NULL;
	int r = ydoc_load(text, len, source_name, &doc, err);
	if (r < 0)
		return r;
	_cleanup_manifest_ cordon_manifest *m = xcalloc(1, sizeof *m);
	m->source_name = xstrdup(source_name);
	m->pos = mv_pos(doc->line, doc->col);
	mparse p = {.m = m, .src = source_name, .err = err};
	const ydoc_node *root = doc->root;
	if (root == NULL || (root->kind == YDOC_SCALAR && root->type == YDOC_T_NULL))
		return ydoc_error_at(err, source_name, doc->line, doc->col,
				     "empty document: expected a map of snap.yaml keys");
	if (root->kind != YDOC_MAP)
		return mp_error(&p, root,
				"expected a map of snap.yaml keys at the top level, got %s",
				ydoc_type_name(root->type));
	r = parse_top(&p, root);
	if (r < 0)
		return r;
	*out = steal_ptr(m);
	return 0;
}
