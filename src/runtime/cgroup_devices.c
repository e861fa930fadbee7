/* The label's device rules: a policy's rules resolved to major:minor
 * allowances, written to the label's cgroup v1 devices cgroup
 * (devices.deny/devices.allow, checked against devices.list), or handed to
 * devices_bpf.c for a cgroup2 directory. */
#include "cgroup_devices.h"
#include "cgroup_dir.h"
#include "devices_bpf.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int cmp_allow(const void *a, const void *b)
{
	const cordon_dev_allow *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return 0;
}

typedef struct allow_vec {
	cordon_dev_allow *v;
	size_t n, cap;
} allow_vec;

static void allow_push(allow_vec *av, char type, int32_t major, int32_t minor)
{
	if (av->n == av->cap) {
		av->cap = av->cap ? av->cap * 2 : 16;
		av->v = xreallocarray(av->v, av->cap, sizeof(*av->v));
	}
	av->v[av->n++] = (cordon_dev_allow){
	    .type = type, .major = major, .minor = minor, .access = CORDON_DEV_ACC_ALL};
}

/* Device nodes named by a glob, resolved now. stat() follows symlinks on
 * purpose: /dev/serial/by-id/... links name the node whose numbers count. */
static int resolve_path_rule(const cordon_dev_rule *r, allow_vec *av, cordon_error **err)
{
	_cleanup_strv_ strv paths = {0};
	int ret = fs_glob(r->path, &paths, err);
	for (size_t i = 0; ret == 0 && i < paths.n; i++) {
		struct stat st;
		if (stat(paths.v[i], &st) < 0) {
			/* unplugged between glob and stat, or unreachable */
			if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
			    errno == EACCES)
				continue;
			ret = cordon_err(err, errno, "device rule: stat %s", paths.v[i]);
			break;
		}
		char type = S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : 0;
		/* The rule's type filters: "c /dev/foo*" never allows a block
		 * device that happens to match the name. */
		if (type != r->type)
			continue;
		allow_push(av, type, (int32_t)major(st.st_rdev), (int32_t)minor(st.st_rdev));
	}
	return ret;
}

int cordon_devices_resolve(const cordon_policy *p, cordon_dev_allow **out, size_t *n,
			   cordon_error **err)
{
	allow_vec av = {0};
	for (size_t i = 0; i < p->n_devices; i++) {
		const cordon_dev_rule *r = &p->devices[i];
		if (r->type != 'c' && r->type != 'b') {
			free(av.v);
			return cordon_err_msg(err, EINVAL, "device rule %zu: type '%c'", i,
					      r->type);
		}
		if (r->path) {
			int ret = resolve_path_rule(r, &av, err);
			if (ret < 0) {
				free(av.v);
				return ret;
			}
			continue;
		}
		if (r->major < -1 || r->minor < -1) {
			free(av.v);
			return cordon_err_msg(err, EINVAL, "device rule %zu: %d:%d", i, r->major,
					      r->minor);
		}
		allow_push(&av, r->type, r->major, r->minor);
	}
	if (av.n > 1)
		qsort(av.v, av.n, sizeof(*av.v), cmp_allow);
	size_t k = 0;
	for (size_t i = 0; i < av.n; i++)
		if (k == 0 || cmp_allow(&av.v[k - 1], &av.v[i]) != 0)
			av.v[k++] = av.v[i];
	*out = av.v;
	*n = k;
	return 0;
}

char *cordon_dev_allow_v1_line(const cordon_dev_allow *a)
{
	/* an int in decimal, or "*"; up to three of "rwm" */
	char maj[16] = "*", min[16] = "*", acc[4];
	size_t k = 0;
	if (a->major >= 0)
		snprintf(maj, sizeof(maj), "%d", (int)a->major);
	if (a->minor >= 0)
		snprintf(min, sizeof(min), "%d", (int)a->minor);
	/* The kernel prints the letters in this order in devices.list. */
	if (a->access & CORDON_DEV_ACC_READ)
		acc[k++] = 'r';
	if (a->access & CORDON_DEV_ACC_WRITE)
		acc[k++] = 'w';
	if (a->access & CORDON_DEV_ACC_MKNOD)
		acc[k++] = 'm';
	acc[k] = '\0';
	return xasprintf("%c %s:%s %s", a->type, maj, min, acc);
}

static void split_lines(const char *text, strv *out)
{
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > 0)
			strv_push_own(out, xstrndup(p, len));
		p += len + (eol ? 1 : 0);
	}
	strv_sort(out);
}

static bool strv_equal(const strv *a, const strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static int v1_list_matches(const cg_dir *d, const strv *want, bool *match, cordon_error **err)
{
	_cleanup_free_ char *text = NULL;
	int ret = read_all_at(d->fd, "devices.list", &text, err);
	if (ret < 0)
		return cordon_err_prefix(err, "%s", d->where);
	_cleanup_strv_ strv have = {0};
	split_lines(text, &have);
	*match = strv_equal(&have, want);
	return 0;
}

/* cgroup v1: deny all, then allow each rule. The label's cgroup is shared by
 * its running processes, so rewriting it briefly denies them everything:
 * skip the rewrite when devices.list already says exactly what we want (the
 * common case, the same policy as the last launch). */
int cordon_devices_apply_v1(const cg_dir *d, const cordon_dev_allow *a, size_t n,
			    cordon_error **err)
{
	_cleanup_strv_ strv want = {0};
	for (size_t i = 0; i < n; i++)
		strv_push_own(&want, cordon_dev_allow_v1_line(&a[i]));
	strv_sort(&want);
	bool match;
	int ret = v1_list_matches(d, &want, &match, err);
	if (ret < 0 || match)
		return ret;
	/* "a" clears the exceptions and makes the default deny; the kernel
	 * refuses it (EINVAL) on a cgroup with children, which a label's
	 * cgroup never has. */
	ret = write_at(d->fd, "devices.deny", "a", d->where, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < want.n; i++) {
		ret = write_at(d->fd, "devices.allow", want.v[i], d->where, err);
		if (ret < 0)
			return ret;
	}
	/* Read back: a concurrent launch of the same label with another
	 * policy, or a parent that does not allow a device, shows here. */
	ret = v1_list_matches(d, &want, &match, err);
	if (ret < 0)
		return ret;
	if (!match)
		return cordon_err_msg(err, EIO, "%s/devices.list does not match the policy",
				      d->where);
	return 0;
}

int cordon_devices_apply_v2(const cg_dir *d, const cordon_dev_allow *a, size_t n,
			    cordon_error **err)
{
	int ret = cordon_devices_bpf_attach(d->fd, a, n, err);
	if (ret < 0)
		return cordon_err_prefix(err, "%s", d->where);
	return 0;
}
