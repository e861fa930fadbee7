/* Keeping a preserved snap namespace in step with its connections: after a
 * content connection changes, the namespace is discarded when no process
 * uses it (the next launch builds a fresh one), or its bind mounts are
 * brought up to date in place: running commands see the change at once,
 * their per-command namespaces being slaves of the snap's. */
#include "nsupdate.h"
#include "cgroup.h"
#include "fsutil.h"
#include "mountns.h"
#include "recompile.h"
#include "snapmount.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
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
				buf_addc(&b, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 +
						    (p[3] - '0')));
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
static int update_in_ns(const cordon_loaded_snap *ls, const cordon_content_mount *wanted,
			size_t n_wanted, buf *msg)
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
		for (size_t w = 0; w < n_wanted; w++)
			keep |= strcmp(wanted[w].target, mp) == 0;
		if (ours && !keep && umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
			buf_printf(msg, "unmount %s: %s", mp, strerror(errno));
			return -errno;
		}
	}
	for (size_t w = 0; w < n_wanted; w++) {
		if (strv_contains(&present, wanted[w].target))
			continue;
		cordon_error *e = NULL;
		r = cordon_bind_nofollow(wanted[w].source, wanted[w].target, !wanted[w].rw, &e);
		if (r < 0) {
			buf_adds(msg, e->msg);
			cordon_error_free(&e);
			return r;
		}
	}
	return 0;
}

/* Bring the bind mounts of the snap's namespace (nsfd) to `wanted`, from a
 * child that enters it (this process stays in the host's). */
static int live_update(const cordon_loaded_snap *ls, const cordon_content_mount *wanted,
		       size_t n_wanted, int nsfd, cordon_error **err)
{
	const char *instance = ls->row.name;
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
			ret = update_in_ns(ls, wanted, n_wanted, &msg) < 0;
		}
		if (msg.len)
			(void)!write(pfd[1], msg.p, msg.len);
		_exit(ret);
	}
	close(pfd[1]);
	/* the child's error message, for context: a longer one is cut short */
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
	_cleanup_close_ int nsfd = cordon_ns_open_preserved(dirfd, mntname);
	if (nsfd == -ENOENT)
		return 0;
	if (nsfd < 0)
		return cordon_err(err, -nsfd, "open %s", mntname);
	struct stat st;
	if (fstat(nsfd, &st) < 0)
		return cordon_err(err, errno, "stat %s", mntname);
	if (!cordon_snap_ns_in_use(cordon_cgroup_parent(&ctx->cgroup), instance, st.st_dev,
				   st.st_ino))
		return cordon_snap_ns_discard(dirfd, instance, false, err);
	const cordon_loaded_snap *ls;
	cordon_content_mount *wanted = NULL;
	size_t n = 0;
	_cleanup_free_ char *stamp = NULL;
	int r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r == 0)
		r = cordon_snap_mounts(ctx, instance, &wanted, &n, &stamp, err);
	if (r == 0)
		r = live_update(ls, wanted, n, nsfd, err);
	cordon_content_mounts_free(wanted, n);
	/* the namespace now matches the compiled policy: give it its stamp */
	if (r == 0)
		r = fs_write_atomic_at(dirfd, stampname, stamp, strlen(stamp), 0644, err);
	return r;
}
