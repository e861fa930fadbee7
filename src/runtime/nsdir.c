/* The directory of preserved namespaces (<run>/ns): see nsdir.h. */
#include "nsdir.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)
#endif

/* The kernel hands out namespace ids in per-CPU batches of 4096. */
#define NS_ID_BATCH 4096

static char *proc_fd(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

/* The directory holding preserved namespaces must be a private mount: an
 * nsfs bind inside it must never propagate to another namespace (it would
 * pin namespaces in loops the kernel refuses, and leak them to the host).
 * And root's alone (0700): anyone who can open a preserved namespace's file
 * keeps that namespace alive, and with it a removed snap's mounts and loop
 * device. */
int cordon_nsdir_open(const cordon_paths *paths, int *dirfd, cordon_error **err)
{
	/* One walk to the run directory, kept open for the mount point check
	 * below, and the last step from it: the same opens, checks and
	 * making as fs_mkdir_p(ns_dir) (fs_mkdir_at), without a second walk
	 * from / to the run directory. The check then asks about the very
	 * directory the ns directory was opened in. */
	_cleanup_close_ int parent = fs_mkdir_p(paths->run_dir, 0700, 0, 0, err);
	if (parent < 0)
		return parent;
	_cleanup_close_ int fd = fs_mkdir_at(parent, "ns", 0700, 0, 0, err);
	if (fd < 0)
		return cordon_err_prefix(err, "%s", paths->ns_dir);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cordon_err(err, errno, "stat %s", paths->ns_dir);
	if (st.st_uid != 0)
		return cordon_err_msg(err, EPERM, "%s is not owned by root; refusing to use it",
				      paths->ns_dir);
	/* made by an older cordon with 0755 */
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		return cordon_err(err, errno, "chmod %s", paths->ns_dir);
	bool mounted = false;
	int r = fs_is_mountpoint_at(parent, "ns", &mounted, err);
	if (r < 0)
		return r;
	if (!mounted) {
		_cleanup_close_ int lock =
		    openat(parent, "ns.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (lock < 0)
			return cordon_err(err, errno, "open %s/ns.lock", paths->run_dir);
		while (flock(lock, LOCK_EX) < 0)
			if (errno != EINTR)
				return cordon_err(err, errno, "lock %s/ns.lock", paths->run_dir);
		r = fs_is_mountpoint_at(parent, "ns", &mounted, err);
		if (r < 0)
			return r;
		if (!mounted) {
			_cleanup_free_ char *p = proc_fd(fd);
			if (mount(p, p, NULL, MS_BIND, NULL) < 0)
				return cordon_err(err, errno, "bind %s on itself", paths->ns_dir);
		}
		/* Bound now, by us or by a launch that held the lock first:
		 * the fd opened above names the directory beneath the bind,
		 * which MS_PRIVATE below would refuse (EINVAL). */
		close(fd);
		fd = fs_open_dir(paths->ns_dir, O_RDONLY, err);
		if (fd < 0)
			return fd;
	}
	_cleanup_free_ char *p = proc_fd(fd);
	if (mount(NULL, p, NULL, MS_PRIVATE, NULL) < 0)
		return cordon_err(err, errno, "make %s private", paths->ns_dir);
	*dirfd = steal_fd(fd);
	return 0;
}

static int mntns_id(int nsfd, uint64_t *id)
{
	if (ioctl(nsfd, NS_GET_MNTNS_ID, id) < 0)
		return -errno;
	return 0;
}

/* unshare(CLONE_NEWNS) into a namespace whose id is larger than that of
 * `host`, the one that will bind the new one's nsfs file; returns an fd of
 * the new namespace, which the process is in.
 *
 * Linux 6.18 hands out mount namespace ids from per-CPU batches (4096 ids
 * each), so a new namespace may get a smaller id than the host's, and the
 * kernel's loop check then refuses the preserving bind with EINVAL (snapd's
 * LP: #2161539; fixed in 6.19). Unsharing again on the same CPU draws from
 * the same batch: when the caller is pinned to one CPU (taskset, a cpuset),
 * thousands of tries could stay below. A CPU whose batch is newer than the
 * host's (the one the host namespace came from, at least) gives a larger id
 * at once, so each further try runs on the next CPU; the caller's affinity
 * is restored afterwards. A kernel without NS_GET_MNTNS_ID has no such ids
 * and no such check. */
int cordon_unshare_mntns_newer(int host, cordon_error **err)
{
	uint64_t host_id = 0, new_id = 0;
	bool have_ids = mntns_id(host, &host_id) == 0;
	cpu_set_t caller;
	bool moved = false;
	int ret = -1;
	if (sched_getaffinity(0, sizeof caller, &caller) < 0)
		return cordon_err(err, errno, "sched_getaffinity");
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpu < 1 || ncpu > CPU_SETSIZE)
		ncpu = CPU_SETSIZE;
	int cpu = sched_getcpu();
	/* every CPU twice, then the rest of a batch on the last one */
	for (int i = 0; i < 2 * ncpu + NS_ID_BATCH; i++) {
		if (unshare(CLONE_NEWNS) < 0) {
			ret = cordon_err(err, errno, "unshare mount namespace");
			break;
		}
		int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = cordon_err(err, errno, "open new mount namespace");
			break;
		}
		if (!have_ids || mntns_id(fd, &new_id) < 0 || new_id > host_id) {
			ret = fd;
			break;
		}
		close(fd);
		/* next CPU this process may run on (cpuset limits give
		 * EINVAL: skip those) */
		for (int tries = 0; tries < ncpu && i < 2 * ncpu; tries++) {
			cpu = (int)((cpu + 1) % ncpu);
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (sched_setaffinity(0, sizeof one, &one) == 0) {
				moved = true;
				break;
			}
		}
	}
	if (ret == -1)
		ret = cordon_err_msg(err, EAGAIN, "mount namespace id stays below the host's");
	if (moved && sched_setaffinity(0, sizeof caller, &caller) < 0) {
		int e = errno;
		if (ret >= 0)
			close(ret);
		return cordon_err(err, e, "restore the CPU affinity");
	}
	return ret;
}

/* Take the lock file as it is now named: one a change unlinked while this
 * process waited for it (a remove discards the snap's lock file while
 * holding it) is let go and the new one taken, or two holders would each
 * hold a lock of their own. */
static int lock_once(int dirfd, const char *lockname, const char *instance, int timeout_ms,
		     cordon_error **err)
{
	_cleanup_close_ int lock =
	    openat(dirfd, lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return cordon_err(err, errno, "open %s", lockname);
	if (timeout_ms < 0) {
		while (flock(lock, LOCK_EX) < 0)
			if (errno != EINTR)
				return cordon_err(err, errno, "lock %s", lockname);
		return steal_fd(lock);
	}
	/* A holder that never lets go (stuck, or stopped by whoever started
	 * it) must not hang every other launch of the snap: poll, then give up
	 * with a message that says why. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long delay_us = 200;
	while (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return cordon_err(err, errno, "lock %s", lockname);
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited_ms =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited_ms >= timeout_ms)
			return cordon_err_msg(
			    err, ETIMEDOUT,
			    "snap %s is busy: another launch or change has held its "
			    "namespace lock for %d.%03d s; try again later",
			    instance, timeout_ms / 1000, timeout_ms % 1000);
		struct timespec ts = {0, delay_us * 1000};
		nanosleep(&ts, NULL);
		if (delay_us < 20000)
			delay_us *= 2;
	}
	return steal_fd(lock);
}

int cordon_ns_lock(int dirfd, const char *instance, int timeout_ms, cordon_error **err)
{
	_cleanup_free_ char *lockname = xasprintf("%s.lock", instance);
	for (;;) {
		int lock = lock_once(dirfd, lockname, instance, timeout_ms, err);
		if (lock < 0)
			return lock;
		struct stat held, named;
		if (fstat(lock, &held) < 0) {
			int e = errno;
			close(lock);
			return cordon_err(err, e, "stat %s", lockname);
		}
		if (fstatat(dirfd, lockname, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
		    named.st_dev == held.st_dev && named.st_ino == held.st_ino)
			return lock;
		close(lock); /* unlinked meanwhile: take the one named now */
	}
}

void cordon_ns_session_end(cordon_ns_session *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->host_ns >= 0)
		close(s->host_ns);
	if (s->lock >= 0)
		close(s->lock);
	free(s->stage);
	*s = (cordon_ns_session){.dirfd = -1, .host_ns = -1, .lock = -1};
}

int cordon_ns_open_preserved(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || (uint32_t)sfs.f_type != NSFS_MAGIC) {
		close(fd);
		return -ENOENT; /* a file left from before a reboot: nothing bound */
	}
	return fd;
}

int cordon_ns_unbind(int dirfd, const char *name, bool remove, cordon_error **err)
{
	_cleanup_free_ char *dir = proc_fd(dirfd);
	_cleanup_free_ char *target = xasprintf("%s/%s", dir, name);
	/* lazily: a process inside keeps the namespace until it leaves */
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return cordon_err(err, errno, "discard the namespace %s", name);
	if (remove && unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return cordon_err(err, errno, "remove %s", name);
	return 0;
}

int cordon_ns_preserve(int dirfd, const char *name, const char *nsfile, cordon_error **err)
{
	int r = cordon_ns_unbind(dirfd, name, false, err);
	if (r < 0)
		return r;
	_cleanup_close_ int f =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0000);
	if (f < 0)
		return cordon_err(err, errno, "create %s", name);
	_cleanup_free_ char *dst = proc_fd(f);
	if (mount(nsfile, dst, NULL, MS_BIND, NULL) < 0)
		return cordon_err(err, errno, "preserve the namespace as %s", name);
	return 0;
}
