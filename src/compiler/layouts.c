/* See layouts.h. */
#include "layouts.h"
#include "landlock_defs.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $SNAP, $SNAP_DATA, $SNAP_COMMON (and ${...}) at the start of a layout
 * value, as snapd expands them (the only ones its validation allows). */
static char *expand(const cordon_loaded_snap *ls, const char *v)
{
	static const char *const names[] = {"SNAP_COMMON", "SNAP_DATA", "SNAP"};
	const char *values[] = {ls->common_dir, ls->data_dir, ls->mount_dir};
	for (size_t i = 0; v[0] == '$' && i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		const char *rest = NULL;
		if (v[1] == '{' && strncmp(v + 2, names[i], n) == 0 && v[2 + n] == '}')
			rest = v + 3 + n;
		else if (strncmp(v + 1, names[i], n) == 0 && (v[1 + n] == '/' || v[1 + n] == '\0'))
			rest = v + 1 + n;
		if (rest)
			return xasprintf("%s%s", values[i], rest);
	}
	return xstrdup(v);
}

static int by_path(const void *a, const void *b)
{
	const cordon_layout *x = *(const cordon_layout *const *)a;
	const cordon_layout *y = *(const cordon_layout *const *)b;
	return strcmp(x->path, y->path);
}

static uint32_t kind_of(const cordon_layout *l)
{
	if (strcmp(l->kind, "bind") == 0)
		return CORDON_LAYOUT_BIND;
	if (strcmp(l->kind, "bind-file") == 0)
		return CORDON_LAYOUT_BIND_FILE;
	if (strcmp(l->kind, "symlink") == 0)
		return CORDON_LAYOUT_SYMLINK;
	return CORDON_LAYOUT_TMPFS; /* type: tmpfs, the only type validation lets by */
}

static bool beneath_or_at(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static uint64_t rights_of(const cordon_loaded_snap *ls, uint32_t kind, const char *source)
{
	const uint64_t data = CORDON_LL_R | CORDON_LL_W | CORDON_LL_X | CORDON_LL_C;
	if (kind == CORDON_LAYOUT_TMPFS)
		return data;
	if (beneath_or_at(source, ls->data_dir) || beneath_or_at(source, ls->common_dir))
		return data;
	if (beneath_or_at(source, ls->mount_dir))
		return CORDON_LL_R | CORDON_LL_X;
	return 0;
}

void cordon_compile_layouts(const cordon_loaded_snap *ls, bool rules, cordon_policy *p)
{
	const cordon_manifest *m = ls->m;
	if (m->n_layout == 0)
		return;
	const cordon_layout **v = xcalloc(m->n_layout, sizeof *v);
	for (size_t i = 0; i < m->n_layout; i++)
		v[i] = &m->layout[i];
	qsort(v, m->n_layout, sizeof *v, by_path);
	for (size_t i = 0; i < m->n_layout; i++) {
		const cordon_layout *l = v[i];
		uint32_t kind = kind_of(l);
		_cleanup_free_ char *path = expand(ls, l->path);
		_cleanup_free_ char *source =
		    kind == CORDON_LAYOUT_TMPFS ? xstrdup("") : expand(ls, l->target);
		uint32_t mode = l->mode ? (uint32_t)strtoul(l->mode, NULL, 8) : 0755;
		cordon_policy_add_layout(p, kind, path, source, mode);
		if (!rules || kind == CORDON_LAYOUT_SYMLINK)
			continue;
		uint64_t access = rights_of(ls, kind, source);
		if (access)
			cordon_policy_add_fs(p, path, access, CORDON_FS_OPTIONAL);
	}
	free(v);
}

char *cordon_layouts_digest(const cordon_loaded_snap *ls)
{
	const cordon_manifest *m = ls->m;
	if (m->n_layout == 0)
		return xstrdup("");
	_cleanup_buf_ buf b = {0};
	for (size_t i = 0; i < m->n_layout; i++) {
		const cordon_layout *l = &m->layout[i];
		buf_printf(&b, "%s\n%s\n%s\n%s\n", l->path, l->kind, l->target ? l->target : "",
			   l->mode ? l->mode : "");
	}
	return xasprintf("%016llx", (unsigned long long)hash64(b.p, b.len, 0));
}

char *cordon_ns_root_id(const cordon_compile_input *in)
{
	_cleanup_free_ char *digest = cordon_layouts_digest(in->snap);
	if (in->base == NULL && digest[0] == '\0')
		return NULL;
	return xasprintf("%s%s%s", in->base ? in->base->mount_dir : "host",
			 digest[0] ? "+layout=" : "", digest);
}
