/* A snap's desktop file, sanitized (desktop_entry.h). */
#include "desktop_entry.h"

#include <string.h>

bool cordon_desktop_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n <= strlen(".desktop") || n > 255 || !str_has_suffix(name, ".desktop"))
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
			return false;
	return name[0] != '.';
}

/* snapd's isValidDesktopFileLine keys; localized: may carry [locale]. */
static const struct {
	const char *key;
	bool localized;
} allowed[] = {
    {"Type", false},
    {"Version", false},
    {"Name", true},
    {"GenericName", true},
    {"NoDisplay", false},
    {"Comment", true},
    {"Icon", false},
    {"Hidden", false},
    {"OnlyShowIn", false},
    {"NotShowIn", false},
    {"Exec", false},
    {"Terminal", false},
    {"Actions", false},
    {"MimeType", false},
    {"Categories", false},
    {"Keywords", true},
    {"StartupNotify", false},
    {"StartupWMClass", false},
    {"PrefersNonDefaultGPU", false},
    {"SingleMainWindow", false},
    {"X-Ayatana-Desktop-Shortcuts", false},
    {"TargetEnvironment", false},
};

static bool lower(char c)
{
	return c >= 'a' && c <= 'z';
}
static bool upper(char c)
{
	return c >= 'A' && c <= 'Z';
}
static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* snapd's localizedSuffix: [lang(_COUNTRY)?(.ENCODING)?(@modifier)?] */
static bool locale_ok(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && lower(s[i]))
		i++;
	if (i == 0)
		return false;
	if (i < n && s[i] == '_') {
		size_t j = ++i;
		while (i < n && upper(s[i]))
			i++;
		if (i == j)
			return false;
	}
	if (i < n && s[i] == '.') {
		size_t j = ++i;
		while (i < n && (digit(s[i]) || upper(s[i]) || s[i] == '-'))
			i++;
		if (i == j)
			return false;
	}
	if (i < n && s[i] == '@') {
		size_t j = ++i;
		while (i < n && lower(s[i]))
			i++;
		if (i == j)
			return false;
	}
	return i == n;
}

/* The key of a key line (up to '=', exactly), if allowed: its base name. */
static const char *allowed_key(const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n);
	if (eq == NULL)
		return NULL;
	size_t kn = (size_t)(eq - line);
	const char *br = memchr(line, '[', kn);
	size_t bn = br ? (size_t)(br - line) : kn;
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		if (strlen(allowed[i].key) != bn || memcmp(line, allowed[i].key, bn) != 0)
			continue;
		if (br == NULL)
			return allowed[i].key;
		if (allowed[i].localized && line[kn - 1] == ']' && locale_ok(br + 1, kn - bn - 2))
			return allowed[i].key;
		return NULL;
	}
	return NULL;
}

static bool header_ok(const char *l, size_t n)
{
	if (n == strlen("[Desktop Entry]") && memcmp(l, "[Desktop Entry]", n) == 0)
		return true;
	const char *act = "[Desktop Action ";
	size_t an = strlen(act), i;
	if (n > an + 1 && memcmp(l, act, an) == 0 && l[n - 1] == ']') {
		for (i = an; i < n - 1; i++)
			if (!(lower(l[i]) || upper(l[i]) || digit(l[i]) || l[i] == '-'))
				return false;
		return true;
	}
	const char *sg = " Shortcut Group]";
	size_t sn = strlen(sg);
	if (n > sn + 1 && l[0] == '[' && memcmp(l + n - sn, sg, sn) == 0) {
		for (i = 1; i < n - sn; i++)
			if (!(lower(l[i]) || upper(l[i]) || digit(l[i]) || l[i] == '-'))
				return false;
		return true;
	}
	return false;
}

/* UTF-8, no control character but tab. */
static bool text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
			i++;
			continue;
		}
		/* a lead byte and its continuation bytes (no overlong
		 * two-byte form, nothing past U+10FFFF) */
		size_t k = c >= 0xc2 && c <= 0xdf   ? 1
			   : c >= 0xe0 && c <= 0xef ? 2
			   : c >= 0xf0 && c <= 0xf4 ? 3
						    : 0;
		if (k == 0)
			return false;
		for (size_t j = 1; j <= k; j++)
			if (i + j >= n || ((unsigned char)s[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

static bool word_ok(const char *w, size_t n)
{
	if (n == 2 && w[0] == '%' && strchr("fFuUick", w[1]))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!(lower(w[i]) || upper(w[i]) || digit(w[i]) || strchr("_=,.:/@+-", w[i])))
			return false;
	return n > 0;
}

/* The app an Exec= command names (snapd's detectAppAndRewriteExecLine). */
static const cordon_app *exec_app(const cordon_desktop_ctx *c, const char *cmd, size_t n,
				  bool *named)
{
	*named = true;
	const cordon_manifest *m = c->m;
	for (size_t i = 0; i < m->n_apps; i++) {
		const cordon_app *a = &m->apps[i];
		bool bare = m->name && strcmp(a->name, m->name) == 0;
		const char *names[] = {c->instance, m->name};
		for (size_t k = 0; k < 2; k++) {
			if (names[k] == NULL)
				continue;
			_cleanup_free_ char *want =
			    bare ? xstrdup(names[k]) : xasprintf("%s.%s", names[k], a->name);
			if (strlen(want) == n && memcmp(want, cmd, n) == 0)
				return a;
		}
	}
	/* the convention: the file is named after its app (run with no
	 * argument of the line's: they were another command's) */
	*named = false;
	size_t fn = strlen(c->file) - strlen(".desktop");
	_cleanup_free_ char *app = xstrndup(c->file, fn);
	return cordon_manifest_app(m, app);
}

/* The rewritten Exec= value appended to out; false: drop the line. */
static bool rewrite_exec(const cordon_desktop_ctx *c, const char *v, size_t n, buf *out,
			 const cordon_app **app)
{
	const char *sp = memchr(v, ' ', n);
	size_t cn = sp ? (size_t)(sp - v) : n;
	bool named;
	const cordon_app *a = exec_app(c, v, cn, &named);
	if (a == NULL)
		return false;
	*app = a;
	bool args_ok = sp != NULL && named;
	for (size_t i = cn; args_ok && i < n;) {
		while (i < n && v[i] == ' ')
			i++;
		size_t j = i;
		while (j < n && v[j] != ' ')
			j++;
		if (j > i && !word_ok(v + i, j - i))
			args_ok = false;
		i = j;
	}
	if (a->daemon) {
		buf_adds(out, "Exec=/usr/bin/false");
		return true;
	}
	bool bare = c->m->name && strcmp(a->name, c->m->name) == 0;
	if (bare)
		buf_printf(out, "Exec=%s/%s", c->snap_bin, c->instance);
	else
		buf_printf(out, "Exec=%s/%s.%s", c->snap_bin, c->instance, a->name);
	if (args_ok)
		buf_add(out, v + cn, n - cn);
	return true;
}

/* Is the path after "${SNAP}/" canonical: no empty, "." or ".." part? */
static bool canonical(const char *p, size_t n)
{
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t k = j - i;
		if (k == 0 || (k == 1 && p[i] == '.') || (k == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		i = j + 1;
	}
	return true;
}

/* The Icon= value, checked and rewritten into out; false: drop. */
static bool rewrite_icon(const cordon_desktop_ctx *c, const char *v, size_t n, buf *out)
{
	const char *snap = "${SNAP}/";
	size_t sn = strlen(snap);
	if (memchr(v, '/', n)) {
		if (n <= sn || memcmp(v, snap, sn) != 0 || !canonical(v + sn, n - sn))
			return false;
		buf_adds(out, "Icon=");
		buf_add(out, v, n);
		return true;
	}
	_cleanup_free_ char *ours = xasprintf("snap.%s.", c->m->name ? c->m->name : "");
	size_t on = strlen(ours);
	if (n > on && memcmp(v, ours, on) == 0) {
		buf_printf(out, "Icon=snap.%s.", c->instance);
		buf_add(out, v + on, n - on);
		return true;
	}
	if (n >= 5 && memcmp(v, "snap.", 5) == 0)
		return false;
	buf_adds(out, "Icon=");
	buf_add(out, v, n);
	return true;
}

/* line with every ${SNAP} replaced by snap_dir, appended to out */
static void add_expanded(const cordon_desktop_ctx *c, const char *l, size_t n, buf *out)
{
	const char *var = "${SNAP}";
	size_t vn = strlen(var);
	for (size_t i = 0; i < n;) {
		if (n - i >= vn && memcmp(l + i, var, vn) == 0) {
			buf_adds(out, c->snap_dir);
			i += vn;
		} else {
			buf_addc(out, l[i++]);
		}
	}
	buf_addc(out, '\n');
}

char *cordon_desktop_sanitize(const cordon_desktop_ctx *c, const char *text, size_t len)
{
	buf out = {0};
	bool in_group = false;
	_cleanup_strv_ strv seen = {0}; /* keys of the current group */
	for (size_t i = 0; i < len;) {
		const char *l = text + i;
		const char *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		i += n + 1;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (!text_ok(l, n))
			continue;
		size_t s = 0;
		while (s < n && (l[s] == ' ' || l[s] == '\t'))
			s++;
		if (s == n || l[s] == '#') {
			add_expanded(c, l, n, &out);
			continue;
		}
		if (l[0] == '[') {
			in_group = header_ok(l, n);
			if (!in_group)
				continue;
			strv_free(&seen);
			add_expanded(c, l, n, &out);
			if (n == strlen("[Desktop Entry]") && memcmp(l, "[Desktop Entry]", n) == 0)
				buf_printf(&out, "X-SnapInstanceName=%s\n", c->instance);
			continue;
		}
		const char *key = in_group ? allowed_key(l, n) : NULL;
		if (key == NULL)
			continue;
		const char *eq = memchr(l, '=', n);
		_cleanup_free_ char *full = xstrndup(l, (size_t)(eq - l));
		if (strv_contains(&seen, full))
			continue;
		const char *v = eq + 1;
		size_t vn = n - (size_t)(v - l);
		_cleanup_buf_ buf line = {0};
		if (strcmp(key, "Exec") == 0) {
			const cordon_app *app = NULL;
			if (!rewrite_exec(c, v, vn, &line, &app))
				continue;
			buf_printf(&out, "X-SnapAppName=%s\n", app->name);
		} else if (strcmp(key, "Icon") == 0) {
			if (!rewrite_icon(c, v, vn, &line))
				continue;
		} else {
			buf_add(&line, l, n);
		}
		strv_push(&seen, full);
		add_expanded(c, line.p, line.len, &out);
	}
	return buf_steal(&out);
}
