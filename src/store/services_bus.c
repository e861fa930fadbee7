/* The system bus around a change (services.h): the bus told to read its
 * configuration again (cordon's bus policy and activation files), and the
 * snap's bus proxies whose filter changed restarted. */
#include "services.h"
#include "fsutil.h"
#include "run_program.h"
#include "systemd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define UNIT_MAX (1u << 20)
#define PROXY_SUFFIX ".dbus-proxy.service"

void cordon_services_reload_bus(cordon_ctx *ctx)
{
	/* Only once a snap has given the bus something of cordon's to read:
	 * dbus-daemon notices new files by itself (inotify), but later, and
	 * a service started now must find its name's policy in place. A bus
	 * that is not there, or refuses, leaves that to inotify. */
	_cleanup_free_ char *dir = xasprintf("%s/dbus-1", ctx->paths.state_dir);
	if (access(dir, F_OK) < 0)
		return;
	const char *argv[] = {"busctl",
			      "--system",
			      "--quiet",
			      "call",
			      "org.freedesktop.DBus",
			      "/org/freedesktop/DBus",
			      "org.freedesktop.DBus",
			      "ReloadConfig",
			      NULL};
	bool ok = false;
	cordon_error *e = NULL;
	if (cordon_run(argv, true, "systemd", &ok, &e) < 0)
		cordon_error_free(&e);
}

/* The words of a unit file's ExecStart= line after the helper's path:
 * the socket, then the filter. */
static int exec_words(int dirfd, const char *name, strv *out)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (fs_read_at(dirfd, name, UNIT_MAX, &text, &len, NULL) < 0)
		return -ENOENT;
	char *line = strstr(text, "\nExecStart=");
	if (line == NULL)
		return -EINVAL;
	line += strlen("\nExecStart=");
	char *end = strchr(line, '\n');
	if (end)
		*end = '\0';
	char *save = NULL;
	bool first = true;
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (!first)
			strv_push(out, w);
		first = false;
	}
	return 0;
}

/* Does the running proxy (xdg-dbus-proxy --fd=3 BUS SOCKET --filter
 * FILTER..., cordon-dbus-proxy's exec) have this socket and filter? */
static bool runs_with(const char *pid, const strv *want)
{
	_cleanup_free_ char *path = xasprintf("/proc/%s/cmdline", pid);
	_cleanup_free_ char *cmd = NULL;
	size_t len = 0;
	if (fs_read_path(path, UNIT_MAX, &cmd, &len, NULL) < 0)
		return false;
	strv argv = {0};
	for (size_t off = 0; off < len; off += strlen(cmd + off) + 1)
		strv_push(&argv, cmd + off);
	bool same = argv.n == want->n + 4 && want->n > 0 && strcmp(argv.v[3], want->v[0]) == 0 &&
		    strcmp(argv.v[4], "--filter") == 0;
	for (size_t i = 1; same && i < want->n; i++)
		same = strcmp(argv.v[4 + i], want->v[i]) == 0;
	strv_free(&argv);
	return same;
}

int cordon_services_restart_proxies(cordon_ctx *ctx, const char *instance, cordon_error **err)
{
	_cleanup_free_ char *dir = cordon_unit_dir(ctx, false);
	_cleanup_free_ char *prefix = xasprintf("snap.%s.", instance);
	_cleanup_close_ int dfd = fs_open_dir(dir, O_RDONLY, NULL);
	_cleanup_strv_ strv names = {0}, stale = {0};
	if (dfd < 0 || fs_list_dir_at(dfd, &names, NULL) < 0)
		return 0;
	for (size_t i = 0; i < names.n; i++) {
		if (!str_has_prefix(names.v[i], prefix) ||
		    !str_has_suffix(names.v[i], PROXY_SUFFIX))
			continue;
		const char *units[] = {names.v[i], NULL};
		cordon_unit_props *p = NULL;
		size_t n = 0;
		int r = cordon_systemd_show(CORDON_SYSTEMD_SYSTEM, units, &p, &n, err);
		if (r < 0)
			return r;
		/* A proxy that runs with another filter than its unit says
		 * (a connection made or gone, a refresh) gives the command
		 * what it had: restarted, and with it the services that
		 * Require it. One that does not run is left to start. */
		_cleanup_strv_ strv want = {0};
		if (n == 1 && p[0].active_state &&
		    (strcmp(p[0].active_state, "active") == 0 ||
		     strcmp(p[0].active_state, "activating") == 0) &&
		    exec_words(dfd, names.v[i], &want) == 0 &&
		    !(p[0].main_pid && strcmp(p[0].main_pid, "0") != 0 &&
		      runs_with(p[0].main_pid, &want)))
			strv_push(&stale, names.v[i]);
		cordon_unit_props_free(p, n);
	}
	return cordon_systemctl_units(CORDON_SYSTEMD_SYSTEM, "restart", &stale, err);
}
