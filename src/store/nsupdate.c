/* Keeping a preserved snap namespace in step with its connections: after a
 * content connection changes, the namespace is discarded when no process
 * uses it (the next launch builds a fresh one), or its bind mounts are
 * brought up to date in place: running commands see the change at once,
 * their per-command namespaces being slaves of the snap's. */
#include "compile.h"
#include "connections.h"
#include "cgroup.h"
#include "fsutil.h"
#include "mountns.h"
#include "snapmount.h"
#include "util.h"
#include "view.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Mount points (mountinfo field 5, octal escapes decoded) of this namespace. */
static int own_mounts(strv *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		if (tok == NULL)
			continue;
		_cleanup_buf_ buf b = {0};
		for (const char *p = tok; *p; p++) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
				buf_addc(&b, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
				p += 3;
			} else {
				buf_addc(&b, *p);
			}
		}
		strv_push(out, b.p ? b.p : "");
	}
	free(line);
	fclose(f);
	return 0;
}

/* In the child, inside the snap's namespace. */
static int update_in_ns(const cordon_loaded_snap *ls, const strv *wanted, buf *msg)
{
	_cleanup_strv_ strv present = {0};
	int r = own_mounts(&present);
	if (r < 0) {
		buf_printf(msg, "read mountinfo: %s", strerror(-r));
		return r;
	}
	const char *dirs[] = {ls->data_dir, ls->common_dir, ls->mount_dir};
	for (size_t i = present.n; i-- > 0;) {
		const char *mp = present.v[i];
		bool ours = false;
		for (size_t d = 0; d < ARRAY_SIZE(dirs); d++)
			ours |= beneath(mp, dirs[d]);
		bool keep = false;
		for (size_t w = 0; w < wanted->n; w += 3)
			keep |= strcmp(wanted->v[w + 2], mp) == 0;
		if (ours && !keep && umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
			buf_printf(msg, "unmount %s: %s", mp, strerror(errno));
			return -errno;
		}
	}
	for (size_t w = 0; w < wanted->n; w += 3) {
		if (strv_contains(&present, wanted->v[w + 2]))
			continue;
		cordon_error *e = NULL;
		r = cordon_bind_nofollow(wanted->v[w + 1], wanted->v[w + 2],
					 strcmp(wanted->v[w], "ro") == 0, &e);
		if (r < 0) {
			buf_adds(msg, e->msg);
			cordon_error_free(&e);
			return r;
		}
	}
	return 0;
}

static int live_update(cordon_ctx *ctx, const char *instance, int nsfd, cordon_error **err)
{
	const cordon_loaded_snap *ls;
	int r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv wanted = {0};
	r = cordon_connections_mounts(ctx, instance, &wanted, err);
	if (r < 0)
		return r;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return cordon_err(err, errno, "fork");
	}
	if (pid == 0) {
		close(pfd[0]);
		_cleanup_buf_ buf msg = {0};
		int ret;
		if (setns(nsfd, CLONE_NEWNS) < 0) {
			buf_printf(&msg, "enter the namespace: %s", strerror(errno));
			ret = 1;
		} else {
			ret = update_in_ns(ls, &wanted, &msg) < 0;
		}
		if (msg.len)
			(void)!write(pfd[1], msg.p, msg.len);
		_exit(ret);
	}
	close(pfd[1]);
	char text[1024];
	ssize_t n = read(pfd[0], text, sizeof text - 1);
	close(pfd[0]);
	text[n > 0 ? n : 0] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cordon_err_msg(err, EIO, "update the namespace of %s: %s", instance,
				      text[0] ? text : "failed");
	return 0;
}

int cordon_ns_refresh(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	_cleanup_close_ int dirfd = fs_open_dir(ctx->paths.ns_dir, O_RDONLY, NULL);
	if (dirfd < 0)
		return 0; /* no namespace was ever made */
	_cleanup_free_ char *mntname = xasprintf("%s.mnt", instance);
	_cleanup_free_ char *stampname = xasprintf("%s.stamp", instance);
	/* the launcher's lock: no launch builds or joins it meanwhile */
	_cleanup_close_ int lock = cordon_ns_lock(dirfd, instance, -1, err);
	if (lock < 0)
		return lock;
	_cleanup_close_ int nsfd = openat(dirfd, mntname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (nsfd < 0)
		return 0;
	struct statfs sfs;
	struct stat st;
	if (fstatfs(nsfd, &sfs) < 0 || fstat(nsfd, &st) < 0)
		return cordon_err(err, errno, "stat %s", mntname);
	if ((uint32_t)sfs.f_type != NSFS_MAGIC)
		return 0;
	const char *parent = ctx->cgroup.parent ? ctx->cgroup.parent : CORDON_CGROUP_PARENT;
	if (!cordon_snap_ns_in_use(parent, instance, st.st_dev, st.st_ino)) {
		_cleanup_free_ char *target = xasprintf("/proc/self/fd/%d/%s", dirfd, mntname);
		if (umount2(target, MNT_DETACH) < 0)
			return cordon_err(err, errno, "discard the namespace of %s", instance);
		(void)unlinkat(dirfd, stampname, 0);
		/* views hold mounts of the discarded namespace */
		return cordon_views_discard(dirfd, instance, err);
	}
	int r = live_update(ctx, instance, nsfd, err);
	if (r < 0)
		return r;
	/* the namespace now matches the compiled policy: give it its stamp */
	const cordon_loaded_snap *ls;
	r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r < 0)
		return r;
	_cleanup_strv_ strv mounts = {0};
	r = cordon_connections_mounts(ctx, instance, &mounts, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *stamp = cordon_ns_stamp(ls->row.current, &mounts);
	return fs_write_atomic_at(dirfd, stampname, stamp, strlen(stamp), 0644, err);
}

int cordon_connections_settle(cordon_ctx *ctx, cordon_error **err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < ctx->ns_dirty.n; i++)
		r = cordon_ns_refresh(ctx, ctx->ns_dirty.v[i], err);
	strv_free(&ctx->ns_dirty);
	return r;
}
