#include "env.h"

#include <ctype.h>
#include <string.h>

static ssize_t find(const cordon_env *e, const char *name, size_t n)
{
	for (size_t i = 0; i < e->kv.n; i++)
		if (strncmp(e->kv.v[i], name, n) == 0 && e->kv.v[i][n] == '=')
			return (ssize_t)i;
	return -1;
}

const char *cordon_env_get(const cordon_env *e, const char *name)
{
	ssize_t i = find(e, name, strlen(name));
	return i < 0 ? NULL : e->kv.v[i] + strlen(name) + 1;
}

void cordon_env_set(cordon_env *e, const char *name, const char *value)
{
	char *kv = xasprintf("%s=%s", name, value);
	ssize_t i = find(e, name, strlen(name));
	if (i < 0) {
		strv_push_own(&e->kv, kv);
		return;
	}
	free(e->kv.v[i]);
	e->kv.v[i] = kv;
}

void cordon_env_unset(cordon_env *e, const char *name)
{
	ssize_t i = find(e, name, strlen(name));
	if (i < 0)
		return;
	free(e->kv.v[i]);
	memmove(&e->kv.v[i], &e->kv.v[i + 1], (e->kv.n - (size_t)i) * sizeof(char *));
	e->kv.n--;
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

char *cordon_env_expand(const cordon_env *e, const char *in)
{
	_cleanup_buf_ buf out = {0};
	buf_adds(&out, "");
	for (const char *p = in; *p;) {
		if (*p != '$') {
			buf_addc(&out, *p++);
			continue;
		}
		const char *start, *end;
		if (p[1] == '{') {
			start = p + 2;
			end = strchr(start, '}');
			if (end == NULL) { /* unterminated: keep literally */
				buf_adds(&out, p);
				break;
			}
			p = end + 1;
		} else if (is_name_char(p[1], true)) {
			start = p + 1;
			end = start;
			while (is_name_char(*end, false))
				end++;
			p = end;
		} else {
			buf_addc(&out, *p++);
			continue;
		}
		ssize_t i = find(e, start, (size_t)(end - start));
		if (i >= 0)
			buf_adds(&out, e->kv.v[i] + (end - start) + 1);
	}
	return buf_steal(&out);
}

void cordon_env_free(cordon_env *e)
{
	strv_free(&e->kv);
}
