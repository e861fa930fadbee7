#include "package.h"
#include "fsutil.h"
#include "snapmount.h"
#include "run_program.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_YAML (1u << 20)
#define MAX_SYMLINK_HOPS 40

static int read_manifest(cordon_package *pkg, cordon_error **err)
{
	if (pkg->kind != CORDON_PKG_YAML) {
		_cleanup_close_ int meta =
		    openat(pkg->rootfd, "meta", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (meta < 0) {
			if (errno == ELOOP || errno == ENOTDIR)
				return cordon_err_msg(err, EINVAL, "meta is not a directory");
			return cordon_err(err, errno, "cannot open meta/snap.yaml");
		}
		int r = fs_read_at(meta, "snap.yaml", MAX_YAML, &pkg->yaml, &pkg->yaml_len, NULL);
		if (r == -ELOOP)
			return cordon_err_msg(err, EINVAL,
					      "meta/snap.yaml is a symlink; refusing to follow it");
		if (r == -EFBIG)
			return cordon_err_msg(err, EFBIG, "meta/snap.yaml is larger than 1 MiB");
		if (r == -EINVAL)
			return cordon_err_msg(err, EINVAL, "meta/snap.yaml is not a regular file");
		if (r < 0)
			return cordon_err(err, -r, "cannot read meta/snap.yaml");
	}
	const char *source = pkg->kind == CORDON_PKG_YAML ? "snap.yaml" : "meta/snap.yaml";
	int r = cordon_manifest_parse(pkg->yaml, pkg->yaml_len, source, &pkg->manifest, err);
	if (r < 0)
		return r;
	r = cordon_manifest_validate(pkg->manifest, err);
	if (r < 0)
		return r;
	if (pkg->rootfd >= 0)
		return cordon_package_check_content(pkg->manifest, pkg->rootfd, err);
	return 0;
}

/* Resolve `rel` inside the package tree. Symlinks are followed only while
 * they stay inside the package (resolved against its root, never the host's);
 * an absolute symlink target names a path of the base and ends the check. */
static int resolve_in_package(int rootfd, const char *rel, bool *external, struct stat *st,
			      cordon_error **err)
{
	_cleanup_strv_ strv parts = {0};
	_cleanup_free_ char *path = xstrdup(rel);
	int hops = 0;
	*external = false;
restart:
	strv_free(&parts);
	for (char *save = NULL, *tok = strtok_r(path, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (parts.n == 0)
				return cordon_err_msg(err, EINVAL, "%s leaves the snap", rel);
			free(parts.v[--parts.n]);
			parts.v[parts.n] = NULL;
			continue;
		}
		strv_push(&parts, tok);
	}
	int fd = dup(rootfd);
	if (fd < 0)
		return cordon_err(err, errno, "dup");
	for (size_t i = 0; i < parts.n; i++) {
		struct stat s;
		if (fstatat(fd, parts.v[i], &s, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (S_ISLNK(s.st_mode)) {
			if (++hops > MAX_SYMLINK_HOPS) {
				close(fd);
				return -ELOOP;
			}
			_cleanup_free_ char *target = fs_readlink_at(fd, parts.v[i]);
			int e = errno;
			close(fd);
			if (target == NULL)
				return -e;
			if (target[0] == '/') {
				*external = true;
				return 0;
			}
			/* rebuild: parts[0..i-1] + target + parts[i+1..] */
			_cleanup_buf_ buf b = {0};
			for (size_t j = 0; j < i; j++)
				buf_printf(&b, "%s/", parts.v[j]);
			buf_adds(&b, target);
			for (size_t j = i + 1; j < parts.n; j++)
				buf_printf(&b, "/%s", parts.v[j]);
			free(path);
			path = buf_steal(&b);
			goto restart;
		}
		if (i + 1 == parts.n) {
			*st = s;
			close(fd);
			return 0;
		}
		if (!S_ISDIR(s.st_mode)) {
			close(fd);
			return -ENOTDIR;
		}
		int nfd = openat(fd, parts.v[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (nfd < 0)
			return -e;
		fd = nfd;
	}
	close(fd);
	return -EISDIR; /* the package root itself */
}

static int check_executable(int rootfd, const char *what, const char *rel, cordon_error **err)
{
	bool external = false;
	struct stat st = {0};
	int r = resolve_in_package(rootfd, rel, &external, &st, err);
	if (r == -EINVAL && err && *err)
		return cordon_err_prefix(err, "%s", what);
	if (r < 0)
		return cordon_err_msg(err, ENOENT, "%s \"%s\" not found in the snap%s%s", what, rel,
				      r == -ENOENT ? "" : ": ", r == -ENOENT ? "" : strerror(-r));
	if (external)
		return 0;
	if (!S_ISREG(st.st_mode))
		return cordon_err_msg(err, EINVAL, "%s \"%s\" is not a regular file", what, rel);
	if ((st.st_mode & 0111) == 0)
		return cordon_err_msg(err, EACCES, "%s \"%s\" is not executable", what, rel);
	return 0;
}

/* The program a command runs: its first word, relative to $SNAP. A word
 * holding another variable ($SNAP_DATA/...) is only known at run time. */
static char *command_program(const char *command)
{
	size_t n = strcspn(command, " ");
	char *word = xstrndup(command, n);
	const char *p = word;
	if (str_has_prefix(p, "$SNAP/"))
		p += 6;
	else if (str_has_prefix(p, "${SNAP}/"))
		p += 8;
	if (strchr(p, '$') != NULL || p[0] == '\0') {
		free(word);
		return NULL;
	}
	char *out = xstrdup(p);
	free(word);
	return out;
}

int cordon_package_check_content(const cordon_manifest *m, int rootfd, cordon_error **err)
{
	for (size_t i = 0; i < m->n_apps; i++) {
		const cordon_app *a = &m->apps[i];
		for (size_t j = 0; j < a->command_chain.n; j++) {
			_cleanup_free_ char *what = xasprintf("app \"%s\" command-chain", a->name);
			int r = check_executable(rootfd, what, a->command_chain.v[j], err);
			if (r < 0)
				return r;
		}
		const char *cmds[] = {a->command, a->stop_command, a->reload_command,
				      a->post_stop_command};
		const char *names[] = {"command", "stop-command", "reload-command",
				       "post-stop-command"};
		for (size_t j = 0; j < ARRAY_SIZE(cmds); j++) {
			if (cmds[j] == NULL)
				continue;
			_cleanup_free_ char *prog = command_program(cmds[j]);
			if (prog == NULL)
				continue;
			_cleanup_free_ char *what = xasprintf("app \"%s\" %s", a->name, names[j]);
			int r = check_executable(rootfd, what, prog, err);
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; i < m->n_hooks; i++) {
		const cordon_hook *h = &m->hooks[i];
		for (size_t j = 0; j < h->command_chain.n; j++) {
			_cleanup_free_ char *what = xasprintf("hook \"%s\" command-chain", h->name);
			int r = check_executable(rootfd, what, h->command_chain.v[j], err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int run_unsquashfs(const char *file, const char *dest, cordon_error **err)
{
	const char *argv[] = {"unsquashfs", "-no-progress", "-no-xattrs", "-quiet",
			      "-d",	    dest,	    file,	  NULL};
	bool ok;
	int r = cordon_run(argv, true, "package squashfs-tools", &ok, err);
	if (r == 0 && !ok)
		r = cordon_err_msg(err, EINVAL, "%s is not a valid squashfs image", file);
	return r;
}

static int copy_into(const char *src, int dstdir, const char *name, cordon_error **err)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return cordon_err(err, errno, "open %s", src);
	struct stat st;
	if (fstat(in, &st) < 0)
		return cordon_err(err, errno, "stat %s", src);
	if (!S_ISREG(st.st_mode))
		return cordon_err_msg(err, EINVAL, "%s is not a regular file", src);
	_cleanup_close_ int out =
	    openat(dstdir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cordon_err(err, errno, "create %s", name);
	char chunk[1 << 16];
	for (;;) {
		ssize_t n = read(in, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cordon_err(err, errno, "read %s", src);
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, chunk + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return cordon_err(err, errno, "write %s", name);
			}
			off += w;
		}
	}
	if (fsync(out) < 0)
		return cordon_err(err, errno, "fsync %s", name);
	return 0;
}

static int open_snapfile(cordon_package *pkg, const char *scratch_dir, cordon_error **err)
{
	if (scratch_dir == NULL) {
		/* Unprivileged: extract into a private temporary directory. */
		const char *tmp = getenv("TMPDIR");
		_cleanup_free_ char *templ =
		    xasprintf("%s/cordon-validate.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
		if (mkdtemp(templ) == NULL)
			return cordon_err(err, errno, "create temporary directory");
		pkg->extract_dir = steal_ptr(templ);
		_cleanup_free_ char *dest = xasprintf("%s/root", pkg->extract_dir);
		int r = run_unsquashfs(pkg->path, dest, err);
		if (r < 0)
			return r;
		pkg->rootfd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (pkg->rootfd < 0)
			return cordon_err(err, errno, "open %s", dest);
		return 0;
	}
	/* Root: copy the file first, then mount the copy, so what is validated
	 * is exactly what gets installed (no swap between check and use). */
	_cleanup_close_ int sfd = fs_open_dir(scratch_dir, O_RDONLY, err);
	if (sfd < 0)
		return sfd;
	_cleanup_free_ char *copy = xasprintf("incoming.%d.snap", (int)getpid());
	_cleanup_free_ char *stage = xasprintf("stage.%d", (int)getpid());
	(void)unlinkat(sfd, copy, 0);
	int r = copy_into(pkg->path, sfd, copy, err);
	if (r < 0) {
		(void)unlinkat(sfd, copy, 0);
		return r;
	}
	pkg->copy_path = xasprintf("%s/%s", scratch_dir, copy);
	if (mkdirat(sfd, stage, 0700) < 0 && errno != EEXIST)
		return cordon_err(err, errno, "mkdir %s/%s", scratch_dir, stage);
	pkg->stage_dir = xasprintf("%s/%s", scratch_dir, stage);
	r = cordon_snap_mount(CORDON_SOURCE_SQUASHFS, pkg->copy_path, pkg->stage_dir, err);
	if (r < 0) {
		cordon_error_free(err);
		return cordon_err_msg(err, EINVAL, "%s is not a valid squashfs image", pkg->path);
	}
	pkg->rootfd = open(pkg->stage_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pkg->rootfd < 0)
		return cordon_err(err, errno, "open %s", pkg->stage_dir);
	return 0;
}

int cordon_package_open(const char *path, const char *scratch_dir, cordon_package *pkg,
			cordon_error **err)
{
	memset(pkg, 0, sizeof *pkg);
	pkg->rootfd = -1;
	pkg->path = realpath(path, NULL);
	if (pkg->path == NULL)
		return cordon_err(err, errno, "cannot open %s", path);
	struct stat st;
	if (stat(pkg->path, &st) < 0)
		return cordon_err(err, errno, "cannot open %s", path);
	int r;
	if (S_ISDIR(st.st_mode)) {
		pkg->kind = CORDON_PKG_DIR;
		pkg->rootfd = open(pkg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pkg->rootfd < 0)
			return cordon_err(err, errno, "cannot open %s", path);
	} else if (!S_ISREG(st.st_mode)) {
		return cordon_err_msg(err, EINVAL, "%s is neither a file nor a directory", path);
	} else if (str_has_suffix(pkg->path, ".yaml") || str_has_suffix(pkg->path, ".yml")) {
		pkg->kind = CORDON_PKG_YAML;
		r = fs_read_path(pkg->path, MAX_YAML, &pkg->yaml, &pkg->yaml_len, NULL);
		if (r == -EFBIG)
			return cordon_err_msg(err, EFBIG, "%s is larger than 1 MiB", path);
		if (r < 0)
			return cordon_err(err, -r, "cannot read %s", path);
	} else {
		pkg->kind = CORDON_PKG_SNAPFILE;
		r = open_snapfile(pkg, scratch_dir, err);
		if (r < 0)
			return r;
	}
	return read_manifest(pkg, err);
}

void cordon_package_close(cordon_package *pkg)
{
	if (pkg->rootfd >= 0)
		close(pkg->rootfd);
	pkg->rootfd = -1;
	if (pkg->stage_dir) {
		(void)umount2(pkg->stage_dir, MNT_DETACH | UMOUNT_NOFOLLOW);
		(void)rmdir(pkg->stage_dir);
	}
	if (pkg->copy_path)
		(void)unlink(pkg->copy_path);
	if (pkg->extract_dir)
		(void)fs_rm_rf_at(AT_FDCWD, pkg->extract_dir, NULL);
	if (pkg->manifest)
		cordon_manifest_free(pkg->manifest);
	free(pkg->path);
	free(pkg->yaml);
	free(pkg->copy_path);
	free(pkg->stage_dir);
	free(pkg->extract_dir);
	memset(pkg, 0, sizeof *pkg);
	pkg->rootfd = -1;
}
