#include "learn_report.h"

#include <ctype.h>
#include <string.h>

static size_t indent_of(const char *l)
{
	size_t n = 0;
	while (l[n] == ' ')
		n++;
	return n;
}

static bool blank(const char *l)
{
	size_t i = indent_of(l);
	return l[i] == '\0' || l[i] == '#';
}

/* "key:" at exactly indent `ind`, followed by nothing but blanks or a
 * comment (mapping) or a value (rest) */
static const char *key_at(const char *l, size_t ind, const char *key)
{
	if (indent_of(l) != ind)
		return NULL;
	size_t k = strlen(key);
	if (strncmp(l + ind, key, k) != 0 || l[ind + k] != ':')
		return NULL;
	return l + ind + k + 1;
}

static void split_lines(const char *text, strv *out)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		strv_push_own(out, xstrndup(p, n));
		p += n + (p[n] == '\n');
	}
}

static char *trim(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
		s++, n -= 2;
	return xstrndup(s, n);
}

int learn_yaml_diff(const char *yaml, const char *app, const strv *want, strv *plugged, char **diff)
{
	*diff = NULL;
	_cleanup_strv_ strv lines = {0};
	split_lines(yaml, &lines);
	size_t i = 0;
	while (i < lines.n && key_at(lines.v[i], 0, "apps") == NULL)
		i++;
	if (i == lines.n)
		return -1;
	/* the app's key, at the indent of apps:'s first entry */
	size_t first = i + 1;
	while (first < lines.n && blank(lines.v[first]))
		first++;
	if (first == lines.n || indent_of(lines.v[first]) == 0)
		return -1;
	size_t app_ind = indent_of(lines.v[first]);
	size_t a = first;
	for (; a < lines.n; a++) {
		if (!blank(lines.v[a]) && indent_of(lines.v[a]) < app_ind)
			return -1; /* apps: ended */
		if (key_at(lines.v[a], app_ind, app))
			break;
	}
	if (a == lines.n)
		return -1;
	/* the app's block: its indent, its end, its plugs: */
	size_t end = a + 1, body_ind = 0, plugs = 0;
	for (; end < lines.n; end++) {
		if (blank(lines.v[end]))
			continue;
		size_t ind = indent_of(lines.v[end]);
		if (ind <= app_ind)
			break;
		if (body_ind == 0)
			body_ind = ind;
		if (ind == body_ind && key_at(lines.v[end], body_ind, "plugs"))
			plugs = end;
	}
	if (body_ind == 0)
		body_ind = app_ind + 2;
	/* the plugs it has */
	_cleanup_strv_ strv have = {0};
	size_t items_end = plugs; /* the last line of a block list */
	size_t item_ind = body_ind + 2;
	bool flow = false;
	if (plugs) {
		const char *v = key_at(lines.v[plugs], body_ind, "plugs");
		v += strspn(v, " ");
		if (*v == '[') {
			flow = true;
			const char *close = strchr(v, ']');
			if (close == NULL)
				return -1; /* a flow list over several lines */
			for (const char *p = v + 1; p < close;) {
				size_t n = strcspn(p, ",]");
				_cleanup_free_ char *w = trim(p, n);
				if (w[0])
					strv_push(&have, w);
				p += n + (p[n] == ',');
			}
		} else if (*v == '\0' || *v == '#') {
			for (size_t j = plugs + 1; j < lines.n; j++) {
				if (blank(lines.v[j]))
					continue;
				const char *l = lines.v[j];
				size_t ind = indent_of(l);
				if (ind < body_ind || (ind == body_ind && l[ind] != '-'))
					break;
				if (l[ind] != '-')
					continue;
				item_ind = ind;
				items_end = j;
				const char *w = l + ind + 1;
				size_t n = strcspn(w, "#");
				_cleanup_free_ char *name = trim(w, n);
				strv_push(&have, name);
			}
		} else
			return -1;
	}
	_cleanup_strv_ strv add = {0};
	for (size_t w = 0; w < want->n; w++) {
		if (strv_contains(&have, want->v[w]))
			strv_push(plugged, want->v[w]);
		else
			strv_push(&add, want->v[w]);
	}
	if (add.n == 0)
		return 0;
	/* the change: removed lines [from, to), then the added ones */
	size_t from, to;
	_cleanup_strv_ strv added = {0};
	_cleanup_free_ char *pad = xasprintf("%*s", (int)body_ind, "");
	if (plugs && flow) {
		from = plugs;
		to = plugs + 1;
		buf b = {0};
		buf_printf(&b, "%splugs: [", pad);
		for (size_t j = 0; j < have.n; j++)
			buf_printf(&b, "%s%s", j ? ", " : "", have.v[j]);
		for (size_t j = 0; j < add.n; j++)
			buf_printf(&b, "%s%s", j + have.n ? ", " : "", add.v[j]);
		buf_printf(&b, "]");
		strv_push_own(&added, buf_steal(&b));
	} else if (plugs) {
		from = to = items_end + 1;
		for (size_t j = 0; j < add.n; j++)
			strv_push_own(&added, xasprintf("%*s- %s", (int)item_ind, "", add.v[j]));
	} else {
		from = to = a + 1;
		buf b = {0};
		buf_printf(&b, "%splugs: [", pad);
		for (size_t j = 0; j < add.n; j++)
			buf_printf(&b, "%s%s", j ? ", " : "", add.v[j]);
		buf_printf(&b, "]");
		strv_push_own(&added, buf_steal(&b));
	}
	/* one hunk, three lines of context */
	size_t c0 = from >= 3 ? from - 3 : 0;
	size_t c1 = to + 3 <= lines.n ? to + 3 : lines.n;
	size_t old_n = c1 - c0, new_n = old_n - (to - from) + added.n;
	buf out = {0};
	buf_printf(&out, "--- a/meta/snap.yaml\n+++ b/meta/snap.yaml\n");
	buf_printf(&out, "@@ -%zu,%zu +%zu,%zu @@\n", c0 + 1, old_n, c0 + 1, new_n);
	for (size_t j = c0; j < from; j++)
		buf_printf(&out, " %s\n", lines.v[j]);
	for (size_t j = from; j < to; j++)
		buf_printf(&out, "-%s\n", lines.v[j]);
	for (size_t j = 0; j < added.n; j++)
		buf_printf(&out, "+%s\n", added.v[j]);
	for (size_t j = to; j < c1; j++)
		buf_printf(&out, " %s\n", lines.v[j]);
	*diff = buf_steal(&out);
	return 0;
}
