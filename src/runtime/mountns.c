#include "mountns.h"
#include "nssync.h"
#include "baseroot.h"
#include "layout.h"
#include "snapmount.h"
#include "fsutil.h"
#include "nsdir.h"
#include "view.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel hands out namespace ids in per-CPU batches of 4096. */
#define NS_ID_BATCH 4096

static char *proc_fd(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

/* Is one of the cgroups of a /proc/<pid>/cgroup text a service unit's of
 * the snap (.../snap.<instance>.<app>.service: a system service stays in its
 * unit's cgroup on cgroup v2, see cgroup.h)? */
static bool in_unit_cgroup(const char *text, const char *instance)
{
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *l = xstrndup(line, len);
		const char *leaf = strrchr(l, '/');
		if (leaf && str_has_prefix(leaf + 1, prefix) &&
		    str_has_suffix(leaf + 1, ".service"))
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Does /proc/<pid>/cgroup put the process in a label cgroup of the snap
 * (<parent>/snap.<instance>.<app> or .hook.<hook>, in any hierarchy) or in
 * one of its service units' cgroups? */
static bool in_snap_cgroup(const char *pid, const char *needle, const char *instance)
{
	_cleanup_free_ char *p = xasprintf("/proc/%s/cgroup", pid);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = fs_read_path(p, FS_KERNEL_TEXT_MAX, &text, &len, NULL);
	if (r == -ENOENT || r == -ESRCH)
		return false; /* gone meanwhile */
	if (r < 0)
		return true; /* unknown: the namespace stays */
	return strstr(text, needle) != NULL || in_unit_cgroup(text, instance);
}

bool cordon_snap_ns_in_use(const char *cgroup_parent, const char *instance, dev_t dev, ino_t ino)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return true; /* cannot tell: assume it is */
	/* "N:devices:/<parent>/snap.x.y" (v1) and "0::/<parent>/snap.x.y" (v2) */
	_cleanup_free_ char *needle = xasprintf(":/%s/snap.%s.", cgroup_parent, instance);
	_cleanup_free_ char *self = xasprintf("%d", (int)getpid());
	bool used = false;
	struct dirent *de;
	while (!used && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || strcmp(de->d_name, self) == 0)
			continue;
		_cleanup_free_ char *p = xasprintf("/proc/%s/ns/mnt", de->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && st.st_ino == ino && st.st_dev == dev)
			used = true;
		/* Commands do not run in the snap's namespace itself but in
		 * namespaces of their own made from it (for their devpts):
		 * comparing namespaces alone would call a namespace unused
		 * while every command of the snap still runs under it. The
		 * label cgroup names them. This launch has joined its own
		 * label cgroup already; other launches of the snap waiting
		 * for the lock count as users (they are about to join). */
		else if (in_snap_cgroup(de->d_name, needle, instance))
			used = true;
	}
	closedir(d);
	return used;
}

static int read_stamp(int dirfd, const char *name, char **out)
{
	size_t len;
	return fs_read_at(dirfd, name, 4096, out, &len, NULL);
}

/* A parallel instance foo_key sees its own directories where the snap's
 * are: <root>/snap/foo_key over <root>/snap/foo and <root>/var/snap/foo_key
 * over <root>/var/snap/foo (snapd's "overname" mounts, made before any
 * other, mount/spec.go AddOvername), so $SNAP is /snap/foo/<rev> as in
 * snapd and a snap finds its files where its own name says. Recursive: the
 * revisions mounted beneath come along, and later ones (a refresh while the
 * namespace is in use) propagate to the copy, a peer of the shared root.
 * The mount point is made when missing (an instance of a snap whose plain
 * name is not installed); the store removes it with the last instance. */
static int remap_instance(const cordon_paths *paths, const cordon_policy *p, cordon_error **err)
{
	if (p->instance_key == NULL || p->instance_key[0] == '\0')
		return 0;
	const char *bases[] = {paths->snap_mount, paths->var_snap};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_close_ int base = fs_open_dir(bases[i], O_RDONLY, err);
		if (base < 0)
			return base;
		if (mkdirat(base, p->snap_name, 0755) < 0 && errno != EEXIST)
			return cordon_err(err, errno, "create %s/%s", bases[i], p->snap_name);
		_cleanup_close_ int src =
		    openat(base, p->instance_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0)
			return cordon_err(err, errno, "open %s/%s", bases[i], p->instance_name);
		_cleanup_close_ int dst =
		    openat(base, p->snap_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dst < 0)
			return cordon_err(err, errno, "open %s/%s", bases[i], p->snap_name);
		_cleanup_free_ char *s = proc_fd(src), *d = proc_fd(dst);
		if (mount(s, d, NULL, MS_BIND | MS_REC, NULL) < 0)
			return cordon_err(err, errno, "bind %s/%s on %s/%s", bases[i],
					  p->instance_name, bases[i], p->snap_name);
	}
	return 0;
}

/* Mounts of a new snap namespace, made inside it. */
static int populate(const cordon_paths *paths, const cordon_policy *p, int tmpfd,
		    cordon_error **err)
{
	/* Receive host mounts where the host shares them (systemd makes /
	 * shared; a revision mounted later then appears, see join_ns for
	 * hosts that do not) but never send ours back: slave. Shared as well, so the per-command
	 * namespaces made from this one (their own slaves) still receive
	 * later snap-wide changes such as content connections. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cordon_err(err, errno, "make / a slave");
	if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		return cordon_err(err, errno, "make / shared");
	/* a snap on a base: the base is / from here on (baseroot.h) */
	int br = cordon_baseroot_enter(paths, p, err);
	if (br < 0)
		return br;
	/* a parallel instance's own directories at the snap's names (under
	 * the base's root when there is one: it binds the host's /snap) */
	int rr = remap_instance(paths, p, err);
	if (rr < 0)
		return rr;
	/* An fd opened before unshare names a mount of the old namespace,
	 * which mount(2) refuses as a bind source: walk to it again here and
	 * check it is the very directory that was checked. */
	_cleanup_free_ char *tmppath = xasprintf("%s/%s/tmp", paths->tmp_dir, p->instance_name);
	_cleanup_close_ int here = fs_open_dir(tmppath, O_PATH, err);
	if (here < 0)
		return here;
	struct stat a, b;
	if (fstat(here, &a) < 0 || fstat(tmpfd, &b) < 0)
		return cordon_err(err, errno, "stat %s", tmppath);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return cordon_err_msg(err, EPERM, "%s changed while in use; refusing it", tmppath);
	_cleanup_free_ char *tp = proc_fd(here);
	if (mount(tp, "/tmp", NULL, MS_BIND, NULL) < 0)
		return cordon_err(err, errno, "bind private /tmp");
	if (mount(NULL, "/tmp", NULL, MS_PRIVATE, NULL) < 0)
		return cordon_err(err, errno, "make /tmp private");
	/* POSIX shared memory is private to the snap: Landlock cannot tell
	 * /dev/shm/snap.<snap>.* from other names, a separate tmpfs can. */
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=01777,size=25%") < 0)
		return cordon_err(err, errno, "mount private /dev/shm");
	for (size_t i = 0; i < p->n_mounts; i++) {
		const cordon_mount *m = &p->mounts[i];
		int r = cordon_bind_nofollow(m->source, m->target,
					     (m->flags & CORDON_MOUNT_RO) != 0, err);
		if (r < 0)
			return r;
	}
	/* the layouts, before any command runs (layout.h) */
	int r = cordon_layouts_apply(p, p->base_dir != NULL, err);
	/* a base's root tmpfs takes no entry once the layouts are made */
	if (r == 0 && p->base_dir &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) <
		0)
		r = cordon_err(err, errno, "base: make / read-only");
	return r;
}

/* Create the namespace, preserve it as <dir>/<name>.mnt, and stay in it. */
static int create_ns(const cordon_paths *paths, int dirfd, const char *mntname,
		     const cordon_policy *p, int tmpfd, cordon_error **err)
{
	_cleanup_close_ int host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host < 0)
		return cordon_err(err, errno, "open own mount namespace");
	int r = cordon_ns_record_binds(dirfd, p->instance_name, p->mounts, p->n_mounts, err);
	if (r < 0)
		return r;
	_cleanup_close_ int newns = cordon_unshare_mntns_newer(host, err);
	if (newns < 0)
		return newns;
	r = populate(paths, p, tmpfd, err);
	if (r < 0) {
		(void)setns(host, CLONE_NEWNS);
		return r;
	}
	/* Back to the host to preserve it: bind the nsfs file there. */
	if (setns(host, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "return to the host mount namespace");
	_cleanup_free_ char *src = proc_fd(newns);
	r = cordon_ns_preserve(dirfd, mntname, src, err);
	if (r < 0)
		return r;
	if (setns(newns, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "enter the new mount namespace");
	return 0;
}

/* The snap's SysV IPC namespace, one per snap and preserved like its mount
 * namespace (<ns dir>/<instance>.ipc), so its commands share message queues,
 * semaphores and shared memory with each other and with nothing else: the
 * host's segments are out of reach (Landlock and seccomp cannot tell one
 * segment from another). Entered before the mount namespace, while this
 * process is still in the host's (where the preserving bind lives). */
static int enter_ipc_ns(int dirfd, const char *instance, cordon_error **err)
{
	_cleanup_free_ char *name = xasprintf("%s.ipc", instance);
	_cleanup_close_ int fd = cordon_ns_open_preserved(dirfd, name);
	if (fd >= 0) {
		if (setns(fd, CLONE_NEWIPC) < 0)
			return cordon_err(err, errno, "join the IPC namespace %s", name);
		return 0;
	}
	if (unshare(CLONE_NEWIPC) < 0)
		return cordon_err(err, errno, "unshare the IPC namespace");
	return cordon_ns_preserve(dirfd, name, "/proc/self/ns/ipc", err);
}

/* Join the stale namespace nsfd and bring it up to date. When that fails,
 * this process goes back to the host's namespace and -EAGAIN says so: the
 * namespace is then replaced by a new one (its running commands keep the
 * old until they exit), never joined half-updated. */
/* The stamp of a namespace brought up to date in place (sync_stale): it
 * serves the policy `want`, but still holds what its older policies mounted
 * (the old revision, while the host's / is not shared), so it is rebuilt
 * once no process uses it. */
#define SYNCED_SUFFIX " synced"

/* Join the stale namespace nsfd and bring it up to date. When that fails,
 * this process goes back to the host's namespace and -EAGAIN says so: the
 * namespace is then replaced by a new one (its running commands keep the
 * old until they exit), never joined half-updated. */
static int sync_stale(int dirfd, int nsfd, const cordon_policy *p, const char *want,
		      cordon_error **err)
{
	_cleanup_close_ int host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host < 0)
		return cordon_err(err, errno, "open own mount namespace");
	cordon_ns_want w;
	cordon_ns_want_from_policy(p, &w);
	cordon_error *why = NULL;
	int r = cordon_ns_sync(nsfd, dirfd, p->instance_name, &w, &why);
	cordon_error_free(&why);
	if (r == 0)
		return cordon_ns_stamp_synced(dirfd, p->instance_name, want, err);
	if (setns(host, CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "return to the host mount namespace");
	return -EAGAIN;
}

static int join_or_create(const cordon_paths *paths, const cordon_policy *p,
			  const char *cgroup_parent, int dirfd, cordon_error **err)
{
	_cleanup_free_ char *mntname = xasprintf("%s.mnt", p->instance_name);
	_cleanup_free_ char *stampname = xasprintf("%s.stamp", p->instance_name);
	const char *want = p->ns_stamp ? p->ns_stamp : "";
	_cleanup_close_ int nsfd = cordon_ns_open_preserved(dirfd, mntname);
	if (nsfd >= 0) {
		struct stat st;
		if (fstat(nsfd, &st) < 0)
			return cordon_err(err, errno, "stat %s", mntname);
		_cleanup_free_ char *stamp = NULL;
		bool have = read_stamp(dirfd, stampname, &stamp) == 0;
		bool current = have && strcmp(stamp, want) == 0;
		bool synced = have && cordon_ns_stamp_is_synced(stamp, want);
		if (current) {
			if (setns(nsfd, CLONE_NEWNS) < 0)
				return cordon_err(err, errno, "join %s", mntname);
			return 0;
		}
		/* a namespace on another root (the base changed) cannot be
		 * brought up to date: a new one is made, and the running
		 * commands keep the old until they exit */
		bool same_root = !have || cordon_ns_stamp_same_root(stamp, want);
		if (same_root &&
		    cordon_snap_ns_in_use(cgroup_parent, p->instance_name, st.st_dev, st.st_ino)) {
			/* A stale namespace still in use is kept (as snapd
			 * does) and brought up to date in place: a change the
			 * store could not finish (killed, or its update
			 * failed) is finished by the next launch, and running
			 * commands see it too (their namespaces are slaves of
			 * this one). */
			if (synced) {
				if (setns(nsfd, CLONE_NEWNS) < 0)
					return cordon_err(err, errno, "join %s", mntname);
				return 0;
			}
			int r = sync_stale(dirfd, nsfd, p, want, err);
			if (r != -EAGAIN)
				return r;
		}
		int r = cordon_snap_ns_discard(dirfd, p->instance_name, false, err);
		if (r < 0)
			return r;
	}
	_cleanup_close_ int tmpfd = cordon_privtmp_prepare(paths, p->instance_name, err);
	if (tmpfd < 0)
		return tmpfd;
	int r = create_ns(paths, dirfd, mntname, p, tmpfd, err);
	if (r < 0)
		return r;
	return fs_write_runtime_at(dirfd, stampname, want, strlen(want), 0644, err);
}

int cordon_mountns_enter(const cordon_paths *paths, const cordon_policy *p,
			 const char *cgroup_parent, int lock_timeout_ms, cordon_ns_session *s,
			 cordon_error **err)
{
	*s = (cordon_ns_session){.dirfd = -1, .host_ns = -1, .lock = -1};
	int r = cordon_nsdir_open(paths, &s->dirfd, err);
	if (r < 0)
		goto fail;
	s->host_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (s->host_ns < 0) {
		r = cordon_err(err, errno, "open own mount namespace");
		goto fail;
	}
	s->stage = xstrdup(paths->run_dir);
	/* Two first launches at once: the second waits here and then joins
	 * the namespace the first made. */
	s->lock = cordon_ns_lock(s->dirfd, p->instance_name, lock_timeout_ms, err);
	if (s->lock < 0) {
		r = s->lock;
		goto fail;
	}
	/* A refresh or remove that committed while this launch started
	 * replaced or removed its policy, and may be pruning the revision it
	 * names (under this lock): never build or join a namespace for it. */
	if (!fs_still_names(paths->policy_dir, p->label, (dev_t)p->file_dev, (ino_t)p->file_ino)) {
		r = cordon_err_msg(err, ESTALE, "the snap %s changed while %s was starting",
				   p->instance_name, p->label);
		goto fail;
	}
	if (!(p->flags & CORDON_POLICY_HOST_IPC)) {
		r = enter_ipc_ns(s->dirfd, p->instance_name, err);
		if (r < 0)
			goto fail;
	}
	r = join_or_create(paths, p, cgroup_parent, s->dirfd, err);
	if (r < 0)
		goto fail;
	struct stat st;
	if (stat("/proc/self/ns/mnt", &st) < 0) {
		r = cordon_err(err, errno, "stat the snap's mount namespace");
		goto fail;
	}
	s->snap_ns = st.st_ino;
	return 0;
fail:
	cordon_ns_session_end(s);
	return r;
}

int cordon_devpts_new_instance(cordon_error **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return cordon_err(err, errno, "unshare per-command mount namespace");
	/* A slave of the snap's namespace: snap-wide changes still arrive,
	 * this command's devpts never leaves. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cordon_err(err, errno, "make per-command namespace a slave");
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		return cordon_err(err, errno, "mount a new devpts instance");
	if (mount("/dev/pts/ptmx", "/dev/ptmx", NULL, MS_BIND, NULL) < 0)
		return cordon_err(err, errno, "bind /dev/pts/ptmx over /dev/ptmx");
	return 0;
}

int cordon_snap_ns_discard(int dirfd, const char *instance, bool all, cordon_error **err)
{
	_cleanup_free_ char *mntname = xasprintf("%s.mnt", instance);
	_cleanup_free_ char *stampname = xasprintf("%s.stamp", instance);
	_cleanup_free_ char *stamptmp = xasprintf(".%s.tmp", stampname);
	int r = cordon_ns_unbind(dirfd, mntname, all, err);
	if (r == 0 && unlinkat(dirfd, stampname, 0) < 0 && errno != ENOENT)
		r = cordon_err(err, errno, "remove %s", stampname);
	if (r == 0 && unlinkat(dirfd, stamptmp, 0) < 0 && errno != ENOENT)
		r = cordon_err(err, errno, "remove %s", stamptmp);
	if (r == 0)
		r = cordon_ns_forget_binds(dirfd, instance, err);
	/* the views were made from it: they go with it */
	if (r == 0)
		r = cordon_views_discard(dirfd, instance, err);
	if (r < 0 || !all)
		return r;
	_cleanup_free_ char *ipcname = xasprintf("%s.ipc", instance);
	_cleanup_free_ char *lockname = xasprintf("%s.lock", instance);
	r = cordon_ns_unbind(dirfd, ipcname, true, err);
	if (r == 0 && unlinkat(dirfd, lockname, 0) < 0 && errno != ENOENT)
		r = cordon_err(err, errno, "remove %s", lockname);
	return r;
}

int cordon_runtime_discard_snap(const cordon_paths *paths, const char *instance, cordon_error **err)
{
	_cleanup_close_ int dirfd = fs_open_dir(paths->ns_dir, O_RDONLY, NULL);
	if (dirfd >= 0) {
		int r = cordon_snap_ns_discard(dirfd, instance, true, err);
		if (r < 0)
			return r;
	}
	return cordon_privtmp_discard(paths, instance, err);
}
