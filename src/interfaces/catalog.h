/* The interface catalogue: every definition shipped in the data directory
 * plus those of the site-local directory, validated. Pure: the store reads
 * the files (store/datafiles.c). */
#pragma once
#include "definitions.h"
#include "error.h"

typedef struct cordon_catalog {
	size_t n;
	cordon_def **defs; /* sorted by name */
} cordon_catalog;

cordon_catalog *cordon_catalog_new(void);
/* Add the definition `text`, read from `path` whose base name is file_name:
 * it must be <interface>.yaml. An interface defined already is refused: a
 * site file may add an interface, never replace a shipped one. */
int cordon_catalog_add(cordon_catalog *c, const char *text, size_t len, const char *path,
		       const char *file_name, cordon_error **err);
const cordon_def *cordon_catalog_get(const cordon_catalog *c, const char *name);
/* Does `snap` name the system, the snap that offers the implicit slots? The
 * state spells it "" (":name" refs); users may call it "system", "core" or
 * "snapd", as snap lets them. NULL names no snap. */
bool cordon_is_system_snap(const char *snap);
void cordon_catalog_free(cordon_catalog *c);
