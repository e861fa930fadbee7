/* snap.yaml -> cordon_manifest: the top level, apps, hooks, layout and epoch.
 * Plugs, slots and system-usernames, and the binding of ports to apps and
 * hooks, are in manifest_ports.c; values are read by yaml_read.c.
 *
 * Shapes follow snapd's Go structs (snap/info_snap_yaml.go) decoded by
 * gopkg.in/yaml.v2: a string field takes any scalar and keeps its text
 * ("version: 1.0" is "1.0"), null means absent, a list or map where a string
 * belongs is a type error, and keys snapd does not know are ignored (top-level
 * ones are recorded in unknown_keys). Values are checked later, in
 * manifest_validate*.c; this file only rejects what snapd's YAML decoding
 * rejects. */
#include "manifest.h"
#include "error.h"
#include "manifest_ports.h"
#include "util.h"
#include "yaml_doc.h"
#include "yaml_read.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What every section of the parser works on: where errors go, and the model
 * being built. */
typedef struct mparse {
	yread in;
	cordon_manifest *m;
} mparse;

/* ---- the keys of apps, hooks and the top level ---- */

/* Each of these maps is decoded by snapd into a Go struct, one key to one
 * field, so each is read here through a table of its keys: a row says how the
 * value is read and where it goes, and apps and hooks share one loop over
 * theirs (parse_entry). */
typedef struct field field;
typedef int (*field_reader)(const yread *in, const char *path, const ydoc_node *v, void *obj,
			    const field *f);
struct field {
	const char *key;
	field_reader read; /* NULL: a top-level section, parsed after the keys */
	size_t off;	   /* of the value in obj */
	size_t pos_off;	   /* of its items' positions (lists), or NO_OFF */
	int id;		   /* the key's index in obj's key positions, or -1 */
};

#define NO_OFF ((size_t)-1)
/* A value of struct T, and a list with its item positions in T's <v>_pos. */
#define VALUE(T, v) offsetof(T, v), NO_OFF
#define LIST(T, v) offsetof(T, v), offsetof(T, v##_pos)
#define AT(obj, off, T) ((T *)((char *)(obj) + (off)))

static cordon_pos **item_pos(void *obj, const field *f)
{
	return f->pos_off == NO_OFF ? NULL : AT(obj, f->pos_off, cordon_pos *);
}

static int read_str(const yread *in, const char *path, const ydoc_node *v, void *obj,
		    const field *f)
{
	return yread_str(in, path, v, false, AT(obj, f->off, char *));
}

/* "" kept: snapd's enumerated types and durations reject it. */
static int read_str_keep(const yread *in, const char *path, const ydoc_node *v, void *obj,
			 const field *f)
{
	return yread_str(in, path, v, true, AT(obj, f->off, char *));
}

static int read_strv(const yread *in, const char *path, const ydoc_node *v, void *obj,
		     const field *f)
{
	return yread_strv(in, path, v, false, AT(obj, f->off, strv), item_pos(obj, f));
}

/* Port names: snapd keeps them in maps, so a repeated one counts once. */
static int read_strv_dedup(const yread *in, const char *path, const ydoc_node *v, void *obj,
			   const field *f)
{
	return yread_strv(in, path, v, true, AT(obj, f->off, strv), item_pos(obj, f));
}

static int read_env(const yread *in, const char *path, const ydoc_node *v, void *obj,
		    const field *f)
{
	return yread_env(in, path, v, AT(obj, f->off, cordon_env_map));
}

/* activates-on names slots, as slots: does; activates_set says it names any. */
static int read_activates(const yread *in, const char *path, const ydoc_node *v, void *obj,
			  const field *f)
{
	cordon_app *app = obj;
	int r = read_strv_dedup(in, path, v, obj, f);
	app->activates_set = app->activates.n > 0;
	return r;
}

static int parse_socket(const yread *in, const char *path, const ydoc_node *key,
			const ydoc_node *val, cordon_socket *s)
{
	*s = (cordon_socket){
	    .name = xstrdup(key->text), .mode = -1, .line = key->line, .col = key->col};
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return yread_type_error(in, path, val, "a map");
	const ydoc_node *ls = ydoc_map_get(val, "listen-stream");
	if (ls) {
		_cleanup_free_ char *lp = yread_path(path, "listen-stream");
		int r = yread_str(in, lp, ls, false, &s->listen_stream);
		if (r < 0)
			return r;
		s->listen_stream_pos = cordon_pos_at(ls->line, ls->col);
	}
	const ydoc_node *sm = ydoc_map_get(val, "socket-mode");
	if (sm && !(sm->kind == YDOC_SCALAR && sm->type == YDOC_T_NULL)) {
		/* snapd decodes this into an os.FileMode: a YAML integer,
		 * where 0640 is octal. A quoted "0640" does not decode. */
		if (sm->kind != YDOC_SCALAR || sm->type != YDOC_T_INT || sm->i < 0 ||
		    sm->i > UINT32_MAX) {
			_cleanup_free_ char *mp = yread_path(path, "socket-mode");
			_cleanup_free_ char *q =
			    ydoc_quoted(sm->kind == YDOC_SCALAR ? sm->text : "");
			if (sm->kind != YDOC_SCALAR)
				return yread_type_error(in, mp, sm, "a file mode such as 0660");
			return yread_error(in, sm, "%s: expected a file mode such as 0660, got %s",
					   mp, q);
		}
		s->socket_mode = xstrdup(sm->text);
		s->mode = sm->i;
		s->socket_mode_pos = cordon_pos_at(sm->line, sm->col);
	}
	return 0;
}

static int read_sockets(const yread *in, const char *path, const ydoc_node *n, void *obj,
			const field *f)
{
	cordon_app *app = obj;
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return yread_type_error(in, path, n, "a map of socket names");
	app->sockets = xcalloc(n->n ? n->n : 1, sizeof *app->sockets);
	for (size_t k = 0; k < n->n; k++) {
		_cleanup_free_ char *sp = yread_path(path, n->items[2 * k].text);
		int r = parse_socket(in, sp, &n->items[2 * k], &n->items[2 * k + 1],
				     &app->sockets[app->n_sockets++]);
		if (r < 0)
			return r;
	}
	return 0;
}

static const field app_fields[] = {
    {"command", read_str, VALUE(cordon_app, command), CORDON_APP_COMMAND},
    {"command-chain", read_strv, LIST(cordon_app, command_chain), CORDON_APP_COMMAND_CHAIN},
    {"daemon", read_str, VALUE(cordon_app, daemon), CORDON_APP_DAEMON},
    {"daemon-scope", read_str_keep, VALUE(cordon_app, daemon_scope), CORDON_APP_DAEMON_SCOPE},
    {"stop-command", read_str, VALUE(cordon_app, stop_command), CORDON_APP_STOP_COMMAND},
    {"reload-command", read_str, VALUE(cordon_app, reload_command), CORDON_APP_RELOAD_COMMAND},
    {"post-stop-command", read_str, VALUE(cordon_app, post_stop_command),
     CORDON_APP_POST_STOP_COMMAND},
    {"stop-mode", read_str, VALUE(cordon_app, stop_mode), CORDON_APP_STOP_MODE},
    {"stop-timeout", read_str_keep, VALUE(cordon_app, stop_timeout), CORDON_APP_STOP_TIMEOUT},
    {"start-timeout", read_str_keep, VALUE(cordon_app, start_timeout), CORDON_APP_START_TIMEOUT},
    {"watchdog-timeout", read_str_keep, VALUE(cordon_app, watchdog_timeout),
     CORDON_APP_WATCHDOG_TIMEOUT},
    {"restart-condition", read_str_keep, VALUE(cordon_app, restart_condition),
     CORDON_APP_RESTART_CONDITION},
    {"restart-delay", read_str_keep, VALUE(cordon_app, restart_delay), CORDON_APP_RESTART_DELAY},
    {"refresh-mode", read_str, VALUE(cordon_app, refresh_mode), CORDON_APP_REFRESH_MODE},
    {"install-mode", read_str, VALUE(cordon_app, install_mode), CORDON_APP_INSTALL_MODE},
    {"timer", read_str, VALUE(cordon_app, timer), CORDON_APP_TIMER},
    {"bus-name", read_str, VALUE(cordon_app, bus_name), CORDON_APP_BUS_NAME},
    {"common-id", read_str, VALUE(cordon_app, common_id), CORDON_APP_COMMON_ID},
    {"desktop", read_str, VALUE(cordon_app, desktop), CORDON_APP_DESKTOP},
    {"completer", read_str, VALUE(cordon_app, completer), CORDON_APP_COMPLETER},
    {"autostart", read_str, VALUE(cordon_app, autostart), CORDON_APP_AUTOSTART},
    {"activates-on", read_activates, LIST(cordon_app, activates), CORDON_APP_ACTIVATES_ON},
    {"after", read_strv, LIST(cordon_app, after), CORDON_APP_AFTER},
    {"before", read_strv, LIST(cordon_app, before), CORDON_APP_BEFORE},
    {"aliases", read_strv, LIST(cordon_app, aliases), CORDON_APP_ALIASES},
    {"plugs", read_strv_dedup, LIST(cordon_app, plugs), CORDON_APP_PLUGS},
    {"slots", read_strv_dedup, LIST(cordon_app, slots), CORDON_APP_SLOTS},
    {"environment", read_env, VALUE(cordon_app, environment), CORDON_APP_ENVIRONMENT},
    {"sockets", read_sockets, VALUE(cordon_app, sockets), CORDON_APP_SOCKETS},
};

static const field hook_fields[] = {
    {"command-chain", read_strv, LIST(cordon_hook, command_chain), -1},
    {"plugs", read_strv_dedup, LIST(cordon_hook, plugs), -1},
    {"slots", read_strv_dedup, LIST(cordon_hook, slots), -1},
    {"environment", read_env, VALUE(cordon_hook, environment), -1},
};

/* The order a map's keys are read in decides which error is reported when
 * several values are wrong. Apps read theirs as written, as yaml.v2 decodes
 * them; hooks in the order of their table, as they always have: reading them
 * as written would change the error a snap.yaml with two wrong hook values
 * gets. */
typedef enum field_order {
	IN_DOCUMENT_ORDER,
	IN_TABLE_ORDER,
} field_order;

typedef struct field_table {
	const char *section; /* the first part of error paths: "apps.foo.command" */
	const field *fields;
	size_t n;
	field_order order;
	size_t key_pos_off; /* of obj's cordon_pos[] indexed by field id, or NO_OFF */
} field_table;

static const field_table app_table = {"apps", app_fields, ARRAY_SIZE(app_fields), IN_DOCUMENT_ORDER,
				      offsetof(cordon_app, pos)};
static const field_table hook_table = {"hooks", hook_fields, ARRAY_SIZE(hook_fields),
				       IN_TABLE_ORDER, NO_OFF};

static const field *find_field(const field *fields, size_t n, const char *key)
{
	for (size_t j = 0; j < n; j++)
		if (strcmp(fields[j].key, key) == 0)
			return &fields[j];
	return NULL;
}

/* One app or hook, "name:" (null: nothing set) or a map of its keys, into
 * obj. Keys the table does not have are ignored, as snapd ignores them. */
static int parse_entry(const yread *in, const field_table *t, const ydoc_node *key,
		       const ydoc_node *val, void *obj)
{
	_cleanup_free_ char *path = yread_path(t->section, key->text);
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return yread_type_error(in, path, val, "a map");
	size_t n = t->order == IN_TABLE_ORDER ? t->n : val->n;
	for (size_t i = 0; i < n; i++) {
		const field *f;
		const ydoc_node *fv;
		if (t->order == IN_TABLE_ORDER) {
			f = &t->fields[i];
			fv = ydoc_map_get(val, f->key);
		} else {
			f = find_field(t->fields, t->n, val->items[2 * i].text);
			fv = &val->items[2 * i + 1];
		}
		if (f == NULL || fv == NULL)
			continue;
		_cleanup_free_ char *fp = yread_path(path, f->key);
		int r = f->read(in, fp, fv, obj, f);
		if (r < 0)
			return r;
		if (t->key_pos_off != NO_OFF) {
			cordon_pos *key_pos = AT(obj, t->key_pos_off, cordon_pos);
			key_pos[f->id] = cordon_pos_at(fv->line, fv->col);
		}
	}
	return 0;
}

/* ---- apps ---- */

static int parse_app(mparse *p, const ydoc_node *key, const ydoc_node *val, cordon_app *app)
{
	app->name = xstrdup(key->text);
	app->line = key->line;
	app->col = key->col;
	int r = parse_entry(&p->in, &app_table, key, val, app);
	if (r < 0)
		return r;
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
		return yread_type_error(&p->in, "apps", n, "a map of app names");
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
	return parse_entry(&p->in, &hook_table, key, val, h);
}

static int parse_hooks(mparse *p, const ydoc_node *n)
{
	if (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL)
		return 0;
	if (n->kind != YDOC_MAP)
		return yread_type_error(&p->in, "hooks", n, "a map of hook names");
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
	_cleanup_free_ char *path = yread_path("layout", key->text);
	if (val->kind == YDOC_SCALAR && val->type == YDOC_T_NULL)
		return 0;
	if (val->kind != YDOC_MAP)
		return yread_type_error(&p->in, path, val, "a map");
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
		_cleanup_free_ char *fp = yread_path(path, name);
		int r = yread_str(&p->in, fp, fv, false, dst ? dst : &value);
		if (r < 0)
			return r;
		if (dst) {
			*pos = cordon_pos_at(fv->line, fv->col);
		} else if (value) {
			/* snapd counts the kinds that are set; keep the first. */
			if (l->n_kinds++ == 0) {
				l->kind = xstrdup(name);
				l->target = steal_ptr(value);
				l->target_pos = cordon_pos_at(fv->line, fv->col);
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
		return yread_type_error(&p->in, "layout", n, "a map of paths");
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
		return yread_error(
		    &p->in, n, "invalid epoch number %s: expected base 10 with no zero padding", q);
	if (strlen(s) > 10 || strtoull(s, NULL, 10) > UINT32_MAX)
		return yread_error(
		    &p->in, n, "invalid epoch number %s: epoch numbers must be less than 2^32", q);
	*out = (uint32_t)strtoull(s, NULL, 10);
	return 0;
}

static int epoch_list(mparse *p, const ydoc_node *n, const char *which, uint32_t **out,
		      size_t *count, bool *set)
{
	if (n == NULL || (n->kind == YDOC_SCALAR && n->type == YDOC_T_NULL))
		return 0;
	if (n->kind != YDOC_SEQ)
		return yread_error(&p->in, n, "epoch.%s: expected a list of epoch numbers, got %s",
				   which, ydoc_type_name(n->type));
	if (n->n == 0)
		return yread_error(&p->in, n, "epoch.%s: an epoch list cannot be explicitly empty",
				   which);
	*set = true;
	*out = xcalloc(n->n, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		const ydoc_node *it = &n->items[i];
		if (it->kind != YDOC_SCALAR)
			return yread_error(&p->in, it,
					   "epoch.%s: expected a list of epoch numbers, got %s",
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
			return yread_error(&p->in, n, "invalid epoch \"0*\": 0* is not an epoch");
		p->m->epoch = xasprintf("%u%s", v, star ? "*" : "");
		return 0;
	}
	if (n->kind != YDOC_MAP)
		return yread_type_error(&p->in, "epoch", n,
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
		return yread_error(&p->in, n,
				   "invalid epoch: lists must not have more than 10 entries");
	for (size_t i = 1; i < nr || i < nw; i++)
		if ((i < nr && rd[i] < rd[i - 1]) || (i < nw && wr[i] < wr[i - 1]))
			return yread_error(&p->in, n,
					   "invalid epoch: lists must be in ascending order");
	bool meet = false;
	for (size_t i = 0; i < nr && !meet; i++)
		for (size_t j = 0; j < nw && !meet; j++)
			meet = rd[i] == wr[j];
	if (!meet)
		return yread_error(&p->in, n,
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

static const field top_fields[] = {
    {"name", read_str, VALUE(cordon_manifest, name), CORDON_KEY_NAME},
    {"version", read_str, VALUE(cordon_manifest, version), CORDON_KEY_VERSION},
    {"summary", read_str, VALUE(cordon_manifest, summary), CORDON_KEY_SUMMARY},
    {"description", read_str, VALUE(cordon_manifest, description), CORDON_KEY_DESCRIPTION},
    {"title", read_str, VALUE(cordon_manifest, title), CORDON_KEY_TITLE},
    {"base", read_str, VALUE(cordon_manifest, base), CORDON_KEY_BASE},
    {"confinement", read_str_keep, VALUE(cordon_manifest, confinement), CORDON_KEY_CONFINEMENT},
    {"grade", read_str_keep, VALUE(cordon_manifest, grade), CORDON_KEY_GRADE},
    {"type", read_str_keep, VALUE(cordon_manifest, type), CORDON_KEY_TYPE},
    {"license", read_str, VALUE(cordon_manifest, license), CORDON_KEY_LICENSE},
    {"architectures", read_strv, VALUE(cordon_manifest, architectures), CORDON_KEY_ARCHITECTURES},
    {"assumes", read_strv, VALUE(cordon_manifest, assumes), CORDON_KEY_ASSUMES},
    {"environment", read_env, VALUE(cordon_manifest, environment), CORDON_KEY_ENVIRONMENT},
    {"epoch", NULL, 0, NO_OFF, CORDON_KEY_EPOCH},
    {"plugs", NULL, 0, NO_OFF, CORDON_KEY_PLUGS},
    {"slots", NULL, 0, NO_OFF, CORDON_KEY_SLOTS},
    {"apps", NULL, 0, NO_OFF, CORDON_KEY_APPS},
    {"hooks", NULL, 0, NO_OFF, CORDON_KEY_HOOKS},
    {"layout", NULL, 0, NO_OFF, CORDON_KEY_LAYOUT},
    {"system-usernames", NULL, 0, NO_OFF, CORDON_KEY_SYSTEM_USERNAMES},
};

/* The top level has its own loop over the table: the keys it does not know
 * are recorded, and the sections wait until every key is read. */
static int parse_top(mparse *p, const ydoc_node *root)
{
	cordon_manifest *m = p->m;
	const ydoc_node *section[CORDON_KEY_N] = {0};
	for (size_t k = 0; k < root->n; k++) {
		const ydoc_node *key = &root->items[2 * k], *val = &root->items[2 * k + 1];
		const field *f = find_field(top_fields, ARRAY_SIZE(top_fields), key->text);
		if (f == NULL) {
			/* snapd's own typo detector for this one. */
			if (strcmp(key->text, "layouts") == 0)
				return yread_error(&p->in, key,
						   "unknown key \"layouts\": the key is "
						   "\"layout\" (singular)");
			strv_push(&m->unknown_keys, key->text);
			continue;
		}
		m->key_pos[f->id] = cordon_pos_at(val->line, val->col);
		if (f->read == NULL) {
			section[f->id] = val;
			continue;
		}
		_cleanup_free_ char *fp = yread_path(NULL, key->text);
		int r = f->read(&p->in, fp, val, m, f);
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
		r = mp_ports(&p->in, m, section[CORDON_KEY_PLUGS], true);
	if (r == 0 && section[CORDON_KEY_SLOTS])
		r = mp_ports(&p->in, m, section[CORDON_KEY_SLOTS], false);
	if (r == 0 && section[CORDON_KEY_APPS])
		r = parse_apps(p, section[CORDON_KEY_APPS]);
	if (r == 0 && section[CORDON_KEY_HOOKS])
		r = parse_hooks(p, section[CORDON_KEY_HOOKS]);
	if (r == 0 && section[CORDON_KEY_LAYOUT])
		r = parse_layout(p, section[CORDON_KEY_LAYOUT]);
	if (r == 0 && section[CORDON_KEY_SYSTEM_USERNAMES])
		r = mp_system_users(&p->in, m, section[CORDON_KEY_SYSTEM_USERNAMES]);
	if (r < 0)
		return r;
	/* The store's old spelling, which snapd still takes. */
	if (m->type && strcmp(m->type, "application") == 0) {
		free(m->type);
		m->type = xstrdup("app");
	}
	return mp_bind_ports(&p->in, m);
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
	m->pos = cordon_pos_at(doc->line, doc->col);
	mparse p = {.in = {.src = source_name, .err = err}, .m = m};
	const ydoc_node *root = doc->root;
	if (root == NULL || (root->kind == YDOC_SCALAR && root->type == YDOC_T_NULL))
		return ydoc_error_at(err, source_name, doc->line, doc->col,
				     "empty document: expected a map of snap.yaml keys");
	if (root->kind != YDOC_MAP)
		return yread_error(&p.in, root,
				   "expected a map of snap.yaml keys at the top level, got %s",
				   ydoc_type_name(root->type));
	r = parse_top(&p, root);
	if (r < 0)
		return r;
	*out = steal_ptr(m);
	return 0;
}
