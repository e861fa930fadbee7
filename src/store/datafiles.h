/* The data directory's files, read for the compiler: the interface
 * catalogue (shipped and site-local definitions) and the default policy
 * with its seccomp template. */
#pragma once
#include "catalog.h"
#include "definitions.h"
#include "error.h"

/* <data_dir>/interfaces/ *.yaml, then site_dir's (which may be missing), in
 * name order. */
int cordon_catalog_load(const char *data_dir, const char *site_dir, cordon_catalog **out,
			cordon_error **err);

/* <data_dir>/policy/default.yaml, the seccomp template it names
 * (<data_dir>/seccomp/<file>) and the rules that replace the template's
 * privilege drop for a snap with system-usernames
 * (<data_dir>/seccomp/privilege-drop.txt, compiler/privdrop.h). */
int cordon_defaults_load(const char *data_dir, cordon_def **def, char **seccomp_template,
			 char **seccomp_privdrop, cordon_error **err);
