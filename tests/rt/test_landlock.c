/* Landlock against the real kernel (root). Each case runs an operation in a
 * child restricted by cordon_landlock_apply (from cordon_targets_resolve) and asserts the exact
 * errno; the control is the same operation in an unrestricted child (or with the rule that grants
 * it), so no case passes with Landlock switched off. */
#include "caps.h"
#include "landlock.h"
#include "landlock_defs.h"
#include "policy.h"
#include "rt_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>

static char *scratch;
static int abi;

typedef struct rule {
	const char *path; /* "%s" is replaced by the scratch dir */
	uint64_t access;
	uint32_t flags;
} rule;

typedef struct llcase {
	const char *label;
	rule rules[6];
	const char *env[6]; /* NAME=value, "%s" = scratch */
	uint64_t net, scoped;
	bool drop_caps; /* as the launcher does for a root caller, before apply */
	bool apply;
	int (*op)(const char *arg);
	const char *arg; /* "%s" = scratch */
} llcase;

/* Replace each "%s" in a case's string with the scratch directory. */
static char *subst(const char *in)
{
	_cleanup_buf_ buf b = {0};
	buf_adds(&b, "");
	for (const char *p = in; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			buf_adds(&b, scratch);
			p++;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_steal(&b);
}

static int ll_child(void *arg)
{
	const llcase *c = arg;
	_cleanup_policy_ cordon_policy p = {0};
	_cleanup_env_ cordon_env env = {0};
	for (size_t i = 0; i < ARRAY_SIZE(c->rules) && c->rules[i].path; i++) {
		_cleanup_free_ char *path = subst(c->rules[i].path);
		cordon_policy_add_fs(&p, path, c->rules[i].access, c->rules[i].flags);
	}
	for (size_t i = 0; i < ARRAY_SIZE(c->env) && c->env[i]; i++) {
		_cleanup_free_ char *kv = subst(c->env[i]);
		char *eq = strchr(kv, '=');
		*eq = '\0';
		cordon_env_set(&env, kv, eq + 1);
	}
	p.net_handled = c->net;
	p.scoped = c->scoped;
	if (c->drop_caps) {
		_cleanup_error_ cordon_error *err = NULL;
		if (cordon_caps_drop(0, &err) < 0) {
			fprintf(stderr, "%s: caps: %s\n", c->label, err->msg);
			return RT_SETUP_FAILED;
		}
	}
	if (c->apply) {
		_cleanup_error_ cordon_error *err = NULL;
		_cleanup_targets_ cordon_targets t = {0};
		cordon_caller caller = {.uid = getuid(), .gid = getgid()};
		if (cordon_targets_resolve(&p, &env, &caller, &t, &err) < 0 ||
		    cordon_landlock_apply(&p, &t, &err) < 0) {
			fprintf(stderr, "%s: apply: %s\n", c->label, err->msg);
			return RT_SETUP_FAILED;
		}
	}
	_cleanup_free_ char *a = c->arg ? subst(c->arg) : NULL;
	return c->op(a);
}

/* Run the case confined, expecting `want`. */
static void run(llcase c, int want)
{
	c.apply = true;
	EXPECT_ERRNO(c.label, rt_run(ll_child, &c), want);
}

/* The control: the same operation without Landlock succeeds. */
static void control(llcase c)
{
	c.apply = false;
	_cleanup_free_ char *label = NULL;
	if (asprintf(&label, "%s [control, unconfined]", c.label) < 0)
		abort();
	c.label = label;
	EXPECT_ERRNO(c.label, rt_run(ll_child, &c), 0);
}

static int op_read(const char *path)
{
	return rt_open(path, O_RDONLY);
}
static int op_write(const char *path)
{
	return rt_open(path, O_WRONLY);
}
static int op_create(const char *path)
{
	int r = rt_open(path, O_WRONLY | O_CREAT | O_EXCL);
	if (r == 0)
		unlink(path);
	return r;
}
static int op_mkdir(const char *path)
{
	if (mkdir(path, 0700) < 0)
		return errno;
	rmdir(path);
	return 0;
}

/* execve in a grandchild (which inherits the domain): the errno of a failed
 * exec comes back through a close-on-exec pipe; a successful exec of
 * /usr/bin/true reports nothing and exits 0. */
static int op_exec(const char *path)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return RT_SETUP_FAILED;
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		char *envp[] = {NULL};
		execve(path, argv, envp);
		int e = errno;
		if (write(p[1], &e, sizeof(e)) < 0)
			_exit(3);
		_exit(2);
	}
	close(p[1]);
	int e = 0;
	ssize_t n = read(p[0], &e, sizeof(e));
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (n == (ssize_t)sizeof(e))
		return e;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : RT_SETUP_FAILED;
}

static void fs_cases(void)
{
	const uint64_t R = CORDON_LL_R, W = CORDON_LL_W, X = CORDON_LL_X, C = CORDON_LL_C;

	run(
	    (llcase){
		"read: file under a read rule", {{"%s/r", R, 0}}, .op = op_read, .arg = "%s/r/f"},
	    0);
	llcase rd = {
	    "read: file outside every rule", {{"%s/r", R, 0}}, .op = op_read, .arg = "%s/w/f"};
	run(rd, EACCES);
	control(rd);

	run((llcase){"write: file under a rw rule",
		     {{"%s/w", R | W, 0}},
		     .op = op_write,
		     .arg = "%s/w/f"},
	    0);
	llcase wr = {"write: file under a read-only rule",
		     {{"%s/w", R, 0}},
		     .op = op_write,
		     .arg = "%s/w/f"};
	run(wr, EACCES);
	control(wr);

	run((llcase){"exec: /usr/bin/true under an rx rule",
		     {{"/usr", R | X, 0}, {"/etc", R, 0}},
		     .op = op_exec,
		     .arg = "/usr/bin/true"},
	    0);
	llcase ex = {"exec: /usr/bin/true under a read-only rule",
		     {{"/usr", R, 0}, {"/etc", R, 0}},
		     .op = op_exec,
		     .arg = "/usr/bin/true"};
	run(ex, EACCES);
	control(ex);

	run((llcase){"create: file under a create rule",
		     {{"%s/c", R | W | C, 0}},
		     .op = op_create,
		     .arg = "%s/c/new"},
	    0);
	llcase cr = {"create: file under a rw rule",
		     {{"%s/c", R | W, 0}},
		     .op = op_create,
		     .arg = "%s/c/new"};
	run(cr, EACCES);
	control(cr);
	run((llcase){"mkdir: under a create rule",
		     {{"%s/c", R | C, 0}},
		     .op = op_mkdir,
		     .arg = "%s/c/d"},
	    0);
	llcase md = {
	    "mkdir: under a read-only rule", {{"%s/c", R, 0}}, .op = op_mkdir, .arg = "%s/c/d"};
	run(md, EACCES);
	control(md);

	/* A rule on a file that names directory rights (r includes read_dir,
	 * c the make_* rights): apply must mask them, not fail with EINVAL. */
	run((llcase){"file rule: the file itself (rwxc rule)",
		     {{"%s/f/one", R | W | X | C, 0}},
		     .op = op_read,
		     .arg = "%s/f/one"},
	    0);
	llcase fr = {"file rule: its sibling",
		     {{"%s/f/one", R | W | X | C, 0}},
		     .op = op_read,
		     .arg = "%s/f/two"};
	run(fr, EACCES);
	control(fr);

	/* Globs: expanded at launch. */
	rule g = {"%s/g/a*", R, CORDON_FS_GLOB};
	run((llcase){"glob a*: a1", {g}, .op = op_read, .arg = "%s/g/a1"}, 0);
	run(
	    (llcase){
		"glob a*: adir/x (a directory match)", {g}, .op = op_read, .arg = "%s/g/adir/x"},
	    0);
	llcase gb = {"glob a*: b1", {g}, .op = op_read, .arg = "%s/g/b1"};
	run(gb, EACCES);
	control(gb);

	/* Launch-time variables. */
	run((llcase){"variable $HOME/data",
		     {{"$HOME/data", R, 0}},
		     {"HOME=%s/home"},
		     .op = op_read,
		     .arg = "%s/home/data/x"},
	    0);
	run((llcase){"variable ${XDG_RUNTIME_DIR}",
		     {{"${XDG_RUNTIME_DIR}", R, 0}},
		     {"XDG_RUNTIME_DIR=%s/run"},
		     .op = op_read,
		     .arg = "%s/run/x"},
	    0);
	llcase hv = {"variable $HOME/data: sibling of $HOME/data",
		     {{"$HOME/data", R, 0}},
		     {"HOME=%s/home"},
		     .op = op_read,
		     .arg = "%s/home/other"};
	run(hv, EACCES);
	control(hv);
	/* An unset variable drops the rule; it must not become "<rest>". */
	llcase un = {"variable unset: rule dropped, not made absolute",
		     {{"$NOPE%s/r", R, 0}},
		     .op = op_read,
		     .arg = "%s/r/f"};
	run(un, EACCES);
	control(un);
	/* A variable's value is literal inside a glob rule: "s*" matches the
	 * directory named "s*" only, not "sX". */
	rule sv = {"$STAR/f", R, CORDON_FS_GLOB};
	run((llcase){"glob variable: literal s*/f",
		     {sv},
		     {"STAR=%s/s*"},
		     .op = op_read,
		     .arg = "%s/s*/f"},
	    0);
	llcase sx = {"glob variable: sX/f not matched by the value",
		     {sv},
		     {"STAR=%s/s*"},
		     .op = op_read,
		     .arg = "%s/sX/f"};
	run(sx, EACCES);
	control(sx);

	/* A missing path is skipped, the other rules still apply. */
	run((llcase){"missing rule path is skipped",
		     {{"%s/missing", R, 0}, {"%s/r", R, 0}},
		     .op = op_read,
		     .arg = "%s/r/f"},
	    0);
}

static uint16_t test_port;
static const char *abstract_name;

static int op_bind(const char *unused)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return RT_SETUP_FAILED;
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(test_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = RT_ERRNO(bind(s, (struct sockaddr *)&a, sizeof(a)));
	close(s);
	return r;
}

static int op_connect(const char *unused)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return RT_SETUP_FAILED;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(test_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = RT_ERRNO(connect(s, (struct sockaddr *)&a, sizeof(a)));
	close(s);
	return r;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int abstract_listener(const char *name)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, name);
	if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 8) < 0) {
		perror("abstract listener");
		return -1;
	}
	return s;
}

static int op_abstract_connect(const char *name)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return RT_SETUP_FAILED;
	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, name ? name : abstract_name);
	int r = RT_ERRNO(connect(s, (struct sockaddr *)&a, len));
	close(s);
	return r;
}

/* Inside the domain: a socket created by the sandboxed process itself. */
static int op_abstract_own(const char *unused)
{
	char name[64];
	snprintf(name, sizeof(name), "cordon-rt-own-%d", (int)getpid());
	int l = abstract_listener(name);
	if (l < 0)
		return RT_SETUP_FAILED;
	int r = op_abstract_connect(name);
	close(l);
	return r;
}

static pid_t outside;

static int op_kill(const char *unused)
{
	return RT_ERRNO(kill(outside, 0));
}
static int op_kill_self(const char *unused)
{
	return RT_ERRNO(kill(getpid(), 0));
}
static int op_environ(const char *unused)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)outside);
	return rt_open(path, O_RDONLY);
}
static int op_ptrace(const char *unused)
{
	/* The tracee is detached when this child exits. */
	return RT_ERRNO(ptrace(PTRACE_ATTACH, outside, NULL, NULL));
}

/* A target without capabilities; returns once it has dropped them. */
static pid_t capless_sleeper(void)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		_cleanup_error_ cordon_error *err = NULL;
		alarm(10 * RT_CHILD_TIMEOUT);
		if (cordon_caps_drop(0, &err) < 0) {
			fprintf(stderr, "sleeper: %s\n", err->msg);
			_exit(1);
		}
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "sleeper failed\n");
		exit(1);
	}
	close(ready[0]);
	return pid;
}

static void net_ipc_cases(void)
{
	const uint64_t NET = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (abi < 4) {
		printf("skip network cases: Landlock ABI %d < 4\n", abi);
	} else {
		/* A free port: bind to 0 and read what the kernel chose. */
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t len = sizeof(a);
		int one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    getsockname(s, (struct sockaddr *)&a, &len) < 0) {
			perror("port");
			exit(1);
		}
		test_port = ntohs(a.sin_port);
		close(s);
		llcase b = {"tcp bind 127.0.0.1 (net handled)", .net = NET, .op = op_bind};
		run(b, EACCES);
		control(b);

		/* The listener lives in the parent, outside every domain. */
		int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 8) < 0) {
			perror("listener");
			exit(1);
		}
		llcase c = {"tcp connect to a listening socket (net handled)", .net = NET,
			    .op = op_connect};
		run(c, EACCES);
		control(c);
		close(l);
	}

	if (abi < 6) {
		printf("skip scoping cases: Landlock ABI %d < 6\n", abi);
		return;
	}
	char name[64];
	snprintf(name, sizeof(name), "cordon-rt-%d", (int)getpid());
	abstract_name = name;
	int l = abstract_listener(name);
	if (l < 0)
		exit(1);
	llcase ab = {"abstract unix connect to an outside socket",
		     .scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, .op = op_abstract_connect};
	run(ab, EPERM);
	control(ab);
	run((llcase){"abstract unix connect to the domain's own socket",
		     .scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, .op = op_abstract_own},
	    0);
	close(l);

	outside = rt_sleeper();
	llcase sig = {"signal to an outside process", .scoped = LANDLOCK_SCOPE_SIGNAL,
		      .op = op_kill};
	run(sig, EPERM);
	control(sig);
	run((llcase){"signal to itself", .scoped = LANDLOCK_SCOPE_SIGNAL, .op = op_kill_self}, 0);

	/* ptrace-mode checks refuse any process outside the domain, whatever
	 * the ruleset; /proc is granted so the EACCES is not a file denial.
	 * Capabilities are dropped first, as the launcher does: for reads of
	 * /proc/<pid>/{environ,maps,...} mm_access() lets CAP_PERFMON (or
	 * CAP_SYS_ADMIN) through without asking the LSM, so a root process
	 * that kept them would read them despite Landlock. The control runs
	 * without capabilities too, against a target without capabilities
	 * (commoncap refuses to trace a task holding capabilities the tracer
	 * lacks): plain uid 0 to uid 0 access, which works. */
	rt_reap(outside);
	outside = capless_sleeper();
	llcase env = {"/proc/<outside>/environ (no capabilities)",
		      {{"/proc", CORDON_LL_R, 0}},
		      .drop_caps = true,
		      .op = op_environ};
	run(env, EACCES);
	control(env);
	llcase pt = {"ptrace attach to an outside process",
		     {{"/proc", CORDON_LL_R, 0}},
		     .drop_caps = true,
		     .op = op_ptrace};
	run(pt, EPERM);
	control(pt);
	rt_reap(outside);
}

static void setup_tree(void)
{
	const char *dirs[] = {"r",    "w",	   "c",	  "f",	"g", "g/adir",
			      "home", "home/data", "run", "s*", "sX"};
	const char *files[] = {"r/f",  "w/f",  "f/one",	    "f/two", "g/a1",
			       "g/a2", "g/b1", "g/adir/x",  "run/x", "home/data/x",
			       "s*/f", "sX/f", "home/other"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", scratch, dirs[i]);
		rt_mkdir(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", scratch, files[i]);
		rt_write_file(p, "data\n", 0644);
	}
}

int main(void)
{
	rt_require_root("landlock");
	abi = cordon_landlock_abi();
	if (abi == 0) {
		printf("landlock: skipped (no Landlock in this kernel)\n");
		return 77;
	}
	printf("Landlock ABI %d\n", abi);
	scratch = rt_scratch();
	setup_tree();
	fs_cases();
	net_ipc_cases();
	rt_scratch_remove(scratch);
	free(scratch);
	return check_done("landlock");
}
