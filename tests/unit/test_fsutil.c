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
#include <limits.h>
#include <sys/stat.h>
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
	cordon_error *err = NULL;
	if (fs_rm_rf_at(AT_FDCWD, scratch, &err) < 0) {
		fprintf(stderr, "cleanup: %s\n", err->msg);
		return 1;
	}
	return check_done("fsutil");
}
