/* What a connection grants: the definition's plug or slot side, with the
 * connection's variables (attributes of both ends, the other snap's paths). */
#include "catalog.h"
#include "connections.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <regex.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

bool cordon_port_bound(const cordon_port *p, const char *app, const char *hook)
{
	return app ? strv_contains(&p->apps, app) : strv_contains(&p->hooks, hook);
}

static const cordon_attr *find_attr(const cordon_port *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_attrs; i++)
		if (strcmp(p->attrs[i].name, name) == 0)
			return &p->attrs[i];
	return NULL;
}

const char *cordon_port_content(const cordon_port *p)
{
	/* snapd's content rule: the `content` attribute defaults to the name */
	const cordon_attr *a = find_attr(p, "content");
	if (a && a->value.kind == CORDON_Y_STRING)
		return a->value.scalar;
	return p->name;
}

/* One place, named literally: no pattern characters (Landlock globs them at
 * launch, AppArmor reads them as patterns), no "..", no empty component. */
static bool literal_path(const char *s)
{
	if (strpbrk(s, "*?[]{}^\",\\") != NULL || strstr(s, "//") != NULL)
		return false;
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return false;
	return s[0] != '\0';
}

static bool has_prefix_dir(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 && (s[n] == '/' || s[n] == '\0');
}

static bool valid_scalar(enum cordon_attr_type t, const char *s)
{
	switch (t) {
	case CORDON_ATTR_PATH:
	case CORDON_ATTR_PATHS:
		return s[0] == '/' && literal_path(s);
	case CORDON_ATTR_HOME_PATHS:
		/* personal-files: beneath the user's home, not the home itself */
		return str_has_prefix(s, "$HOME/") && s[6] != '\0' && literal_path(s + 5);
	case CORDON_ATTR_SNAP_PATH:
	case CORDON_ATTR_SNAP_PATHS:
		/* content: inside the snap that declares it (snapd's rule) */
		if (s[0] == '$')
			return (has_prefix_dir(s, "$SNAP") || has_prefix_dir(s, "$SNAP_DATA") ||
				has_prefix_dir(s, "$SNAP_COMMON")) &&
			       literal_path(strchr(s, '/') ? strchr(s, '/') : "/");
		return s[0] != '/' && literal_path(s);
	default:
		return true;
	}
}

static bool matches(const char *pattern, const char *s)
{
	if (pattern == NULL)
		return true;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static const char *type_text(enum cordon_attr_type t)
{
	switch (t) {
	case CORDON_ATTR_STRING:
		return "a string";
	case CORDON_ATTR_BOOL:
		return "true or false";
	case CORDON_ATTR_PATH:
		return "an absolute path without pattern characters";
	case CORDON_ATTR_PATHS:
		return "a list of absolute paths without pattern characters";
	case CORDON_ATTR_HOME_PATHS:
		return "a list of paths starting with $HOME/, without pattern characters";
	case CORDON_ATTR_SNAP_PATH:
		return "a path inside the snap (relative, or under $SNAP, $SNAP_DATA or "
		       "$SNAP_COMMON)";
	case CORDON_ATTR_SNAP_PATHS:
		return "a list of paths inside the snap (relative, or under $SNAP, $SNAP_DATA or "
		       "$SNAP_COMMON)";
	}
	return "?";
}

int cordon_check_attrs(const cordon_def *def, const cordon_port *port, bool plug, const char *snap,
		       cordon_error **err)
{
	const cordon_attr_spec *specs = plug ? def->plug_attrs : def->slot_attrs;
	size_t n = plug ? def->n_plug_attrs : def->n_slot_attrs;
	const char *kind = plug ? "plug" : "slot";
	for (size_t i = 0; i < n; i++) {
		const cordon_attr *a = find_attr(port, specs[i].name);
		if (a == NULL) {
			if (specs[i].required)
				return cordon_err_msg(
				    err, EINVAL,
				    "%s \"%s\" of snap \"%s\" (%s interface) needs "
				    "attribute \"%s\"",
				    kind, port->name, snap, def->name, specs[i].name);
			continue;
		}
		const cordon_yaml_value *v = &a->value;
		enum cordon_attr_type t = specs[i].type;
		bool list = t == CORDON_ATTR_PATHS || t == CORDON_ATTR_HOME_PATHS ||
			    t == CORDON_ATTR_SNAP_PATHS;
		bool ok;
		if (t == CORDON_ATTR_BOOL) {
			ok = v->kind == CORDON_Y_BOOL;
		} else if (list) {
			ok = v->kind == CORDON_Y_LIST;
			for (size_t j = 0; ok && j < v->n; j++)
				ok = v->items[j].kind == CORDON_Y_STRING &&
				     valid_scalar(t, v->items[j].scalar) &&
				     matches(specs[i].pattern, v->items[j].scalar);
		} else {
			ok = v->kind == CORDON_Y_STRING && valid_scalar(t, v->scalar) &&
			     matches(specs[i].pattern, v->scalar);
		}
		if (!ok)
			return cordon_err_msg(
			    err, EINVAL,
			    "%s \"%s\" of snap \"%s\": attribute \"%s\" must be %s%s%s", kind,
			    port->name, snap, specs[i].name, type_text(t),
			    specs[i].pattern ? " matching " : "",
			    specs[i].pattern ? specs[i].pattern : "");
	}
	return 0;
}

static bool beneath_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* ---- variables of a connection ---- */

typedef struct conn_vars {
	cordon_ctx *ctx;
	const cordon_loaded_snap *plug_snap, *slot_snap; /* slot_snap NULL: the system */
	const cordon_port *plug, *slot;			 /* slot NULL: a system slot */
} conn_vars;

static const char *snap_var(const cordon_loaded_snap *s, const char *name)
{
	if (s == NULL)
		return NULL;
	if (strcmp(name, "SNAP") == 0)
		return s->mount_dir;
	if (strcmp(name, "SNAP_DATA") == 0)
		return s->data_dir;
	if (strcmp(name, "SNAP_COMMON") == 0)
		return s->common_dir;
	if (strcmp(name, "SNAP_NAME") == 0)
		return s->row.snap_name;
	if (strcmp(name, "SNAP_INSTANCE_NAME") == 0)
		return s->row.name;
	if (strcmp(name, "SNAP_REVISION") == 0)
		return s->row.current;
	return NULL;
}

static int owner_lookup(void *vctx, const char *name, strv *values)
{
	const char *v = snap_var(vctx, name);
	if (v == NULL)
		return -ENOENT;
	strv_push(values, v);
	return 0;
}

/* An attribute value's own variables belong to the snap that declared it. */
static int push_attr_value(const cordon_loaded_snap *owner, const char *text, strv *values)
{
	if (owner == NULL) {
		strv_push(values, text);
		return 0;
	}
	/* a relative path in an attribute (content's read: [lib]) is inside
	 * the declaring snap, as in snapd */
	_cleanup_free_ char *abs =
	    text[0] != '/' && text[0] != '$' ? xasprintf("$SNAP/%s", text) : xstrdup(text);
	return cordon_rule_subst(abs, owner_lookup, (void *)owner, values, NULL);
}

static int conn_lookup(void *vctx, const char *name, strv *values)
{
	const conn_vars *c = vctx;
	bool plug;
	if (str_has_prefix(name, "plug:"))
		plug = true;
	else if (str_has_prefix(name, "slot:"))
		plug = false;
	else
		return -ENOENT;
	const char *key = name + 5;
	const cordon_loaded_snap *owner = plug ? c->plug_snap : c->slot_snap;
	const cordon_port *port = plug ? c->plug : c->slot;
	const char *sv = snap_var(owner, key);
	if (sv != NULL && key[0] >= 'A' && key[0] <= 'Z') {
		strv_push(values, sv);
		return 0;
	}
	if (strcmp(key, "content") == 0 && port) {
		strv_push(values, cordon_port_content(port));
		return 0;
	}
	const cordon_attr *a = find_attr(port, key);
	if (a == NULL)
		/* an absent attribute gives no rule (an empty list); required
		 * ones were checked at install and connect */
		return 0;
	if (a->value.kind == CORDON_Y_LIST) {
		for (size_t i = 0; i < a->value.n; i++)
			if (a->value.items[i].scalar &&
			    push_attr_value(owner, a->value.items[i].scalar, values) < 0)
				return -EINVAL;
		return 0;
	}
	if (a->value.scalar == NULL)
		return -EINVAL;
	return push_attr_value(owner, a->value.scalar, values);
}

/* The two ends of a connection row, loaded. */
static int resolve_ends(cordon_ctx *ctx, const cordon_conn_row *r, conn_vars *v, cordon_error **err)
{
	memset(v, 0, sizeof *v);
	v->ctx = ctx;
	int ret = cordon_ctx_snap(ctx, r->plug_snap, &v->plug_snap, err);
	if (ret < 0)
		return ret;
	v->plug = cordon_manifest_plug(v->plug_snap->m, r->plug);
	if (r->slot_snap[0] != '\0') {
		ret = cordon_ctx_snap(ctx, r->slot_snap, &v->slot_snap, err);
		if (ret < 0)
			return ret;
		v->slot = cordon_manifest_slot(v->slot_snap->m, r->slot);
		if (v->slot == NULL)
			return -ENOENT;
	}
	return v->plug ? 0 : -ENOENT;
}

int cordon_connections_grants(cordon_ctx *ctx, const char *instance, const char *app,
			      const char *hook, cordon_grant_use **uses, size_t *n,
			      cordon_error **err)
{
	*uses = NULL;
	*n = 0;
	const cordon_catalog *cat;
	int r = cordon_ctx_catalog(ctx, &cat, err);
	if (r < 0)
		return r;
	for (int side = 0; side < 2; side++) {
		cordon_conn_row *rows = NULL;
		size_t nr = 0;
		r = side == 0
			? cordon_state_connections_from_plugs(ctx->state, instance, &rows, &nr, err)
			: cordon_state_connections_to_slots(ctx->state, instance, &rows, &nr, err);
		for (size_t i = 0; r == 0 && i < nr; i++) {
			const cordon_def *def = cordon_catalog_get(cat, rows[i].interface);
			conn_vars v;
			int e = resolve_ends(ctx, &rows[i], &v, err);
			if (e == -ENOENT || def == NULL)
				continue; /* a stale row: dropped at the next refresh */
			if (e < 0) {
				r = e;
				break;
			}
			const cordon_port *mine = side == 0 ? v.plug : v.slot;
			if (!cordon_port_bound(mine, app, hook))
				continue;
			*uses = xreallocarray(*uses, *n + 1, sizeof **uses);
			cordon_grant_use *u = &(*uses)[(*n)++];
			conn_vars *owned = xmalloc(sizeof *owned);
			*owned = v;
			u->grant = side == 0 ? &def->plug : &def->slot;
			u->origin =
			    xasprintf("interface %s, %s:%s to %s:%s", def->name, rows[i].plug_snap,
				      rows[i].plug, rows[i].slot_snap, rows[i].slot);
			u->env.lookup_other = conn_lookup;
			u->env.other_ctx = owned;
			u->owned = owned;
		}
		cordon_conn_rows_free(rows, nr);
		if (r < 0) {
			cordon_grant_uses_free(*uses, *n);
			*uses = NULL;
			*n = 0;
			return r;
		}
	}
	return 0;
}

void cordon_grant_uses_free(cordon_grant_use *uses, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(uses[i].origin);
		free(uses[i].owned);
	}
	free(uses);
}

/* Lookup for a mount line: the connection's variables, then the plug
 * snap's own. */
static int mount_lookup(void *vctx, const char *name, strv *values)
{
	const conn_vars *c = vctx;
	const char *v = snap_var(c->plug_snap, name);
	if (v != NULL) {
		strv_push(values, v);
		return 0;
	}
	return conn_lookup(vctx, name, values);
}

/* Is path a directory, reached without following any symlink? 0, or a
 * negative errno (-ELOOP for a symlink anywhere on the way). */
static int real_dir(const char *path)
{
	int fd = fs_open_path_nofollow(path);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	close(fd);
	return r;
}

/* A content directory: it must be a real directory of the slot snap; a
 * `write` one under the slot's $SNAP_DATA or $SNAP_COMMON is made when
 * missing (snapd does so). Never through a symlink: the slot snap may have
 * replaced one with a link elsewhere. */
static int ensure_source(const cordon_loaded_snap *s, bool rw, const char *src, cordon_error **err)
{
	int r = real_dir(src);
	if (r == 0)
		return 0;
	if (r == -ENOENT && rw && s != NULL &&
	    (beneath_dir(src, s->data_dir) || beneath_dir(src, s->common_dir))) {
		int fd = fs_mkdir_p(src, 0755, 0, 0, err);
		if (fd < 0)
			return fd;
		close(fd);
		return 0;
	}
	return cordon_err_msg(err, -r, "content directory %s: %s", src,
			      r == -ELOOP ? "a symlink is in the way; refusing it" : strerror(-r));
}

/* A mount point under the snap's own writable directories is made (root,
 * 0755) when missing; anywhere else it must exist (in $SNAP, the image). */
static int ensure_target(const cordon_loaded_snap *s, const char *target, cordon_error **err)
{
	int e = real_dir(target);
	if (e == 0)
		return 0;
	if (e != -ENOENT)
		return cordon_err_msg(err, -e, "mount point %s: %s", target,
				      e == -ELOOP ? "a symlink is in the way; refusing it"
						  : strerror(-e));
	const char *bases[] = {s->data_dir, s->common_dir};
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(bases[i]);
		if (strncmp(target, bases[i], l) == 0 && target[l] == '/') {
			int fd = fs_mkdir_p(target, 0755, 0, 0, err);
			if (fd < 0)
				return fd;
			close(fd);
			return 0;
		}
	}
	return cordon_err_msg(err, ENOENT, "mount point %s does not exist in the snap", target);
}

int cordon_connections_mounts(cordon_ctx *ctx, const char *instance, strv *out, cordon_error **err)
{
	const cordon_catalog *cat;
	int r = cordon_ctx_catalog(ctx, &cat, err);
	if (r < 0)
		return r;
	cordon_conn_row *rows = NULL;
	size_t nr = 0;
	_cleanup_strv_ strv wanted = {0}; /* mount points before unclashing */
	r = cordon_state_connections_from_plugs(ctx->state, instance, &rows, &nr, err);
	for (size_t i = 0; r == 0 && i < nr; i++) {
		const cordon_def *def = cordon_catalog_get(cat, rows[i].interface);
		conn_vars v;
		if (def == NULL || def->plug.mounts.n == 0 ||
		    resolve_ends(ctx, &rows[i], &v, NULL) < 0)
			continue;
		for (size_t j = 0; r == 0 && j < def->plug.mounts.n; j++) {
			_cleanup_strv_ strv lines = {0};
			r = cordon_rule_subst(def->plug.mounts.v[j], mount_lookup, &v, &lines, err);
			for (size_t k = 0; r == 0 && k < lines.n; k++) {
				char mode[8];
				_cleanup_free_ char *src = NULL, *dst = NULL;
				if (sscanf(lines.v[k], "%7s %ms %ms", mode, &src, &dst) != 3) {
					r = cordon_err_msg(err, EINVAL, "%s: bad mount \"%s\"",
							   def->source, lines.v[k]);
					break;
				}
				_cleanup_free_ char *target =
				    lines.n > 1 ? xasprintf("%s/%s", dst, strrchr(src, '/') + 1)
						: xstrdup(dst);
				/* Two entries on one mount point (a content slot
				 * with both `read` and `write`, or two slots for
				 * one target): the second would hide the first.
				 * snapd renames the later ones TARGET-2,
				 * TARGET-3... (interfaces/mount/spec.go,
				 * unclashMountEntries); so does cordon. */
				size_t seen = 0;
				for (size_t w = 0; w < wanted.n; w++)
					seen += strcmp(wanted.v[w], target) == 0;
				strv_push(&wanted, target);
				if (seen > 0) {
					char *renamed = xasprintf("%s-%zu", target, seen + 1);
					free(target);
					target = renamed;
				}
				r = ensure_source(v.slot_snap, strcmp(mode, "rw") == 0, src, err);
				if (r == 0)
					r = ensure_target(v.plug_snap, target, err);
				if (r == 0) {
					strv_push(out, mode);
					strv_push(out, src);
					strv_push(out, target);
				}
			}
		}
	}
	cordon_conn_rows_free(rows, nr);
	return r;
}
