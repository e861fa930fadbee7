#include "datafiles.h"
#include "fsutil.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

/* A definition or template: small text; a larger file is an error, not an
 * allocation the data directory may ask for. */
#define DATA_FILE_MAX ((size_t)1 << 20)

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
		int r = fs_read_path(path, DATA_FILE_MAX, &text, &len, err);
		if (r == 0)
			r = cordon_catalog_add(c, text, len, path, files.v[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cordon_catalog_load(const char *data_dir, const char *site_dir, cordon_catalog **out,
			cordon_error **err)
{
	cordon_catalog *c = cordon_catalog_new();
	_cleanup_free_ char *shipped = xasprintf("%s/interfaces", data_dir);
	int r = load_dir(c, shipped, false, err);
	if (r == 0 && site_dir)
		r = load_dir(c, site_dir, true, err);
	if (r < 0) {
		cordon_catalog_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int cordon_defaults_load(const char *data_dir, cordon_def **def, char **seccomp_template,
			 char **seccomp_privdrop, cordon_error **err)
{
	*def = NULL;
	*seccomp_template = NULL;
	*seccomp_privdrop = NULL;
	_cleanup_free_ char *path = xasprintf("%s/policy/default.yaml", data_dir);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = fs_read_path(path, DATA_FILE_MAX, &text, &len, err);
	if (r < 0)
		return cordon_err_prefix(err, "default policy");
	r = cordon_def_load(text, len, path, true, def, err);
	if (r < 0)
		return r;
	if ((*def)->seccomp_file == NULL)
		r = cordon_err_msg(err, EINVAL, "%s: missing seccomp-file", path);
	if (r == 0) {
		_cleanup_free_ char *sc =
		    xasprintf("%s/seccomp/%s", data_dir, (*def)->seccomp_file);
		r = fs_read_path(sc, DATA_FILE_MAX, seccomp_template, &len, err);
		if (r < 0)
			cordon_err_prefix(err, "seccomp template");
	}
	if (r == 0) {
		_cleanup_free_ char *pd = xasprintf("%s/seccomp/privilege-drop.txt", data_dir);
		r = fs_read_path(pd, DATA_FILE_MAX, seccomp_privdrop, &len, err);
		if (r < 0)
			cordon_err_prefix(err, "seccomp rules of privilege drop");
	}
	if (r < 0) {
		cordon_def_free(*def);
		*def = NULL;
		free(*seccomp_template);
		*seccomp_template = NULL;
	}
	return r;
}
