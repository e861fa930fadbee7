/* Layout rules, as snapd's ValidateLayoutAll and ValidateLayout
 * (snap/validate.go). A layout rearranges the snap's mount namespace, so these
 * rules are a security boundary: sources must come from the snap's own
 * directories, and nothing may be laid over /proc, /dev, the firmware and
 * module directories the kernel loads from, snapd's state, or another snap.
 *
 * snapd checks each layout against every earlier one (O(n^2)); here the
 * "underneath an earlier layout" test looks up the path's ancestors in a
 * sorted index instead, with the same result. */
#include "manifest_layout.h"
#include "error.h"
#include "manifest.h"
#include "manifest_error.h"
#include "name_index.h"
#include "util.h"
#include "yaml_doc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

char *mv_clean_path(const char *path)
{
	size_t n = strlen(path);
	if (n == 0)
		return xstrdup(".");
	bool rooted = path[0] == '/';
	char *out = xmalloc(n + 2); /* the result is never longer than the input */
	size_t w = 0, r = 0, dotdot = 0;
	if (rooted)
		out[w++] = '/', r = 1, dotdot = 1;
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Go's os.Expand with snapd's ExpandSnapVariables mapping: $SNAP, $SNAP_DATA
 * and $SNAP_COMMON become the snap's directories, anything else "". */
static char *expand(const cordon_manifest *m, const char *s)
{
	_cleanup_buf_ buf b = {0};
	for (size_t j = 0; s[j]; j++) {
		if (s[j] != '$' || s[j + 1] == '\0') {
			buf_addc(&b, s[j]);
			continue;
		}
		const char *t = s + j + 1;
		size_t namelen = 0, w = 0;
		const char *name = t;
		if (t[0] == '{') {
			const char *close = strchr(t, '}');
			if (close == NULL) {
				w = 1; /* bad syntax: eat "${" */
			} else if (close == t + 1) {
				w = 2; /* bad syntax: eat "${}" */
			} else {
				name = t + 1, namelen = (size_t)(close - t - 1), w = namelen + 2;
			}
		} else if (strchr("*#$@!?-0123456789", t[0])) {
			namelen = w = 1;
		} else {
			while (name_char(t[namelen]))
				namelen++;
			w = namelen;
			if (namelen == 0)
				buf_addc(&b, '$'); /* "$" not followed by a name stays */
		}
		if (namelen) {
			_cleanup_free_ char *v = xstrndup(name, namelen);
			if (!strcmp(v, "SNAP"))
				buf_printf(&b, "/snap/%s/x1", m->name);
			else if (!strcmp(v, "SNAP_DATA"))
				buf_printf(&b, "/var/snap/%s/x1", m->name);
			else if (!strcmp(v, "SNAP_COMMON"))
				buf_printf(&b, "/var/snap/%s/common", m->name);
		}
		j += w;
	}
	return buf_steal(&b);
}

/* snapd's ValidatePathVariables: only $SNAP, $SNAP_DATA and $SNAP_COMMON.
 * Returns the offending "$NAME" (caller frees) or NULL. */
static char *bad_variable(const char *path)
{
	for (const char *p = strchr(path, '$'); p; p = strchr(p, '$')) {
		p++;
		size_t n = 0;
		while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_')
			n++;
		_cleanup_free_ char *v = xstrndup(p, n);
		if (strcmp(v, "SNAP") && strcmp(v, "SNAP_DATA") && strcmp(v, "SNAP_COMMON"))
			return xasprintf("$%s", v);
		p += n;
	}
	return NULL;
}

static bool abs_and_clean(const char *p)
{
	_cleanup_free_ char *c = mv_clean_path(p);
	return (p[0] == '/' || p[0] == '$') && strcmp(c, p) == 0;
}

/* The characters AppArmor reads as patterns; a layout path must be literal. */
static int apparmor_char(const char *s)
{
	const char *hit = strpbrk(s, "?*[]{}^\"");
	return hit ? *hit : 0;
}

typedef struct lctx {
	const cordon_manifest *m;
	cordon_error **err;
	const cordon_layout **sorted;
	char **mount; /* expanded paths, sorted order */
} lctx;

static int lerr(lctx *c, const cordon_layout *l, cordon_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int lerr(lctx *c, const cordon_layout *l, cordon_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	_cleanup_free_ char *q = ydoc_quoted(l->path);
	if (pos.line == 0)
		pos = cordon_pos_at(l->line, l->col);
	return mv_error(c->m, pos, c->err, "layout %s: %s", q, msg);
}

static int cmp_layout(const void *a, const void *b)
{
	return strcmp((*(const cordon_layout *const *)a)->path,
		      (*(const cordon_layout *const *)b)->path);
}

static int check_top_level(lctx *c, const cordon_layout *l)
{
	int ch = apparmor_char(l->path);
	if (ch)
		return lerr(c, l, (cordon_pos){0, 0},
			    "the path contains '%c', an AppArmor pattern character: expected a "
			    "literal path",
			    ch);
	_cleanup_free_ char *clean = mv_clean_path(l->path);
	_cleanup_free_ char *p = expand(c->m, clean);
	if (p[0] != '/' && strchr(p, '/'))
		return lerr(c, l, (cordon_pos){0, 0}, "relative path: expected an absolute path");
	/* Top-level directories other than these would need a writable mimic
	 * over "/", which snapd does not build. */
	static const char *const tops[] = {"bin", "etc", "lib",	 "lib64",   "meta",
					   "mnt", "opt", "root", "sbin",    "snap",
					   "srv", "usr", "var",	 "writable"};
	if (p[0] != '/' || p[1] == '\0')
		return 0;
	size_t n = strcspn(p + 1, "/");
	for (size_t i = 0; i < ARRAY_SIZE(tops); i++)
		if (strlen(tops[i]) == n && !strncmp(p + 1, tops[i], n))
			return 0;
	_cleanup_free_ char *top = xstrndup(p, n + 1);
	_cleanup_free_ char *q = ydoc_quoted(top);
	return lerr(c, l, (cordon_pos){0, 0},
		    "creates the new top-level directory %s: expected a path under /bin, /etc, "
		    "/lib, /lib64, /meta, /mnt, /opt, /root, /sbin, /snap, /srv, /usr, /var or "
		    "/writable",
		    q);
}

/* A source may not be a directory for one layout and a file for another. */
static int check_source_kinds(lctx *c)
{
	size_t n = c->m->n_layout, k = 0;
	_cleanup_free_ name_ref *refs = xcalloc(n ? n : 1, sizeof *refs);
	_cleanup_strv_ strv sources = {0};
	for (size_t i = 0; i < n; i++) {
		const cordon_layout *l = c->sorted[i];
		if (!l->kind || (strcmp(l->kind, "bind") && strcmp(l->kind, "bind-file")))
			continue;
		strv_push_own(&sources, expand(c->m, l->target));
		refs[k] = (name_ref){sources.v[k], i};
		k++;
	}
	name_index_sort(refs, k);
	size_t worst = SIZE_MAX;
	for (size_t i = 1; i < k; i++)
		if (!strcmp(refs[i].name, refs[i - 1].name) &&
		    strcmp(c->sorted[refs[i].idx]->kind, c->sorted[refs[i - 1].idx]->kind) &&
		    (worst == SIZE_MAX || refs[i].idx < refs[worst].idx))
			worst = i;
	if (worst == SIZE_MAX)
		return 0;
	const cordon_layout *l = c->sorted[refs[worst].idx];
	const cordon_layout *other = c->sorted[refs[worst - 1].idx];
	_cleanup_free_ char *qs = ydoc_quoted(l->target);
	_cleanup_free_ char *qo = ydoc_quoted(other->path);
	bool dir = !strcmp(l->kind, "bind");
	return lerr(c, l, l->target_pos,
		    "uses %s as a %s, but layout %s uses it as a %s: expected one kind per source",
		    qs, dir ? "directory" : "file", qo, dir ? "file" : "directory");
}

static int check_source(lctx *c, const cordon_layout *l, const char *what)
{
	_cleanup_free_ char *q = ydoc_quoted(l->target);
	_cleanup_free_ char *var = bad_variable(l->target);
	if (var) {
		_cleanup_free_ char *qv = ydoc_quoted(var);
		return lerr(c, l, l->target_pos,
			    "%s %s uses the unknown variable %s: expected $SNAP, $SNAP_DATA or "
			    "$SNAP_COMMON",
			    what, q, qv);
	}
	_cleanup_free_ char *src = expand(c->m, l->target);
	if (!abs_and_clean(src))
		return lerr(c, l, l->target_pos, "%s %s: expected an absolute, clean path", what,
			    q);
	/* Only the snap's own content: anything else would let a snap mount
	 * host files into its namespace past its confinement. */
	_cleanup_free_ char *snap = expand(c->m, "$SNAP"), *data = expand(c->m, "$SNAP_DATA");
	_cleanup_free_ char *common = expand(c->m, "$SNAP_COMMON");
	if (!str_has_prefix(src, snap) && !str_has_prefix(src, data) &&
	    !str_has_prefix(src, common))
		return lerr(c, l, l->target_pos,
			    "%s %s is outside the snap: expected a path under $SNAP, $SNAP_DATA or "
			    "$SNAP_COMMON",
			    what, q);
	int ch = apparmor_char(src);
	if (ch)
		return lerr(c, l, l->target_pos,
			    "%s %s contains '%c', an AppArmor pattern character: expected a "
			    "literal path",
			    what, q, ch);
	return 0;
}

static int check_one(lctx *c, size_t i, const name_ref *prior, size_t n)
{
	const cordon_layout *l = c->sorted[i];
	cordon_pos none = {0, 0};
	if (l->path[0] == '\0')
		return lerr(c, l, none, "empty path: expected an absolute path");
	_cleanup_free_ char *var = bad_variable(l->path);
	if (var) {
		_cleanup_free_ char *qv = ydoc_quoted(var);
		return lerr(c, l, none,
			    "the path uses the unknown variable %s: expected $SNAP, $SNAP_DATA or "
			    "$SNAP_COMMON",
			    qv);
	}
	const char *mp = c->mount[i];
	if (!abs_and_clean(mp))
		return lerr(c, l, none,
			    "the path is not absolute and clean: expected a path "
			    "such as /usr/share/foo");
	static const char *const off_limits[] = {
	    "/dev",	     "/proc",
	    "/sys",	     "/media",
	    "/run",	     "/var/run",
	    "/tmp",	     "/var/lib/snapd",
	    "/lib/firmware", "/usr/lib/firmware",
	    "/lib/modules",  "/usr/lib/modules",
	    "/var/snap",     "/home",
	    "/boot",	     "/lost+found",
	};
	for (size_t k = 0; k < ARRAY_SIZE(off_limits); k++) {
		size_t len = strlen(off_limits[k]);
		if (!strncmp(mp, off_limits[k], len) && (mp[len] == '\0' || mp[len] == '/'))
			return lerr(
			    c, l, none,
			    "the path is in an off-limits area (%s): expected a path "
			    "outside /boot, /dev, /home, /lib/firmware, /lib/modules, "
			    "/lost+found, /media, /proc, /run, /sys, /tmp, /usr/lib/firmware, "
			    "/usr/lib/modules, /var/lib/snapd, /var/run and /var/snap",
			    off_limits[k]);
	}
	/* Is an earlier layout at this path or at one of its ancestors? */
	size_t len = strlen(mp);
	size_t hit = SIZE_MAX;
	for (size_t k = 1; k <= len; k++) {
		if (k < len && mp[k] != '/')
			continue;
		_cleanup_free_ char *anc = xstrndup(mp, k);
		const name_ref *r = name_index_find(prior, n, anc);
		if (r && r->idx < i && r->idx < hit)
			hit = r->idx;
	}
	if (hit != SIZE_MAX) {
		_cleanup_free_ char *qo = ydoc_quoted(c->sorted[hit]->path);
		return lerr(c, l, none,
			    "the path is underneath layout %s: expected layouts that "
			    "do not nest",
			    qo);
	}
	if (l->n_kinds != 1)
		return lerr(c, l, none,
			    "sets %u of bind, bind-file, type and symlink: expected exactly one",
			    l->n_kinds);
	int r = 0;
	if (!strcmp(l->kind, "bind") || !strcmp(l->kind, "bind-file"))
		r = check_source(c, l, "bind source");
	else if (!strcmp(l->kind, "symlink"))
		r = check_source(c, l, "symlink target");
	else if (strcmp(l->target, "tmpfs")) {
		_cleanup_free_ char *q = ydoc_quoted(l->target);
		r = lerr(c, l, l->target_pos, "invalid type %s: expected tmpfs", q);
	}
	if (r < 0)
		return r;
	if (l->user && strcmp(l->user, "root")) {
		_cleanup_free_ char *q = ydoc_quoted(l->user);
		return lerr(c, l, l->user_pos, "invalid user %s: expected root", q);
	}
	if (l->group && strcmp(l->group, "root")) {
		_cleanup_free_ char *q = ydoc_quoted(l->group);
		return lerr(c, l, l->group_pos, "invalid group %s: expected root", q);
	}
	if (l->mode) {
		/* strconv.ParseUint(mode, 8, 32) */
		const char *s = l->mode;
		bool ok = *s != '\0' && strlen(s) <= 11;
		for (; ok && *s; s++)
			ok = *s >= '0' && *s <= '7';
		unsigned long long mode = ok ? strtoull(l->mode, NULL, 8) : 0;
		_cleanup_free_ char *q = ydoc_quoted(l->mode);
		if (!ok || mode > UINT32_MAX)
			return lerr(c, l, l->mode_pos,
				    "invalid mode %s: expected an octal mode such "
				    "as 0755",
				    q);
		if ((mode & 01777) != mode)
			return lerr(
			    c, l, l->mode_pos,
			    "invalid mode %#llo: expected permission bits and the sticky bit "
			    "only (at most 01777)",
			    mode);
	}
	return 0;
}

int mv_validate_layout(const cordon_manifest *m, cordon_error **err)
{
	size_t n = m->n_layout;
	if (n == 0)
		return 0;
	_cleanup_free_ const cordon_layout **sorted = xcalloc(n, sizeof *sorted);
	for (size_t i = 0; i < n; i++)
		sorted[i] = &m->layout[i];
	qsort(sorted, n, sizeof *sorted, cmp_layout);
	_cleanup_strv_ strv mount = {0};
	for (size_t i = 0; i < n; i++)
		strv_push_own(&mount, expand(m, sorted[i]->path));
	lctx c = {.m = m, .err = err, .sorted = sorted, .mount = mount.v};
	for (size_t i = 0; i < n; i++) {
		int r = check_top_level(&c, sorted[i]);
		if (r < 0)
			return r;
	}
	int r = check_source_kinds(&c);
	if (r < 0)
		return r;
	/* /snap/<other>: the space of another snap (snapd's prefix test, kept
	 * as is: "/snap/foo" also covers "/snap/foobar"). */
	_cleanup_free_ char *own = xasprintf("/snap/%s", m->name);
	for (size_t i = 0; i < n; i++)
		if (str_has_prefix(sorted[i]->path, "/snap/") &&
		    !str_has_prefix(sorted[i]->path, own))
			return lerr(&c, sorted[i], (cordon_pos){0, 0},
				    "the path is in the space of another snap: expected a path "
				    "outside /snap or under /snap/%s",
				    m->name);
	_cleanup_free_ name_ref *prior = xcalloc(n, sizeof *prior);
	for (size_t i = 0; i < n; i++)
		prior[i] = (name_ref){mount.v[i], i};
	name_index_sort(prior, n);
	for (size_t i = 0; i < n; i++) {
		r = check_one(&c, i, prior, n);
		if (r < 0)
			return r;
	}
	return 0;
}
