/* The interface catalogue: every definition file shipped in the data
 * directory plus those of the site-local directory, loaded and validated. */
#pragma once
#include "definitions.h"
#include "error.h"

typedef struct cordon_catalog {
	size_t n;
	cordon_def **defs; /* sorted by name */
} cordon_catalog;

/* site_dir may be missing (fine). A site file may add an interface, never
 * replace a shipped one. */
int cordon_catalog_load(const char *data_dir, const char *site_dir, cordon_catalog **out,
			cordon_error **err);
const cordon_def *cordon_catalog_get(const cordon_catalog *c, const char *name);
void cordon_catalog_free(cordon_catalog *c);
