#include "catalog.h"
#include "util.h"

#include <errno.h>
#include <string.h>

cordon_catalog *cordon_catalog_new(void)
{
	return xcalloc(1, sizeof(cordon_catalog));
}

int cordon_catalog_add(cordon_catalog *c, const char *text, size_t len, const char *path,
		       const char *file_name, cordon_error **err)
{
	cordon_def *def = NULL;
	int r = cordon_def_load(text, len, path, false, &def, err);
	if (r < 0)
		return r;
	size_t nl = strlen(file_name) - (str_has_suffix(file_name, ".yaml") ? 5 : 0);
	if (strlen(def->name) != nl || strncmp(def->name, file_name, nl) != 0) {
		r = cordon_err_msg(err, EINVAL,
				   "%s: defines \"%s\"; the file must be named %s.yaml", path,
				   def->name, def->name);
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
	/* kept sorted by name: listings show the catalogue in that order */
	size_t at = c->n;
	while (at > 0 && strcmp(c->defs[at - 1]->name, def->name) > 0)
		at--;
	c->defs = xreallocarray(c->defs, c->n + 1, sizeof *c->defs);
	memmove(&c->defs[at + 1], &c->defs[at], (c->n - at) * sizeof *c->defs);
	c->defs[at] = def;
	c->n++;
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

bool cordon_is_system_snap(const char *snap)
{
	return snap != NULL && (snap[0] == '\0' || strcmp(snap, "system") == 0 ||
				strcmp(snap, "core") == 0 || strcmp(snap, "snapd") == 0);
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
