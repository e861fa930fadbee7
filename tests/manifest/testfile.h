/* File helpers for the manifest tests (the library itself never reads files). */
#pragma once
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file, NUL-terminated; NULL (with a message) on failure. */
static inline char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		perror(path);
		return NULL;
	}
	_cleanup_buf_ buf b = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		perror(path);
		return NULL;
	}
	*len = b.len;
	return buf_steal(&b);
}

/* The *.yaml names in dir, sorted. */
static inline int test_list_yaml(const char *dir, strv *out)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		perror(dir);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (str_has_suffix(de->d_name, ".yaml"))
			strv_push(out, de->d_name);
	closedir(d);
	strv_sort(out);
	return 0;
}

/* $CORDON_SRCDIR/<rel> (meson sets CORDON_SRCDIR for unit tests). */
static inline char *test_src_path(const char *rel)
{
	const char *root = getenv("CORDON_SRCDIR");
	return xasprintf("%s/%s", root ? root : ".", rel);
}
