#include "catalog.h"
#include "fsutil.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

static int load_dir(cordon_catalog *c, const char *dir, bool site, cordon_error **err)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT && site)
			return 0;
		return cordon_err(err, errno, "open interface definitions %s", dir);
	}
	_cleanup_strv_ strv files = {0};
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && str_has_suffix(de->d_name, ".yaml"))
			strv_push(&files, de->d_name);
	closedir(d);
	strv_sort(&files);
	for (size_t i = 0; i < files.n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, files.v[i]);
		_cleanup_free_ char *text = NULL;
		size_t len;
		int r = fs_read_path(path, 1 << 20, &text, &len, err);
		if (r < 0)
			return r;
		cordon_def *def = NULL;
		r = cordon_def_load(text, len, path, false, &def, err);
		if (r < 0)
			return r;
		size_t nl = strlen(files.v[i]) - 5;
		if (strlen(def->name) != nl || strncmp(def->name, files.v[i], nl) != 0) {
			r = cordon_err_msg(err, EINVAL, "%s: defines \"%s\"; the file must be named %s.yaml",
					   path, def->name, def->name);
			cordon_def_free(def);
			return r;
		}
		if (cordon_catalog_get(c, def->name) != NULL) {
			r = cordon_err_msg(err, EEXIST,
					   "%s: interface \"%s\" is already defined; a site file may add "
					   "interfaces, not replace them",
					   path, def->name);
			cordon_def_free(def);
			return r;
		}
		c->defs = xreallocarray(c->defs, c->n + 1, sizeof *c->defs);
		c->defs[c->n++] = def;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(cordon_def *const *)a)->name, (*(cordon_def *const *)b)->name);
}

int cordon_catalog_load(const char *data_dir, const char *site_dir, cordon_catalog **out,
			cordon_error **err)
{
	cordon_catalog *c = xcalloc(1, sizeof *c);
	_cleanup_free_ char *shipped = xasprintf("%s/interfaces", data_dir);
	int r = load_dir(c, shipped, false, err);
	if (r == 0 && site_dir)
		r = load_dir(c, site_dir, true, err);
	if (r < 0) {
		cordon_catalog_free(c);
		return r;
	}
	if (c->n > 1)
		qsort(c->defs, c->n, sizeof *c->defs, by_name);
	*out = c;
	return 0;
}

const cordon_def *cordon_catalog_get(const cordon_catalog *c, const char *name)
{
	/* a few dozen entries: a linear scan (also valid while loading) */
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->defs[i]->name, name) == 0)
			return c->defs[i];
	return NULL;
}

void cordon_catalog_free(cordon_catalog *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		cordon_def_free(c->defs[i]);
	free(c->defs);
	free(c);
}
