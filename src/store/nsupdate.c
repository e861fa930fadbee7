/* Keeping a preserved snap namespace in step with its connections: after a
 * content connection changes, the namespace is discarded when no process
 * uses it (the next launch builds a fresh one), or its bind mounts are
 * brought up to date in place: running commands see the change at once,
 * their per-command namespaces being slaves of the snap's. */
#include "nsupdate.h"
#include "cgroup.h"
#include "fsutil.h"
#include "mountns.h"
#include "nssync.h"
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

/* Bring the snap's namespace (nsfd) to `w`, from a child that enters it
 * (this process stays in the host's). */
static int live_update(const char *instance, const cordon_ns_want *w, int nsfd, int dirfd,
		       cordon_error **err)
{
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
		cordon_error *e = NULL;
		int ret = cordon_ns_sync(nsfd, dirfd, instance, w, &e) < 0;
		if (e)
			(void)!write(pfd[1], e->msg, strlen(e->msg));
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

/* Is the preserved namespace on the root the new stamp names? */
static bool same_root(int dirfd, const char *instance, const char *want)
{
	_cleanup_free_ char *name = xasprintf("%s.stamp", instance);
	_cleanup_free_ char *old = NULL;
	size_t len = 0;
	if (fs_read_at(dirfd, name, 4096, &old, &len, NULL) < 0)
		return true; /* unknown: as before bases */
	return cordon_ns_stamp_same_root(old, want);
}

static int update_in_place(cordon_ctx *ctx, const char *instance, int nsfd, int dirfd, char **stamp,
			   cordon_error **err)
{
	const cordon_loaded_snap *ls;
	cordon_content_mount *cm = NULL;
	size_t n = 0;
	int r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r == 0)
		r = cordon_snap_mounts(ctx, instance, &cm, &n, stamp, err);
	if (r < 0)
		return r;
	if (!same_root(dirfd, instance, *stamp)) {
		/* its base changed: a root is not replaced under running
		 * commands, the namespace is (cordon_ns_refresh) */
		cordon_content_mounts_free(cm, n);
		return cordon_err_msg(err, EXDEV, "its base changed");
	}
	cordon_mount *m = xcalloc(n ? n : 1, sizeof *m);
	for (size_t i = 0; i < n; i++)
		m[i] = (cordon_mount){.source = cm[i].source,
				      .target = cm[i].target,
				      .flags = cm[i].rw ? 0 : CORDON_MOUNT_RO};
	cordon_ns_want w = {.revision_dir = ls->mount_dir, .mounts = m, .n_mounts = n};
	r = live_update(instance, &w, nsfd, dirfd, err);
	free(m);
	cordon_content_mounts_free(cm, n);
	return r;
}

int cordon_ns_refresh(cordon_ctx *ctx, const char *instance, char **warning, cordon_error **err)
{
	_cleanup_close_ int dirfd = fs_open_dir(ctx->paths.ns_dir, O_RDONLY, NULL);
	if (dirfd < 0)
		return 0; /* no namespace was ever made */
	_cleanup_free_ char *mntname = xasprintf("%s.mnt", instance);
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
	const cordon_loaded_snap *ls;
	int r = cordon_ctx_snap(ctx, instance, &ls, err);
	if (r == -ENOENT)
		return 0; /* removed: its purge discards the namespace */
	if (r < 0)
		return r;
	if (!cordon_snap_ns_in_use(cordon_cgroup_parent(&ctx->cgroup), instance, st.st_dev,
				   st.st_ino))
		return cordon_snap_ns_discard(dirfd, instance, false, err);
	_cleanup_free_ char *stamp = NULL;
	cordon_error *why = NULL;
	r = update_in_place(ctx, instance, nsfd, dirfd, &stamp, &why);
	if (r == 0)
		r = cordon_ns_stamp_synced(dirfd, instance, stamp, &why);
	if (r == 0)
		return 0;
	/* Not updated: replaced instead. The next launch makes a new one from
	 * the policy just committed; the running commands keep the old view
	 * until they exit. */
	*warning = xasprintf("the running commands of %s keep their old view of the file system "
			     "until they exit (%s); new ones get the new view",
			     instance, why ? why->msg : "update failed");
	cordon_error_free(&why);
	return cordon_snap_ns_discard(dirfd, instance, false, err);
}
