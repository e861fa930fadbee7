/* cordon-dbus-proxy: the main process of a label's bus proxy unit
 * (compiler/busproxy.h), run by systemd as root:
 *
 *   cordon-dbus-proxy SOCKET [--own=NAME | --talk=NAME]...
 *
 * It makes SOCKET's directory (root's, 0700: only root's commands may
 * connect, since the proxy speaks to the bus as root), starts
 * `xdg-dbus-proxy --fd=3 unix:path=/run/dbus/system_bus_socket SOCKET
 * --filter ARGS...` and exits once the proxy has written its readiness byte
 * on fd 3, which it does only after it listens on SOCKET. The unit is
 * Type=forking: systemd calls it started when this process exits, so a
 * service ordered After= the proxy never starts before its bus socket takes
 * connections (a wait for the socket to appear would race with the proxy's
 * bind and listen, and find a stale socket of a proxy that died). The proxy
 * also keeps the pipe's read end, so that this process's exit is not the
 * close that --fd stops it on. Not setuid; links base only. */
#include "error.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define XDG_DBUS_PROXY "/usr/bin/xdg-dbus-proxy"
/* the bus the proxy speaks to: the system's own, whatever a test root says */
#define SYSTEM_BUS "unix:path=/run/dbus/system_bus_socket"

static int usage(void)
{
	fprintf(stderr, "usage: cordon-dbus-proxy SOCKET [--own=NAME|--talk=NAME]...\n");
	return 2;
}

/* SOCKET's directory: root's and no one else's, its parent made as the
 * launcher makes its run directory. */
static int make_dir(const char *socket, cordon_error **err)
{
	_cleanup_free_ char *dir = xstrdup(socket);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return cordon_err_msg(err, EINVAL, "%s: expected an absolute path", socket);
	*slash = '\0';
	char *base = strrchr(dir, '/');
	if (base == dir)
		return cordon_err_msg(err, EINVAL, "%s: expected a directory of its own", socket);
	*base = '\0';
	_cleanup_close_ int parent = fs_mkdir_p(dir, 0755, 0, 0, err);
	if (parent < 0)
		return parent;
	_cleanup_close_ int d = fs_ensure_dir_at(parent, base + 1, 0700, 0, 0, err);
	return d < 0 ? d : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] != '/')
		return usage();
	for (int i = 2; i < argc; i++)
		if (!str_has_prefix(argv[i], "--own=") && !str_has_prefix(argv[i], "--talk="))
			return usage();
	cordon_error *err = NULL;
	if (make_dir(argv[1], &err) < 0) {
		fprintf(stderr, "cordon-dbus-proxy: %s\n", err->msg);
		cordon_error_free(&err);
		return 1;
	}
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0) {
		perror("cordon-dbus-proxy: pipe");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("cordon-dbus-proxy: fork");
		return 1;
	}
	if (pid == 0) {
		/* fd 3: the write end the proxy signals on; fd 4: a read end
		 * it holds itself (see above). Both moved out of the way
		 * first (the pipe may be fds 3 and 4 already, either way
		 * round); dup2 clears close-on-exec. */
		int w = fcntl(sync[1], F_DUPFD_CLOEXEC, 10);
		int rd = fcntl(sync[0], F_DUPFD_CLOEXEC, 10);
		if (w < 0 || rd < 0 || dup2(w, 3) < 0 || dup2(rd, 4) < 0) {
			perror("cordon-dbus-proxy: dup2");
			_exit(127);
		}
		char **args = xcalloc((size_t)argc + 6, sizeof *args);
		size_t n = 0;
		args[n++] = "xdg-dbus-proxy";
		args[n++] = "--fd=3";
		args[n++] = SYSTEM_BUS;
		args[n++] = argv[1];
		args[n++] = "--filter";
		for (int i = 2; i < argc; i++)
			args[n++] = argv[i];
		execv(XDG_DBUS_PROXY, args);
		perror("cordon-dbus-proxy: exec " XDG_DBUS_PROXY);
		_exit(127);
	}
	if (close(sync[1]) < 0) {
		perror("cordon-dbus-proxy: close");
		return 1;
	}
	char byte;
	ssize_t got;
	do
		got = read(sync[0], &byte, 1);
	while (got < 0 && errno == EINTR);
	if (got == 1)
		return 0; /* listening: the unit is started */
	/* the proxy ended (or closed fd 3) without saying it listens */
	int status = 0;
	if (waitpid(pid, &status, 0) > 0)
		fprintf(stderr, "cordon-dbus-proxy: xdg-dbus-proxy exited (status %d)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	else
		fprintf(stderr, "cordon-dbus-proxy: xdg-dbus-proxy did not start\n");
	return 1;
}
