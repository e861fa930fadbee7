#include "systemd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A unit's output is small (a few show blocks); more is cut. */
#define OUTPUT_MAX (4u << 20)

bool cordon_systemd_booted(void)
{
	struct stat st;
	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

void cordon_systemctl_result_free(cordon_systemctl_result *r)
{
	free(r->out);
	free(r->errout);
	memset(r, 0, sizeof *r);
}

static char *read_memfd(int fd)
{
	_cleanup_buf_ buf b = {0};
	char chunk[4096];
	if (lseek(fd, 0, SEEK_SET) != 0)
		return xstrdup("");
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || b.len + (size_t)n > OUTPUT_MAX)
			break;
		buf_add(&b, chunk, (size_t)n);
	}
	return buf_steal(&b);
}

/* In the child: never returns. */
static void child(uid_t scope, gid_t gid, int out, int errout, const char *const *argv,
		  char *const *envp, pid_t parent)
{
	/* A systemctl must not outlive the cordon that runs it: killed while
	 * a `stop` waits, an orphan's stop would land after the next
	 * command's recovery had started the units again. (A job it already
	 * queued is replaced by that recovery's start.) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(errout, 2) < 0)
		_exit(126);
	/* nothing of the caller's reaches systemctl, whatever it runs */
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	/* a caller who is that user already (`cordon services` as a user,
	 * for its own manager) has no identity to change, nor the right to */
	if (scope != CORDON_SYSTEMD_SYSTEM && scope != geteuid() &&
	    (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	     setresuid(scope, scope, scope) < 0))
		_exit(126);
	execve("/usr/bin/systemctl", (char *const *)argv, envp);
	execve("/bin/systemctl", (char *const *)argv, envp);
	_exit(127);
}

int cordon_systemctl(uid_t scope, const char *const *args, cordon_systemctl_result *res,
		     cordon_error **err)
{
	memset(res, 0, sizeof *res);
	gid_t gid = 0;
	_cleanup_free_ char *runtime = NULL, *runtime_env = NULL, *bus_env = NULL;
	if (scope != CORDON_SYSTEMD_SYSTEM) {
		/* the user's runtime directory names its group: no user
		 * database lookup in the privileged command */
		runtime = xasprintf("/run/user/%u", (unsigned)scope);
		struct stat st;
		if (lstat(runtime, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != scope)
			return cordon_err_msg(err, ENOENT,
					      "no systemd user manager runs for uid %u",
					      (unsigned)scope);
		gid = st.st_gid;
		runtime_env = xasprintf("XDG_RUNTIME_DIR=%s", runtime);
		bus_env = xasprintf("DBUS_SESSION_BUS_ADDRESS=unix:path=%s/bus", runtime);
	}
	strv argv = {0};
	strv_push(&argv, "systemctl");
	if (scope != CORDON_SYSTEMD_SYSTEM)
		strv_push(&argv, "--user");
	strv_push(&argv, "--no-pager");
	strv_push(&argv, "--no-ask-password");
	for (size_t i = 0; args[i]; i++)
		strv_push(&argv, args[i]);
	const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			      "LC_ALL=C",
			      "SYSTEMD_PAGER=",
			      "SYSTEMD_COLORS=0",
			      runtime_env,
			      bus_env,
			      NULL};
	_cleanup_close_ int out = memfd_create("systemctl-out", MFD_CLOEXEC);
	_cleanup_close_ int errout = memfd_create("systemctl-err", MFD_CLOEXEC);
	if (out < 0 || errout < 0) {
		strv_free(&argv);
		return cordon_err(err, errno, "run systemctl: memfd_create");
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		strv_free(&argv);
		return cordon_err(err, errno, "run systemctl: fork");
	}
	if (pid == 0)
		child(scope, gid, out, errout, (const char *const *)argv.v, (char *const *)envp,
		      parent);
	strv_free(&argv);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cordon_err(err, errno, "wait for systemctl");
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res->out = read_memfd(out);
	res->errout = read_memfd(errout);
	if (res->status == 127)
		return cordon_err_msg(err, ENOENT, "cannot run systemctl (package systemd)");
	return 0;
}

int cordon_systemctl_error(const cordon_systemctl_result *r, cordon_error **err, const char *what)
{
	_cleanup_free_ char *msg = xstrdup(r->errout ? r->errout : "");
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (n == 0)
		return cordon_err_msg(err, EIO, "%s: systemctl exited with status %d", what,
				      r->status);
	return cordon_err_msg(err, EIO, "%s: %s", what, msg);
}

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;
	return x < y ? -1 : x > y;
}

int cordon_systemd_user_managers(uid_t **uids, size_t *n, cordon_error **err)
{
	*uids = NULL;
	*n = 0;
	DIR *d = opendir("/run/user");
	if (d == NULL)
		return errno == ENOENT ? 0 : cordon_err(err, errno, "open /run/user");
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *end;
		errno = 0;
		unsigned long u = strtoul(de->d_name, &end, 10);
		if (errno || end == de->d_name || *end || u == 0 || u >= (uid_t)-1)
			continue;
		_cleanup_free_ char *sock = xasprintf("/run/user/%lu/systemd/private", u);
		struct stat st;
		if (lstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != (uid_t)u)
			continue;
		*uids = xreallocarray(*uids, *n + 1, sizeof **uids);
		(*uids)[(*n)++] = (uid_t)u;
	}
	closedir(d);
	qsort(*uids, *n, sizeof **uids, cmp_uid);
	return 0;
}

static char **prop_slot(cordon_unit_props *u, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
	    {"Id", offsetof(cordon_unit_props, id)},
	    {"LoadState", offsetof(cordon_unit_props, load_state)},
	    {"ActiveState", offsetof(cordon_unit_props, active_state)},
	    {"SubState", offsetof(cordon_unit_props, sub_state)},
	    {"UnitFileState", offsetof(cordon_unit_props, unit_file_state)},
	    {"MainPID", offsetof(cordon_unit_props, main_pid)},
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].key, key) == 0)
			return (char **)((char *)u + keys[i].off);
	return NULL;
}

void cordon_unit_props_parse(const char *show_out, cordon_unit_props **units, size_t *n)
{
	*units = NULL;
	*n = 0;
	bool open_block = false;
	const char *p = show_out;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == 0) {
			open_block = false;
		} else {
			if (!open_block) {
				*units = xreallocarray(*units, *n + 1, sizeof **units);
				memset(&(*units)[(*n)++], 0, sizeof **units);
				open_block = true;
			}
			const char *eq = memchr(p, '=', len);
			if (eq) {
				_cleanup_free_ char *key = xstrndup(p, (size_t)(eq - p));
				char **slot = prop_slot(&(*units)[*n - 1], key);
				if (slot && *slot == NULL)
					*slot = xstrndup(eq + 1, len - (size_t)(eq - p) - 1);
			}
		}
		p += len + (nl != NULL);
	}
}

void cordon_unit_props_free(cordon_unit_props *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].id);
		free(u[i].load_state);
		free(u[i].active_state);
		free(u[i].sub_state);
		free(u[i].unit_file_state);
		free(u[i].main_pid);
	}
	free(u);
}

int cordon_systemd_show(uid_t scope, const char *const *units, cordon_unit_props **out, size_t *n,
			cordon_error **err)
{
	*out = NULL;
	*n = 0;
	strv args = {0};
	strv_push(&args, "show");
	strv_push(&args, "--property=Id,LoadState,ActiveState,SubState,UnitFileState,MainPID");
	for (size_t i = 0; units[i]; i++)
		strv_push(&args, units[i]);
	cordon_systemctl_result res;
	int r = cordon_systemctl(scope, (const char *const *)args.v, &res, err);
	strv_free(&args);
	if (r == 0 && res.status != 0)
		r = cordon_systemctl_error(&res, err, "systemctl show");
	if (r == 0)
		cordon_unit_props_parse(res.out, out, n);
	cordon_systemctl_result_free(&res);
	return r;
}

int cordon_systemctl_units(uid_t scope, const char *verb, const strv *units, cordon_error **err)
{
	if (units->n == 0)
		return 0;
	strv args = {0};
	strv_push(&args, verb);
	for (size_t i = 0; i < units->n; i++)
		strv_push(&args, units->v[i]);
	cordon_systemctl_result res;
	int r = cordon_systemctl(scope, (const char *const *)args.v, &res, err);
	strv_free(&args);
	if (r == 0 && res.status != 0) {
		_cleanup_free_ char *what = xasprintf(
		    "systemctl%s %s", scope == CORDON_SYSTEMD_SYSTEM ? "" : " --user", verb);
		r = cordon_systemctl_error(&res, err, what);
	}
	cordon_systemctl_result_free(&res);
	return r;
}
