/* probe: perform one operation and print what happened. Every integration test
 * runs it inside the sandbox (and outside, as the control). Static, no deps.
 *
 *   probe OP [ARGS...]
 *
 * Output: the first line of stdout is the result, always exactly one of
 *   OK                 the operation succeeded
 *   OK <data>          ... with a one-line result (a port, a pid, a path)
 *   <ERRNO NAME>       it failed: EACCES, EPERM, ENOSYS, ENOENT... (a table
 *                      of names, never strerror; unknown numbers as ERRNO_<n>)
 *   SIGSEGV, SIGSYS    i386-getpid only: the call raised that signal
 * Ops marked [lines] print their data on the lines after "OK". The failing step
 * is named on stderr. Exit status: 0 whenever a result was printed, 2 for a
 * usage error (unknown op, wrong argument count, unparsable number).
 *
 * Files
 *   read PATH              open O_RDONLY and read (up to 64 KiB)
 *   cat PATH               [lines] the content, verbatim
 *   write PATH TEXT        open O_WRONLY|O_TRUNC (no create), write TEXT
 *   append PATH TEXT       open O_WRONLY|O_APPEND, write TEXT
 *   create PATH            open O_CREAT|O_EXCL|O_WRONLY, mode 0644
 *   mkdir PATH             mode 0755
 *   unlink PATH | rmdir PATH
 *   symlink TARGET PATH | rename OLD NEW | readlink PATH (OK <target>)
 *   ls DIR                 [lines] entry names, sorted, without . and ..
 *   stat PATH              OK type=reg|dir|lnk|chr|blk|fifo|sock mode=0644
 *                          uid=N gid=N size=N [rdev=MAJ:MIN] (follows links)
 *   chown PATH UID GID     raw chown(2); -1 = unchanged
 *   open-dev PATH          open a device node O_RDWR|O_NOCTTY
 *   exec PATH [ARGS...]    execv; prints the errno only if it fails
 * Setuid/setgid and device creation (MODE is octal, e.g. 4755)
 *   chmod PATH MODE | fchmod PATH MODE | fchmodat PATH MODE
 *   fchmodat2 PATH MODE    raw syscall 452 (Linux 6.6), flags 0
 *   creat PATH MODE        raw creat(2)
 *   open-creat PATH MODE   raw open(2), O_CREAT|O_WRONLY
 *   openat-creat PATH MODE raw openat(2), O_CREAT|O_WRONLY
 *   open-tmpfile DIR MODE  raw openat(2), O_TMPFILE|O_RDWR
 *   mknod PATH TYPE MODE [MAJ:MIN]    raw mknod(2); TYPE reg|fifo|sock|chr|blk;
 *   mknodat PATH TYPE MODE [MAJ:MIN]  chr/blk default to 1:3
 * Network (HOST/ADDR: numeric IPv4 or IPv6, or localhost; no DNS)
 *   socket FAMILY TYPE [PROTO]  FAMILY unix|local|inet|inet6|netlink|packet|
 *                          bluetooth|can|alg|vsock|key|xdp|tipc|rds|nfc|qipcrtr|
 *                          appletalk|ax25|x25|ipx|llc|mctp or a number; TYPE
 *                          stream|dgram|raw|seqpacket|rdm or a number; PROTO a
 *                          number or route|kobject_uevent|audit|generic|
 *                          sock_diag|netfilter|xfrm|connector|tcp|udp|icmp|...
 *   tcp-connect HOST PORT  connect, 5 s timeout
 *   tcp-bind ADDR PORT [SECONDS]   bind + listen; OK <port>; then holds the
 *                          socket SECONDS (default 0) so others can connect
 *   udp-send HOST PORT     sendto one datagram
 *   udp-bind ADDR PORT     OK <port>
 *   unix-bind PATH [SECONDS] | unix-connect PATH
 *   abstract-bind NAME [SECONDS] | abstract-connect NAME  (NAME without the NUL)
 * Processes, signals, ptrace
 *   kill PID SIG           SIG a number or TERM|KILL|HUP|INT|USR1|USR2|STOP|CONT
 *   signal-self            SIGUSR1 to itself, handled
 *   ptrace PID             PTRACE_ATTACH, wait, PTRACE_DETACH
 *   clone FLAGS            raw clone(2) with FLAGS none or newns,newuser,newpid,
 *                          newnet,newuts,newipc,newcgroup (comma-separated);
 *                          the child exits at once
 *   unshare FLAGS          unshare(2), same FLAGS
 *   nice INC               nice(2): OK <new nice value>
 *   getpriority            OK <nice value>
 *   sleep SECONDS          OK after sleeping
 * Syscalls by name (bubblewrap's try-syscall idea)
 *   syscall NAME [ARG...]  the raw syscall with harmless invalid arguments (or
 *                          the numbers given): "allowed" shows as the kernel's
 *                          EBADF/EFAULT/EINVAL/ESRCH..., "blocked" as seccomp's
 *                          EPERM/EACCES/ENOSYS. OK <return value> on success.
 *                          NAME: see `probe syscall list`.
 *   i386-getpid            getpid through int 0x80 (the i386 ABI) from 64-bit
 *                          code: OK <pid>, an errno name, or SIGSEGV/SIGSYS
 *   x32-getpid             getpid with __X32_SYSCALL_BIT
 * Terminals
 *   openpty                OK /dev/pts/N
 *   tiocsti [highbit]      TIOCSTI on a fresh pty (highbit: cmd | 1<<32)
 *   tioclinux              TIOCLINUX on a fresh pty (ENOTTY when allowed)
 * Introspection
 *   fds                    [lines] "N TARGET" for each open fd
 *   status FIELD...        [lines] "Field: values" from /proc/self/status
 *                          (Uid Gid Groups CapEff CapPrm CapBnd CapInh CapAmb
 *                          NoNewPrivs Seccomp...); ENOENT if a field is missing
 *   env [NAME]             [lines] NAME=value, sorted; or OK <value> / ENOENT
 *   cwd                    OK <path>
 *   id                     OK ruid=N euid=N suid=N rgid=N egid=N sgid=N groups=A,B
 *   setids STEP...         setgroups/setgid/setuid/setres[ug]id... in order, then
 *                          what `id` prints (probe_ids.c)
 *   cgroup | mountinfo     [lines] /proc/self/cgroup, /proc/self/mountinfo
 *   nsid mnt|pid|net|user|uts|ipc|cgroup   OK mnt:[4026531841]
 *   shm-create NAME | shm-unlink NAME      shm_open(O_CREAT|O_RDWR, 0600)
 */
#include "probe.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- shared helpers (declared in probe.h) ---- */

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("probe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

int ok(const char *fmt, ...)
{
	fputs("OK", stdout);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fputc(' ', stdout);
		vprintf(fmt, ap);
		va_end(ap);
	}
	fputc('\n', stdout);
	return 0;
}

int fail(const char *step)
{
	int e = errno;
	fprintf(stderr, "probe: %s: %s\n", step, strerror(e));
	puts(errno_name(e));
	return 0;
}

long long parse_num(const char *s, int base)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno || end == s || *end)
		usage_error("not a number: %s", s);
	return v;
}

unsigned long parse_mode(const char *s)
{
	return (unsigned long)parse_num(s, 8);
}

/* ---- files ---- */

static int write_text(const char *path, int flags, const char *text)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? fail("write") : ok(NULL);
}

static int op_read(char **a)
{
	int fd = open(a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	char b[65536];
	ssize_t n = read(fd, b, sizeof b);
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? fail("read") : ok(NULL);
}

static int cat_fd(int fd)
{
	char b[65536];
	bool first = true;
	for (;;) {
		ssize_t n = read(fd, b, sizeof b);
		if (n < 0)
			return fail("read");
		if (first)
			ok(NULL);
		first = false;
		if (n == 0)
			return 0;
		fwrite(b, 1, (size_t)n, stdout);
	}
}

static int op_cat(char **a)
{
	int fd = open(a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	int r = cat_fd(fd);
	close(fd);
	return r;
}

static int op_write(char **a)
{
	return write_text(a[0], O_WRONLY | O_TRUNC, a[1]);
}

static int op_append(char **a)
{
	return write_text(a[0], O_WRONLY | O_APPEND, a[1]);
}

static int op_create(char **a)
{
	int fd = open(a[0], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("open");
	close(fd);
	return ok(NULL);
}

static int op_mkdir(char **a)
{
	return mkdir(a[0], 0755) < 0 ? fail("mkdir") : ok(NULL);
}

static int op_unlink(char **a)
{
	return unlink(a[0]) < 0 ? fail("unlink") : ok(NULL);
}

static int op_rmdir(char **a)
{
	return rmdir(a[0]) < 0 ? fail("rmdir") : ok(NULL);
}

static int op_symlink(char **a)
{
	return symlink(a[0], a[1]) < 0 ? fail("symlink") : ok(NULL);
}

static int op_rename(char **a)
{
	return rename(a[0], a[1]) < 0 ? fail("rename") : ok(NULL);
}

static int op_readlink(char **a)
{
	char b[PATH_MAX];
	ssize_t n = readlink(a[0], b, sizeof b - 1);
	if (n < 0)
		return fail("readlink");
	b[n] = '\0';
	return ok("%s", b);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int op_ls(char **a)
{
	DIR *d = opendir(a[0]);
	if (d == NULL)
		return fail("opendir");
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		if (names == NULL)
			abort();
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	ok(NULL);
	for (size_t i = 0; i < n; i++) {
		puts(names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

static int op_stat(char **a)
{
	struct stat st;
	if (stat(a[0], &st) < 0)
		return fail("stat");
	const char *t = S_ISREG(st.st_mode)    ? "reg"
			: S_ISDIR(st.st_mode)  ? "dir"
			: S_ISLNK(st.st_mode)  ? "lnk"
			: S_ISCHR(st.st_mode)  ? "chr"
			: S_ISBLK(st.st_mode)  ? "blk"
			: S_ISFIFO(st.st_mode) ? "fifo"
					       : "sock";
	char rdev[64] = "";
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		snprintf(rdev, sizeof rdev, " rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return ok("type=%s mode=%04o uid=%u gid=%u size=%lld%s", t, st.st_mode & 07777, st.st_uid,
		  st.st_gid, (long long)st.st_size, rdev);
}

static int op_chown(char **a)
{
	long r = syscall(SYS_chown, a[0], (uid_t)parse_num(a[1], 10), (gid_t)parse_num(a[2], 10));
	return r < 0 ? fail("chown") : ok(NULL);
}

static int op_open_dev(char **a)
{
	int fd = open(a[0], O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	close(fd);
	return ok(NULL);
}

static int op_exec(char **a)
{
	execv(a[0], a);
	return fail("execv");
}

/* ---- setuid bits, device nodes: raw syscalls, so that each one named is
 * the one the filter sees (glibc maps chmod to fchmodat on some arches) ---- */

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int raw_ok(long r, const char *step)
{
	return r < 0 ? fail(step) : ok(NULL);
}

static int raw_fd(long fd, const char *step)
{
	if (fd < 0)
		return fail(step);
	close((int)fd);
	return ok(NULL);
}

static int op_chmod(char **a)
{
	return raw_ok(syscall(SYS_chmod, a[0], parse_mode(a[1])), "chmod");
}

static int op_fchmod(char **a)
{
	int fd = open(a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	long r = syscall(SYS_fchmod, fd, parse_mode(a[1]));
	int e = errno;
	close(fd);
	errno = e;
	return raw_ok(r, "fchmod");
}

static int op_fchmodat(char **a)
{
	return raw_ok(syscall(SYS_fchmodat, AT_FDCWD, a[0], parse_mode(a[1])), "fchmodat");
}

static int op_fchmodat2(char **a)
{
	return raw_ok(syscall(SYS_fchmodat2, AT_FDCWD, a[0], parse_mode(a[1]), 0), "fchmodat2");
}

static int op_creat(char **a)
{
	return raw_fd(syscall(SYS_creat, a[0], parse_mode(a[1])), "creat");
}

static int op_open_creat(char **a)
{
	return raw_fd(syscall(SYS_open, a[0], O_CREAT | O_WRONLY | O_CLOEXEC, parse_mode(a[1])),
		      "open");
}

static int op_openat_creat(char **a)
{
	return raw_fd(
	    syscall(SYS_openat, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_CLOEXEC, parse_mode(a[1])),
	    "openat");
}

static int op_open_tmpfile(char **a)
{
	return raw_fd(
	    syscall(SYS_openat, AT_FDCWD, a[0], O_TMPFILE | O_RDWR | O_CLOEXEC, parse_mode(a[1])),
	    "openat");
}

static int do_mknod(char **a, bool at)
{
	static const struct {
		const char *name;
		mode_t type;
	} types[] = {{"reg", S_IFREG},
		     {"fifo", S_IFIFO},
		     {"sock", S_IFSOCK},
		     {"chr", S_IFCHR},
		     {"blk", S_IFBLK}};
	mode_t type = 0;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, a[1]) == 0)
			type = types[i].type;
	if (type == 0)
		usage_error("mknod: unknown type %s", a[1]);
	unsigned maj = 1, min = 3;
	if (a[3] && sscanf(a[3], "%u:%u", &maj, &min) != 2)
		usage_error("mknod: not MAJOR:MINOR: %s", a[3]);
	dev_t dev = (type == S_IFCHR || type == S_IFBLK) ? makedev(maj, min) : 0;
	mode_t mode = type | (mode_t)parse_mode(a[2]);
	long r = at ? syscall(SYS_mknodat, AT_FDCWD, a[0], mode, dev)
		    : syscall(SYS_mknod, a[0], mode, dev);
	return raw_ok(r, at ? "mknodat" : "mknod");
}

static int op_mknod(char **a)
{
	return do_mknod(a, false);
}

static int op_mknodat(char **a)
{
	return do_mknod(a, true);
}

/* ---- processes ---- */

static int op_kill(char **a)
{
	return kill((pid_t)parse_num(a[0], 10), parse_signal(a[1])) < 0 ? fail("kill") : ok(NULL);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static int op_signal_self(char **a)
{
	(void)a;
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	if (kill(getpid(), SIGUSR1) < 0)
		return fail("kill");
	return got_usr1 ? ok(NULL) : (errno = EAGAIN, fail("signal not delivered"));
}

static int op_clone(char **a)
{
	unsigned long flags = parse_ns_flags(a[0]);
	/* raw clone(flags, stack=NULL): fork semantics, the child exits at once */
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return fail("clone");
	if (pid == 0)
		_exit(0);
	int status;
	waitpid((pid_t)pid, &status, 0);
	return ok(NULL);
}

static int op_unshare(char **a)
{
	return unshare((int)parse_ns_flags(a[0])) < 0 ? fail("unshare") : ok(NULL);
}

static int op_nice(char **a)
{
	errno = 0;
	int r = nice((int)parse_num(a[0], 10));
	if (r == -1 && errno)
		return fail("nice");
	return ok("%d", r);
}

static int op_getpriority(char **a)
{
	(void)a;
	errno = 0;
	int r = getpriority(PRIO_PROCESS, 0);
	if (r == -1 && errno)
		return fail("getpriority");
	return ok("%d", r);
}

static int op_sleep(char **a)
{
	sleep((unsigned)parse_num(a[0], 10));
	return ok(NULL);
}

/* ---- introspection ---- */

static int op_fds(char **a)
{
	(void)a;
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return fail("opendir");
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 1024) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		fds[n++] = atoi(e->d_name);
	}
	closedir(d);
	for (int i = 1; i < n; i++) /* insertion sort: few fds */
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	ok(NULL);
	for (int i = 0; i < n; i++) {
		char p[64], t[PATH_MAX] = "?";
		snprintf(p, sizeof p, "/proc/self/fd/%d", fds[i]);
		ssize_t l = readlink(p, t, sizeof t - 1);
		t[l < 0 ? 1 : l] = '\0';
		printf("%d %s\n", fds[i], t);
	}
	return 0;
}

static int op_status(char **a)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (f == NULL)
		return fail("open");
	char lines[64][256];
	int n = 0;
	while (n < 64 && fgets(lines[n], sizeof lines[n], f))
		n++;
	fclose(f);
	char out[8192] = "";
	for (char **field = a; *field; field++) {
		size_t fl = strlen(*field);
		int i;
		for (i = 0; i < n; i++)
			if (strncmp(lines[i], *field, fl) == 0 && lines[i][fl] == ':')
				break;
		if (i == n) {
			errno = ENOENT;
			return fail(*field);
		}
		/* "Uid:\t0\t0\t0\t0\n" -> "Uid: 0 0 0 0" */
		char norm[256];
		size_t o = 0;
		for (const char *c = lines[i]; *c && *c != '\n' && o < sizeof norm - 1; c++) {
			bool ws = *c == '\t' || *c == ' ';
			if (ws && (o == 0 || norm[o - 1] == ' '))
				continue;
			norm[o++] = ws ? ' ' : *c;
		}
		while (o > 0 && norm[o - 1] == ' ')
			o--;
		norm[o] = '\0';
		strncat(out, norm, sizeof out - strlen(out) - 2);
		strcat(out, "\n");
	}
	ok(NULL);
	fputs(out, stdout);
	return 0;
}

extern char **environ;

static int op_env(char **a)
{
	if (a[0]) {
		const char *v = getenv(a[0]);
		if (v == NULL) {
			errno = ENOENT;
			return fail(a[0]);
		}
		return ok("%s", v);
	}
	size_t n = 0;
	while (environ[n])
		n++;
	char **v = calloc(n + 1, sizeof *v);
	if (v == NULL)
		abort();
	memcpy(v, environ, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_str);
	ok(NULL);
	for (size_t i = 0; i < n; i++)
		puts(v[i]);
	free(v);
	return 0;
}

static int op_cwd(char **a)
{
	(void)a;
	char b[PATH_MAX];
	return getcwd(b, sizeof b) ? ok("%s", b) : fail("getcwd");
}

int op_id(char **a)
{
	(void)a;
	uid_t r, e, s;
	gid_t rg, eg, sg;
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	gid_t groups[256];
	int n = getgroups(256, groups);
	char g[4096] = "";
	for (int i = 0; i < n; i++)
		snprintf(g + strlen(g), sizeof g - strlen(g), "%s%u", i ? "," : "", groups[i]);
	return ok("ruid=%u euid=%u suid=%u rgid=%u egid=%u sgid=%u groups=%s", r, e, s, rg, eg, sg,
		  g);
}

static int op_cgroup(char **a)
{
	(void)a;
	char *p[] = {"/proc/self/cgroup", NULL};
	return op_cat(p);
}

static int op_mountinfo(char **a)
{
	(void)a;
	char *p[] = {"/proc/self/mountinfo", NULL};
	return op_cat(p);
}

static int op_nsid(char **a)
{
	char p[64], t[128];
	snprintf(p, sizeof p, "/proc/self/ns/%s", a[0]);
	ssize_t n = readlink(p, t, sizeof t - 1);
	if (n < 0)
		return fail("readlink");
	t[n] = '\0';
	return ok("%s", t);
}

static int op_shm_create(char **a)
{
	int fd = shm_open(a[0], O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail("shm_open");
	close(fd);
	return ok(NULL);
}

static int op_shm_unlink(char **a)
{
	return shm_unlink(a[0]) < 0 ? fail("shm_unlink") : ok(NULL);
}

/* ---- the table ---- */

static const struct probe_op ops[] = {
    {"read", 1, 1, op_read},
    {"cat", 1, 1, op_cat},
    {"write", 2, 2, op_write},
    {"append", 2, 2, op_append},
    {"create", 1, 1, op_create},
    {"mkdir", 1, 1, op_mkdir},
    {"unlink", 1, 1, op_unlink},
    {"rmdir", 1, 1, op_rmdir},
    {"symlink", 2, 2, op_symlink},
    {"rename", 2, 2, op_rename},
    {"readlink", 1, 1, op_readlink},
    {"ls", 1, 1, op_ls},
    {"stat", 1, 1, op_stat},
    {"chown", 3, 3, op_chown},
    {"open-dev", 1, 1, op_open_dev},
    {"exec", 1, -1, op_exec},
    {"chmod", 2, 2, op_chmod},
    {"fchmod", 2, 2, op_fchmod},
    {"fchmodat", 2, 2, op_fchmodat},
    {"fchmodat2", 2, 2, op_fchmodat2},
    {"creat", 2, 2, op_creat},
    {"open-creat", 2, 2, op_open_creat},
    {"openat-creat", 2, 2, op_openat_creat},
    {"open-tmpfile", 2, 2, op_open_tmpfile},
    {"mknod", 3, 4, op_mknod},
    {"mknodat", 3, 4, op_mknodat},
    {"socket", 2, 3, op_socket},
    {"tcp-connect", 2, 2, op_tcp_connect},
    {"tcp-bind", 2, 3, op_tcp_bind},
    {"udp-send", 2, 2, op_udp_send},
    {"udp-bind", 2, 2, op_udp_bind},
    {"unix-bind", 1, 2, op_unix_bind},
    {"unix-connect", 1, 1, op_unix_connect},
    {"abstract-bind", 1, 2, op_abstract_bind},
    {"abstract-connect", 1, 1, op_abstract_connect},
    {"kill", 2, 2, op_kill},
    {"signal-self", 0, 0, op_signal_self},
    {"ptrace", 1, 1, op_ptrace},
    {"clone", 1, 1, op_clone},
    {"unshare", 1, 1, op_unshare},
    {"nice", 1, 1, op_nice},
    {"getpriority", 0, 0, op_getpriority},
    {"sleep", 1, 1, op_sleep},
    {"syscall", 1, 7, op_syscall},
    {"i386-getpid", 0, 0, op_i386_getpid},
    {"x32-getpid", 0, 0, op_x32_getpid},
    {"openpty", 0, 0, op_openpty},
    {"tiocsti", 0, 1, op_tiocsti},
    {"tioclinux", 0, 0, op_tioclinux},
    {"fds", 0, 0, op_fds},
    {"status", 1, -1, op_status},
    {"env", 0, 1, op_env},
    {"cwd", 0, 0, op_cwd},
    {"id", 0, 0, op_id},
    {"cgroup", 0, 0, op_cgroup},
    {"mountinfo", 0, 0, op_mountinfo},
    {"nsid", 1, 1, op_nsid},
    {"shm-create", 1, 1, op_shm_create},
    {"shm-unlink", 1, 1, op_shm_unlink},
    {NULL, 0, 0, NULL},
};

/* The core table first, then one table per area (probe.h). */
static const struct probe_op *const tables[] = {ops,	       probe_ops_meta, probe_ops_pid,
						probe_ops_tty, probe_ops_ipc,  probe_ops_ids};

int main(int argc, char **argv)
{
	if (argc < 2)
		usage_error("usage: probe OP [ARGS...] (see the top of tests/probe/probe.c)");
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct probe_op *o = tables[t]; o->name; o++) {
			if (strcmp(o->name, argv[1]) != 0)
				continue;
			int n = argc - 2;
			if (n < o->min || (o->max >= 0 && n > o->max))
				usage_error("%s: wrong number of arguments", o->name);
			/* results must reach the test even if the op ends in exec or _exit */
			setvbuf(stdout, NULL, _IOLBF, 0);
			o->fn(argv + 2);
			fflush(stdout);
			return 0;
		}
	usage_error("unknown operation: %s", argv[1]);
}
