#include "service.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const command_names[] = {
    [CORDON_COMMAND_MAIN] = "command",	[CORDON_COMMAND_STOP] = "stop",
    [CORDON_COMMAND_RELOAD] = "reload", [CORDON_COMMAND_POST_STOP] = "post-stop",
    [CORDON_COMMAND_SHELL] = "shell",
};

int cordon_command_parse(const char *name)
{
	/* snap-exec's names; "command" is not one: without --command the
	 * main command runs */
	for (size_t i = CORDON_COMMAND_STOP; i < ARRAY_SIZE(command_names); i++)
		if (strcmp(name, command_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *cordon_command_name(enum cordon_command c)
{
	return (size_t)c < ARRAY_SIZE(command_names) ? command_names[c] : "unknown";
}

const strv *cordon_command_words(const cordon_policy *p, enum cordon_command c)
{
	const strv *v = NULL;
	switch (c) {
	case CORDON_COMMAND_MAIN:
		v = &p->command;
		break;
	case CORDON_COMMAND_STOP:
		v = &p->stop_command;
		break;
	case CORDON_COMMAND_RELOAD:
		v = &p->reload_command;
		break;
	case CORDON_COMMAND_POST_STOP:
		v = &p->post_stop_command;
		break;
	case CORDON_COMMAND_SHELL:
		break;
	}
	return v && v->n > 0 ? v : NULL;
}

const char *cordon_shell_path(const char *shell)
{
	if (shell == NULL || shell[0] != '/' || strlen(shell) >= 256)
		return CORDON_DEFAULT_SHELL;
	for (const char *c = shell; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("/._+-", *c)))
			return CORDON_DEFAULT_SHELL;
	/* no "." or ".." component, no empty one */
	for (const char *c = shell; (c = strchr(c, '/')) != NULL; c++) {
		size_t n = strcspn(c + 1, "/");
		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return CORDON_DEFAULT_SHELL;
	}
	return shell;
}

/* A decimal number without sign, blanks or leading zeros, at most
 * `max_digits` long (strtol would take " +12"). */
static bool parse_decimal(const char *s, size_t max_digits, long long *out)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max_digits || (s[0] == '0' && n > 1))
		return false;
	long long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int cordon_listen_fds_count(pid_t self, const char *listen_pid, const char *listen_fds)
{
	long long pid, n;
	/* LISTEN_PID names the process the fds are for: a child that
	 * inherited the variables from a socket-activated parent must not
	 * take fds 3.. (whatever they are now) for sockets. */
	if (!parse_decimal(listen_pid, 10, &pid) || pid != (long long)self)
		return 0;
	if (!parse_decimal(listen_fds, 3, &n) || n < 1 || n > CORDON_LISTEN_FDS_MAX)
		return 0;
	return (int)n;
}

int cordon_listen_fds_hold(int n, cordon_error **err)
{
	for (int fd = CORDON_LISTEN_FDS_START; fd < CORDON_LISTEN_FDS_START + n; fd++) {
		struct stat st;
		/* Only sockets pass: what socket activation hands over. An
		 * inherited directory or file would reach past the command's
		 * view (an fd is not a path the view can hide). */
		if (fstat(fd, &st) < 0)
			return cordon_err(err, errno, "LISTEN_FDS=%d: fd %d", n, fd);
		if (!S_ISSOCK(st.st_mode))
			return cordon_err_msg(err, EBADF, "LISTEN_FDS=%d: fd %d is not a socket", n,
					      fd);
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
			return cordon_err(err, errno, "make fd %d close-on-exec", fd);
	}
	return 0;
}

int cordon_listen_fds_release(int n, cordon_error **err)
{
	for (int fd = CORDON_LISTEN_FDS_START; fd < CORDON_LISTEN_FDS_START + n; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return cordon_err(err, errno, "pass socket fd %d on", fd);
	}
	return 0;
}

bool cordon_listen_fdnames_ok(const char *names)
{
	/* systemd's fdname_is_valid: printable ASCII, no ':' inside a name,
	 * at most 255 each; the list of up to CORDON_LISTEN_FDS_MAX */
	size_t n = strlen(names);
	if (n > (size_t)CORDON_LISTEN_FDS_MAX * 256)
		return false;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)names[i];
		if (c == ':') {
			run = 0;
			continue;
		}
		if (c <= ' ' || c >= 0x7f || ++run > 255)
			return false;
	}
	return true;
}

bool cordon_decimal_ok(const char *s)
{
	long long v;
	return parse_decimal(s, 19, &v);
}

bool cordon_notify_socket_ok(const char *value, const char *root)
{
	/* The one socket the system's service manager listens on for its
	 * services (systemd: <runtime dir>/systemd/notify). A name a caller
	 * chose otherwise would make the setuid launcher put a socket of
	 * their choosing into the command's view: refused, whatever it is.
	 * Abstract names are never granted: Landlock scopes abstract
	 * sockets as a whole, with no exception for one name. */
	_cleanup_free_ char *want = xasprintf("%s/run/systemd/notify", root ? root : "");
	if (value == NULL || strcmp(value, want) != 0)
		return false;
	/* Root-owned directories not writable by others all the way down
	 * (no symlink followed): nobody but root can have put or renamed
	 * anything there, so the socket found now stays root's. */
	char *slash = strrchr(want, '/');
	*slash = '\0';
	_cleanup_close_ int dir = fs_open_dir_root_owned(want, NULL);
	if (dir < 0)
		return false;
	struct stat st;
	if (fstatat(dir, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return S_ISSOCK(st.st_mode) && st.st_uid == 0;
}
