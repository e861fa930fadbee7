/* The privileged path helpers (fsutil.h) in a scratch directory: the one
 * walker refuses symlinks on the way, makes what is missing with the asked
 * owner and mode and leaves what exists alone; links and kernel text files
 * are read whole, never cut at a buffer's size. */
#include "check.h"
#include "error.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char scratch[] = "/tmp/cordon-test-fsutil-XXXXXX";

static char *at(const char *rel)
{
	return xasprintf("%s/%s", scratch, rel);
}

static mode_t mode_of(const char *rel)
{
	_cleanup_free_ char *p = at(rel);
	struct stat st;
	return lstat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void test_mkdir_p(void)
{
	cordon_error *err = NULL;
	_cleanup_free_ char *abc = at("a/b/c");
	int fd = fs_mkdir_p(abc, 0750, getuid(), getgid(), &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(mode_of("a"), 0750);
	CHECK_INT(mode_of("a/b/c"), 0750);

	/* what exists keeps its mode */
	_cleanup_free_ char *a = at("a");
	CHECK_INT(chmod(a, 0700), 0);
	_cleanup_free_ char *abd = at("a/b/d");
	fd = fs_mkdir_p(abd, 0755, getuid(), getgid(), &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(mode_of("a"), 0700);
	CHECK_INT(mode_of("a/b/d"), 0755);

	/* a symlink on the way is refused, and nothing is made behind it */
	_cleanup_free_ char *real = at("real"), *link = at("link"), *via = at("link/x/y");
	CHECK_INT(mkdir(real, 0755), 0);
	CHECK_INT(symlink(real, link), 0);
	fd = fs_mkdir_p(via, 0755, getuid(), getgid(), &err);
	CHECK(fd == -ELOOP || fd == -ENOTDIR);
	CHECK(err != NULL);
	cordon_error_free(&err);
	CHECK_INT(mode_of("real/x"), (mode_t)-1);

	CHECK_INT(fs_mkdir_p("relative/path", 0755, 0, 0, &err), -EINVAL);
	cordon_error_free(&err);
}

static void test_open_dir(void)
{
	cordon_error *err = NULL;
	_cleanup_free_ char *link = at("link"), *real = at("real");
	int fd = fs_open_dir(real, O_RDONLY, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	fd = fs_open_dir(link, O_RDONLY, &err);
	CHECK(fd == -ELOOP || fd == -ENOTDIR);
	cordon_error_free(&err);
	/* (in one openat2 call where the kernel has it: the same refusals as
	 * the step-by-step walk, and its error naming the step) */
	_cleanup_free_ char *deep = at("real/d1/d2"), *via_link = at("link/d1");
	fd = fs_mkdir_p(deep, 0755, getuid(), getgid(), &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	struct stat want, got;
	CHECK_INT(stat(deep, &want), 0);
	fd = fs_open_dir(deep, O_RDONLY, &err);
	CHECK(fd >= 0 && fstat(fd, &got) == 0 && got.st_ino == want.st_ino &&
	      got.st_dev == want.st_dev);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	if (fd >= 0)
		close(fd);
	fd = fs_open_dir(via_link, O_RDONLY, &err);
	CHECK(fd == -ELOOP || fd == -ENOTDIR);
	CHECK(err != NULL && strstr(err->msg, "(at link)") != NULL);
	cordon_error_free(&err);
	/* "." and ".." are refused even where the path would resolve */
	_cleanup_free_ char *dot = at("real/./d1"), *dotdot = at("real/d1/../d1");
	CHECK_INT(fs_open_dir(dot, O_RDONLY, &err), -EINVAL);
	cordon_error_free(&err);
	CHECK_INT(fs_open_dir(dotdot, O_RDONLY, &err), -EINVAL);
	cordon_error_free(&err);
	/* a magic link is a symlink too */
	fd = fs_open_dir("/proc/self/cwd", O_RDONLY, &err);
	CHECK(fd == -ELOOP || fd == -ENOTDIR);
	cordon_error_free(&err);
	fd = fs_open_dir("/", O_RDONLY, &err);
	CHECK(fd >= 0 && fstat(fd, &got) == 0 && stat("/", &want) == 0 &&
	      got.st_ino == want.st_ino);
	if (fd >= 0)
		close(fd);

	/* /tmp is writable by all: not a place root trusts */
	fd = fs_open_dir_root_owned(real, &err);
	CHECK_INT(fd, -EPERM);
	cordon_error_free(&err);
	fd = fs_open_dir_root_owned("/", &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);

	fd = fs_open_path_nofollow(link);
	CHECK_INT(fd, -ELOOP);
	fd = fs_open_path_nofollow(real);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

static void test_readlink(void)
{
	/* the longest text a link can hold comes back whole */
	_cleanup_free_ char *text = xmalloc(PATH_MAX);
	memset(text, 'x', PATH_MAX - 1);
	text[PATH_MAX - 1] = '\0';
	_cleanup_free_ char *name = at("long");
	CHECK_INT(symlink(text, name), 0);
	_cleanup_free_ char *got = fs_readlink_at(AT_FDCWD, name);
	CHECK(got != NULL && strcmp(got, text) == 0);

	_cleanup_free_ char *none = at("none");
	errno = 0;
	CHECK(fs_readlink_at(AT_FDCWD, none) == NULL);
	CHECK_INT(errno, ENOENT);
}

static void test_read(void)
{
	cordon_error *err = NULL;
	char *data = NULL;
	size_t len = 0;
	/* a /proc file reads to its end although stat says 0 bytes */
	CHECK_INT(fs_read_path("/proc/self/status", FS_KERNEL_TEXT_MAX, &data, &len, &err), 0);
	CHECK(data != NULL && strstr(data, "\nThreads:\t") != NULL && len == strlen(data));
	free(data);

	_cleanup_free_ char *big = at("big");
	_cleanup_close_ int dir = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(fs_write_atomic_at(dir, "big", "0123456789", 10, 0600, &err), 0);
	data = NULL;
	CHECK_INT(fs_read_path(big, 9, &data, &len, &err), -EFBIG);
	CHECK(data == NULL);
	cordon_error_free(&err);
	CHECK_INT(fs_read_path(big, 10, &data, &len, &err), 0);
	CHECK_INT(len, 10);
	free(data);
}

/* How many temporaries of the directory maker are in dir. */
static int temporaries(const char *rel)
{
	_cleanup_free_ char *p = at(rel);
	DIR *d = opendir(p);
	if (d == NULL)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".cordon-mkdir.", 14) == 0;
	closedir(d);
	return n;
}

/* A pid that was just in use and is not any more. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(pid > 0);
	(void)waitpid(pid, NULL, 0);
	return pid;
}

static void ensure_fails(int dir, const char *name, mode_t mode, const char *want)
{
	cordon_error *err = NULL;
	int fd = fs_ensure_dir_at(dir, name, mode, geteuid(), getegid(), &err);
	CHECK_INT(fd, -EPERM);
	CHECK(err != NULL && strstr(err->msg, want) != NULL);
	if (err != NULL && strstr(err->msg, want) == NULL)
		fprintf(stderr, "  message: %s\n", err->msg);
	cordon_error_free(&err);
}

/* Directories are made finished under a temporary name; what a killed
 * maker left (a temporary, or a half-made directory of the old pattern) is
 * cleaned up or finished, and nothing else is trusted. As root: a
 * directory of mode 0000 cannot be opened otherwise. */
static void test_half_made(void)
{
	if (geteuid() != 0) {
		printf("# half-made directories: skipped (not root)\n");
		return;
	}
	cordon_error *err = NULL;
	_cleanup_free_ char *hm = at("hm");
	CHECK_INT(mkdir(hm, 0755), 0);
	_cleanup_close_ int dir = open(hm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* made with its mode, no temporary left */
	int fd = fs_ensure_dir_at(dir, "new", 0700, uid, gid, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(mode_of("hm/new"), 0700);
	CHECK_INT(temporaries("hm"), 0);

	/* A directory for another owner is made under a temporary name
	 * (root only: chown): a dead maker's temporary goes; a live one's (the
	 * parent test process), or one that holds something, stays. Ours is
	 * made at once, with no temporary and no sweep. */
	if (geteuid() == 0) {
		char dead[64], live[64], full[64];
		snprintf(dead, sizeof dead, ".cordon-mkdir.%d.0", (int)dead_pid());
		snprintf(live, sizeof live, ".cordon-mkdir.%d.0", (int)getppid());
		snprintf(full, sizeof full, ".cordon-mkdir.%d.1", (int)dead_pid());
		CHECK_INT(mkdirat(dir, dead, 0000), 0);
		CHECK_INT(mkdirat(dir, live, 0000), 0);
		CHECK_INT(mkdirat(dir, full, 0000), 0);
		_cleanup_free_ char *inner = xasprintf("%s/%s/x", hm, full);
		CHECK_INT(mkdir(inner, 0700), 0);
		fd = fs_ensure_dir_at(dir, "after", 0755, 65534, 65534, &err);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		CHECK_INT(faccessat(dir, dead, F_OK, AT_SYMLINK_NOFOLLOW), -1);
		CHECK_INT(faccessat(dir, live, F_OK, AT_SYMLINK_NOFOLLOW), 0);
		CHECK_INT(faccessat(dir, full, F_OK, AT_SYMLINK_NOFOLLOW), 0);
		CHECK_INT(mode_of("hm/after"), 0755);
		struct stat ast;
		CHECK_INT(fstatat(dir, "after", &ast, 0), 0);
		CHECK_INT((int)ast.st_uid, 65534);
	}

	/* half-made by the old pattern (ours, 0000, empty, parent ours and
	 * not group- or world-writable): finished */
	CHECK_INT(mkdirat(dir, "legacy", 0000), 0);
	fd = fs_ensure_dir_at(dir, "legacy", 01777, uid, gid, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(mode_of("hm/legacy"), 01777);
	/* and by fs_mkdir_p, on the way too */
	CHECK_INT(mkdirat(dir, "way", 0000), 0);
	_cleanup_free_ char *way = at("hm/way/end");
	fd = fs_mkdir_p(way, 0750, uid, gid, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(mode_of("hm/way"), 0750);
	CHECK_INT(mode_of("hm/way/end"), 0750);

	/* not ours to finish: a 0000 one that holds something, another
	 * owner's, a wrong non-zero mode, one in a parent others can write,
	 * a symlink */
	CHECK_INT(mkdirat(dir, "holds", 0000), 0);
	_cleanup_free_ char *held = at("hm/holds/x");
	CHECK_INT(mkdir(held, 0700), 0);
	ensure_fails(dir, "holds", 0700,
		     "holds exists with owner 0:0 mode 0000, expected 0:0 0700");
	CHECK_INT(mode_of("hm/holds"), 0);
	CHECK_INT(mkdirat(dir, "theirs", 0000), 0);
	CHECK_INT(fchownat(dir, "theirs", 1234, 1234, 0), 0);
	ensure_fails(dir, "theirs", 0700, "theirs exists with owner 1234:1234 mode 0000");
	CHECK_INT(mkdirat(dir, "wrong", 0750), 0);
	ensure_fails(dir, "wrong", 0700, "wrong exists with owner 0:0 mode 0750");
	CHECK_INT(mkdirat(dir, "open", 0777), 0);
	CHECK_INT(fchmodat(dir, "open", 0777, 0), 0);
	_cleanup_close_ int open_dir = openat(dir, "open", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(mkdirat(open_dir, "x", 0000), 0);
	ensure_fails(open_dir, "x", 0700, "x exists with owner 0:0 mode 0000");
	CHECK_INT(symlinkat("new", dir, "link"), 0);
	fd = fs_ensure_dir_at(dir, "link", 0700, uid, gid, &err);
	CHECK(fd == -ELOOP || fd == -ENOTDIR);
	cordon_error_free(&err);
}

/* fs_dirents: every entry once, over several buffers of getdents64 (names
 * of 200 bytes: 32 KiB holds ~150), with its type, "." and ".." skipped,
 * and the fd left open. */
static void test_dirents(void)
{
	_cleanup_free_ char *dir = at("many");
	CHECK_INT(mkdir(dir, 0755), 0);
	enum { N = 600 };
	char pad[181];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	for (int i = 0; i < N; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%04d%s", dir, i, pad);
		if (i % 3 == 0)
			CHECK_INT(mkdir(p, 0755), 0);
		else if (i % 3 == 1)
			CHECK_INT(symlink("target", p), 0);
		else
			CHECK_INT(mknod(p, S_IFREG | 0644, 0), 0);
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	static bool seen[N];
	int count = 0, wrong = 0;
	fs_dirents d;
	fs_dirents_init(&d, fd);
	const char *name;
	unsigned char type;
	int r;
	while ((r = fs_dirents_next(&d, &name, &type)) == 1) {
		int i = atoi(name);
		unsigned char want = i % 3 == 0 ? DT_DIR : i % 3 == 1 ? DT_LNK : DT_REG;
		if (i < 0 || i >= N || seen[i] || strcmp(name + 4, pad) != 0 ||
		    (type != DT_UNKNOWN && type != want))
			wrong++;
		else
			seen[i] = true;
		count++;
	}
	fs_dirents_free(&d);
	CHECK_INT(r, 0);
	CHECK_INT(count, N);
	CHECK_INT(wrong, 0);
	CHECK(fcntl(fd, F_GETFD) >= 0); /* still open: the caller's */
	close(fd);
	/* a closed fd: the error, not an end */
	fs_dirents_init(&d, fd);
	CHECK_INT(fs_dirents_next(&d, &name, &type), -EBADF);
	fs_dirents_free(&d);
}

int main(void)
{
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_mkdir_p();
	test_open_dir();
	test_readlink();
	test_read();
	test_half_made();
	test_dirents();
	cordon_error *err = NULL;
	if (fs_rm_rf_at(AT_FDCWD, scratch, &err) < 0) {
		fprintf(stderr, "cleanup: %s\n", err->msg);
		return 1;
	}
	return check_done("fsutil");
}
