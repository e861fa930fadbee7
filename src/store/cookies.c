#include "cookies.h"
#include "cookie.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static int random_bytes(unsigned char *out, size_t n, cordon_error **err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(out + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cordon_err(err, errno, "getrandom");
		got += (size_t)r;
	}
	return 0;
}

int cordon_cookie_ensure(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	_cleanup_close_ int dir = fs_mkdir_p(ctx->paths.cookie_dir, 0700, 0, 0, err);
	if (dir < 0)
		return dir;
	_cleanup_free_ char *name = cordon_cookie_file_name(instance);
	char cookie[CORDON_COOKIE_LEN + 1];
	cordon_error *e = NULL;
	int r = cordon_cookie_read_at(dir, name, cookie, &e);
	cordon_error_free(&e);
	if (r == 0)
		return 0; /* kept: running commands hold it */
	unsigned char bytes[CORDON_COOKIE_BYTES];
	r = random_bytes(bytes, sizeof bytes, err);
	if (r < 0)
		return r;
	cordon_cookie_format(bytes, cookie);
	explicit_bzero(bytes, sizeof bytes);
	r = fs_write_atomic_at(dir, name, cookie, CORDON_COOKIE_LEN, 0600, err);
	explicit_bzero(cookie, sizeof cookie);
	return r < 0 ? cordon_err_prefix(err, "cookie of snap \"%s\"", instance) : 0;
}

int cordon_cookie_remove(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	cordon_error *e = NULL;
	_cleanup_close_ int dir = fs_open_dir(ctx->paths.cookie_dir, O_RDONLY, &e);
	if (dir < 0) {
		if (dir == -ENOENT) {
			cordon_error_free(&e);
			return 0;
		}
		*err = e;
		return dir;
	}
	_cleanup_free_ char *name = cordon_cookie_file_name(instance);
	_cleanup_free_ char *tmp = xasprintf(".%s.tmp", name); /* fs_write_atomic_at's */
	const char *names[] = {name, tmp};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (unlinkat(dir, names[i], 0) < 0 && errno != ENOENT)
			return cordon_err(err, errno, "remove %s/%s", ctx->paths.cookie_dir,
					  names[i]);
	return 0;
}

int cordon_cookie_lookup(const cordon_paths *paths, const char *cookie, char **instance,
			 cordon_error **err)
{
	*instance = NULL;
	if (!cordon_cookie_valid(cookie, strlen(cookie)))
		return -ENOENT;
	_cleanup_close_ int dir = cordon_cookie_dir_open(paths->cookie_dir, err);
	if (dir < 0)
		return dir;
	_cleanup_strv_ strv names = {0};
	int r = fs_list_dir_at(dir, &names, err);
	if (r < 0)
		return r;
	/* Every file is read and compared, the match remembered: the time
	 * taken depends on how many snaps there are, not on the guess. */
	char *found = NULL;
	for (size_t i = 0; i < names.n; i++) {
		char have[CORDON_COOKIE_LEN + 1];
		cordon_error *e = NULL;
		if (!str_has_prefix(names.v[i], "snap.") || names.v[i][5] == '\0' ||
		    cordon_cookie_read_at(dir, names.v[i], have, &e) < 0) {
			cordon_error_free(&e);
			continue;
		}
		if (cordon_cookie_equal(have, cookie) && found == NULL)
			found = xstrdup(names.v[i] + strlen("snap."));
		explicit_bzero(have, sizeof have);
	}
	if (found == NULL)
		return -ENOENT;
	*instance = found;
	return 0;
}
