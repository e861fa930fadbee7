/* The probe's system-facing operations: errno and signal names, sockets,
 * ptrace, raw syscalls by name, foreign syscall ABIs, terminals. */
#include "probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- names ---- */

/* clang-format off */
#define E(x) {x, #x}
static const struct {
	int e;
	const char *name;
} errnos[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO),
	E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF), E(ECHILD),
	E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(ENOTBLK),
	E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS),
	E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK),
	E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
	E(ENOMSG), E(EIDRM), E(ENOSTR), E(ENODATA), E(ETIME),
	E(ENOSR), E(EREMOTE), E(ENOLINK), E(EPROTO), E(EBADMSG),
	E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EILSEQ), E(EUSERS),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENETRESET),
	E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN),
	E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN),
	E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(ESTALE), E(EREMOTEIO),
	E(EDQUOT), E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY),
	E(EKEYEXPIRED), E(EKEYREVOKED), E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE),
	E(ERFKILL), E(EHWPOISON),
};
#undef E
/* clang-format on */

const char *errno_name(int e)
{
	static char other[32];
	for (size_t i = 0; i < N_ELEM(errnos); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	snprintf(other, sizeof other, "ERRNO_%d", e);
	return other;
}

int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {{"HUP", SIGHUP},   {"INT", SIGINT},	  {"KILL", SIGKILL}, {"TERM", SIGTERM},
		    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}};
	const char *n = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (size_t i = 0; i < N_ELEM(sigs); i++)
		if (strcmp(sigs[i].name, n) == 0)
			return sigs[i].sig;
	return (int)parse_num(s, 10);
}

unsigned long parse_ns_flags(const char *s)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} ns[] = {{"newns", CLONE_NEWNS},	 {"newuser", CLONE_NEWUSER},
		  {"newpid", CLONE_NEWPID},	 {"newnet", CLONE_NEWNET},
		  {"newuts", CLONE_NEWUTS},	 {"newipc", CLONE_NEWIPC},
		  {"newcgroup", CLONE_NEWCGROUP}};
	if (strcmp(s, "none") == 0)
		return 0;
	unsigned long flags = 0;
	char *copy = strdup(s), *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < N_ELEM(ns); i++)
			if (strcmp(ns[i].name, w) == 0)
				break;
		if (i == N_ELEM(ns))
			usage_error("unknown namespace flag: %s", w);
		flags |= ns[i].flag;
	}
	free(copy);
	return flags;
}

struct name_value {
	const char *name;
	int value;
};

static int lookup(const struct name_value *t, size_t n, const char *s, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].value;
	if (s[0] >= '0' && s[0] <= '9')
		return (int)parse_num(s, 0);
	usage_error("unknown %s: %s", what, s);
}

/* ---- sockets ---- */

static const struct name_value families[] = {
    {"unix", AF_UNIX},
    {"local", AF_UNIX},
    {"inet", AF_INET},
    {"inet6", AF_INET6},
    {"netlink", AF_NETLINK},
    {"packet", AF_PACKET},
    {"bluetooth", AF_BLUETOOTH},
    {"can", AF_CAN},
    {"alg", AF_ALG},
    {"vsock", AF_VSOCK},
    {"key", AF_KEY},
    {"xdp", 44},
    {"tipc", AF_TIPC},
    {"rds", AF_RDS},
    {"nfc", AF_NFC},
    {"qipcrtr", AF_QIPCRTR},
    {"appletalk", AF_APPLETALK},
    {"ax25", AF_AX25},
    {"x25", AF_X25},
    {"ipx", AF_IPX},
    {"llc", AF_LLC},
    {"mctp", 45},
};
static const struct name_value types[] = {
    {"stream", SOCK_STREAM},	   {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW},
    {"seqpacket", SOCK_SEQPACKET}, {"rdm", SOCK_RDM},
};
static const struct name_value protos[] = {
    {"route", NETLINK_ROUTE},
    {"kobject_uevent", NETLINK_KOBJECT_UEVENT},
    {"audit", NETLINK_AUDIT},
    {"generic", NETLINK_GENERIC},
    {"sock_diag", NETLINK_SOCK_DIAG},
    {"netfilter", NETLINK_NETFILTER},
    {"xfrm", NETLINK_XFRM},
    {"connector", NETLINK_CONNECTOR},
    {"selinux", NETLINK_SELINUX},
    {"crypto", NETLINK_CRYPTO},
    {"rdma", NETLINK_RDMA},
    {"tcp", IPPROTO_TCP},
    {"udp", IPPROTO_UDP},
    {"icmp", IPPROTO_ICMP},
    {"icmpv6", IPPROTO_ICMPV6},
    {"sctp", IPPROTO_SCTP},
};

int op_socket(char **a)
{
	int family = lookup(families, N_ELEM(families), a[0], "family");
	int type = lookup(types, N_ELEM(types), a[1], "type");
	int proto = a[2] ? lookup(protos, N_ELEM(protos), a[2], "protocol") : 0;
	int fd = socket(family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return fail("socket");
	close(fd);
	return ok(NULL);
}

static socklen_t parse_inet(const char *host, const char *port, struct sockaddr_storage *ss)
{
	long p = (long)parse_num(port, 10);
	if (p < 0 || p > 65535)
		usage_error("bad port: %s", port);
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		return sizeof *in;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		return sizeof *in6;
	}
	usage_error("not a numeric address: %s", host);
}

static socklen_t parse_unix(const char *name, bool abstract, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	size_t len = strlen(name), off = abstract ? 1 : 0;
	if (len + off >= sizeof sun->sun_path)
		usage_error("socket name too long: %s", name);
	memcpy(sun->sun_path + off, name, len);
	/* abstract names are not NUL-terminated: the length is the name */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + len + (abstract ? 0 : 1));
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &l);
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

/* bind (+ listen for stream sockets), print the result, then keep the socket
 * for `hold` seconds so that another process can connect to it. */
static int bind_and_hold(int family, int type, const struct sockaddr *sa, socklen_t len,
			 const char *hold, bool print_port)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	int one = 1;
	if (family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, sa, len) < 0)
		return fail("bind");
	if (type == SOCK_STREAM && listen(fd, 16) < 0)
		return fail("listen");
	if (print_port)
		ok("%d", port_of(fd));
	else
		ok(NULL);
	fflush(stdout);
	if (hold)
		sleep((unsigned)parse_num(hold, 10));
	close(fd);
	return 0;
}

static int connect_to(int family, int type, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS)
			return fail("connect");
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 5000) == 0) {
			errno = ETIMEDOUT;
			return fail("connect");
		}
		int e = 0;
		socklen_t l = sizeof e;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
		if (e) {
			errno = e;
			return fail("connect");
		}
	}
	close(fd);
	return ok(NULL);
}

int op_tcp_connect(char **a)
{
	struct sockaddr_storage ss;
	socklen_t l = parse_inet(a[0], a[1], &ss);
	return connect_to(ss.ss_family, SOCK_STREAM, (struct sockaddr *)&ss, l);
}

int op_tcp_bind(char **a)
{
	struct sockaddr_storage ss;
	socklen_t l = parse_inet(a[0], a[1], &ss);
	return bind_and_hold(ss.ss_family, SOCK_STREAM, (struct sockaddr *)&ss, l, a[2], true);
}

int op_udp_bind(char **a)
{
	struct sockaddr_storage ss;
	socklen_t l = parse_inet(a[0], a[1], &ss);
	return bind_and_hold(ss.ss_family, SOCK_DGRAM, (struct sockaddr *)&ss, l, NULL, true);
}

int op_udp_send(char **a)
{
	struct sockaddr_storage ss;
	socklen_t l = parse_inet(a[0], a[1], &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	if (sendto(fd, "probe\n", 6, 0, (struct sockaddr *)&ss, l) < 0)
		return fail("sendto");
	close(fd);
	return ok(NULL);
}

int op_unix_bind(char **a)
{
	struct sockaddr_un sun;
	socklen_t l = parse_unix(a[0], false, &sun);
	return bind_and_hold(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, l, a[1], false);
}

int op_unix_connect(char **a)
{
	struct sockaddr_un sun;
	socklen_t l = parse_unix(a[0], false, &sun);
	return connect_to(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, l);
}

int op_abstract_bind(char **a)
{
	struct sockaddr_un sun;
	socklen_t l = parse_unix(a[0], true, &sun);
	return bind_and_hold(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, l, a[1], false);
}

int op_abstract_connect(char **a)
{
	struct sockaddr_un sun;
	socklen_t l = parse_unix(a[0], true, &sun);
	return connect_to(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, l);
}

/* ---- ptrace ---- */

int op_ptrace(char **a)
{
	pid_t pid = (pid_t)parse_num(a[0], 10);
	if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0)
		return fail("ptrace(PTRACE_ATTACH)");
	int status;
	waitpid(pid, &status, __WALL);
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
		return fail("ptrace(PTRACE_DETACH)");
	return ok(NULL);
}

/* ---- raw syscalls with harmless invalid arguments ----
 * Each set of arguments must be refused by the kernel itself, even for root,
 * without side effects (no valid reboot magic, no NULL acct() that would
 * switch accounting off, no zero-length sethostname): the control run happens
 * outside the sandbox. Expected errors outside are in the comments. */

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static const struct sc {
	const char *name;
	long nr;
	long args[6];
} syscalls[] = {
    {"ptrace", SYS_ptrace, {PTRACE_PEEKDATA, 0}},			 /* ESRCH (no pid 0) */
    {"mount", SYS_mount, {0}},						 /* EFAULT */
    {"umount2", SYS_umount2, {0}},					 /* EFAULT */
    {"pivot_root", SYS_pivot_root, {0}},				 /* EFAULT */
    {"fsopen", SYS_fsopen, {0}},					 /* EFAULT */
    {"fsconfig", SYS_fsconfig, {-1, 0}},				 /* EINVAL */
    {"fsmount", SYS_fsmount, {-1}},					 /* EBADF */
    {"fspick", SYS_fspick, {-1, 0, 0}},					 /* EFAULT/EBADF */
    {"move_mount", SYS_move_mount, {-1, 0, -1, 0, 0}},			 /* EFAULT/EBADF */
    {"open_tree", SYS_open_tree, {-1, 0, 0}},				 /* EFAULT/EBADF */
    {"mount_setattr", SYS_mount_setattr, {-1, 0, 0, 0, 0}},		 /* EINVAL */
    {"unshare", SYS_unshare, {1}},					 /* EINVAL (CSIGNAL bit) */
    {"setns", SYS_setns, {-1, 0}},					 /* EBADF */
    {"bpf", SYS_bpf, {-1, 0, 0}},					 /* EINVAL */
    {"perf_event_open", SYS_perf_event_open, {0, 0, -1, -1, 0}},	 /* EFAULT */
    {"io_uring_setup", SYS_io_uring_setup, {0, 0}},			 /* EINVAL/EFAULT */
    {"io_uring_enter", SYS_io_uring_enter, {-1, 0, 0, 0, 0, 0}},	 /* EBADF */
    {"io_uring_register", SYS_io_uring_register, {-1, 0, 0, 0}},	 /* EBADF */
    {"keyctl", SYS_keyctl, {-1}},					 /* EOPNOTSUPP */
    {"add_key", SYS_add_key, {0}},					 /* EFAULT */
    {"request_key", SYS_request_key, {0}},				 /* EFAULT */
    {"userfaultfd", SYS_userfaultfd, {-1}},				 /* EINVAL */
    {"kexec_load", SYS_kexec_load, {0, 0, 0, -1}},			 /* EINVAL/ENOSYS */
    {"kexec_file_load", SYS_kexec_file_load, {-1, -1, 0, 0, -1}},	 /* EINVAL/ENOSYS */
    {"init_module", SYS_init_module, {0, 0, 0}},			 /* ENOEXEC/ENOSYS */
    {"finit_module", SYS_finit_module, {-1, 0, -1}},			 /* EINVAL/ENOSYS */
    {"delete_module", SYS_delete_module, {0, 0}},			 /* EFAULT/ENOSYS */
    {"open_by_handle_at", SYS_open_by_handle_at, {-1, 0, 0}},		 /* EFAULT/EBADF */
    {"name_to_handle_at", SYS_name_to_handle_at, {-1, 0, 0, 0, -1}},	 /* EINVAL */
    {"openat2", SYS_openat2, {AT_FDCWD, 0, 0, 0}},			 /* EINVAL (size 0) */
    {"clone3", SYS_clone3, {0, 0}},					 /* EINVAL (size 0) */
    {"acct", SYS_acct, {1}},						 /* EFAULT */
    {"swapon", SYS_swapon, {0, 0}},					 /* EFAULT */
    {"swapoff", SYS_swapoff, {0}},					 /* EFAULT */
    {"reboot", SYS_reboot, {0, 0, 0, 0}},				 /* EINVAL (bad magic) */
    {"settimeofday", SYS_settimeofday, {1, 0}},				 /* EFAULT */
    {"clock_settime", SYS_clock_settime, {0, 0}},			 /* EFAULT */
    {"clock_adjtime", SYS_clock_adjtime, {0, 0}},			 /* EFAULT */
    {"adjtimex", SYS_adjtimex, {0}},					 /* EFAULT */
    {"quotactl", SYS_quotactl, {0, 0, 0, 0}},				 /* EINVAL/EFAULT */
    {"process_vm_readv", SYS_process_vm_readv, {0, 0, 0, 0, 0, -1}},	 /* EINVAL */
    {"process_vm_writev", SYS_process_vm_writev, {0, 0, 0, 0, 0, -1}},	 /* EINVAL */
    {"iopl", SYS_iopl, {4}},						 /* EINVAL */
    {"ioperm", SYS_ioperm, {0, 0, 0}},					 /* EINVAL */
    {"fanotify_init", SYS_fanotify_init, {-1, 0}},			 /* EINVAL */
    {"ioprio_set", SYS_ioprio_set, {0, 0, 0}},				 /* EINVAL */
    {"sethostname", SYS_sethostname, {0, 1000}},			 /* EINVAL */
    {"setdomainname", SYS_setdomainname, {0, 1000}},			 /* EINVAL */
    {"mq_open", SYS_mq_open, {0, 0, 0, 0}},				 /* EFAULT */
    {"chroot", SYS_chroot, {0}},					 /* EFAULT */
    {"pidfd_open", SYS_pidfd_open, {0, 0}},				 /* EINVAL */
    {"pidfd_getfd", SYS_pidfd_getfd, {-1, -1, 0}},			 /* EBADF */
    {"landlock_create_ruleset", SYS_landlock_create_ruleset, {0, 0, 1}}, /* OK <abi> */
    {"landlock_restrict_self", SYS_landlock_restrict_self, {-1, 0}},	 /* EBADF */
    {"sched_setaffinity", SYS_sched_setaffinity, {1, 0, 0}},		 /* EINVAL */
    {"personality", SYS_personality, {0xffffffff}},			 /* OK <persona> (query) */
    {"syslog", SYS_syslog, {10, 0, 0}},		 /* OK <size> (SIZE_BUFFER) */
    {"getpid", SYS_getpid, {0}},		 /* OK <pid> */
    {"fchmodat2", SYS_fchmodat2, {-1, 0, 0, 0}}, /* EFAULT/EBADF */
};

int op_syscall(char **a)
{
	if (strcmp(a[0], "list") == 0) {
		ok(NULL);
		for (size_t i = 0; i < N_ELEM(syscalls); i++)
			puts(syscalls[i].name);
		return 0;
	}
	const struct sc *s = NULL;
	for (size_t i = 0; i < N_ELEM(syscalls); i++)
		if (strcmp(syscalls[i].name, a[0]) == 0)
			s = &syscalls[i];
	struct sc custom = {.name = a[0]};
	if (s == NULL) {
		if (a[0][0] < '0' || a[0][0] > '9')
			usage_error("syscall: unknown name %s (try `syscall list`)", a[0]);
		custom.nr = (long)parse_num(a[0], 0);
		s = &custom;
	}
	long args[6];
	memcpy(args, s->args, sizeof args);
	for (int i = 0; i < 6 && a[i + 1]; i++)
		args[i] = (long)parse_num(a[i + 1], 0);
	long r = syscall(s->nr, args[0], args[1], args[2], args[3], args[4], args[5]);
	if (r < 0)
		return fail(s->name);
	return ok("%ld", r);
}

/* ---- foreign ABIs: the same task asking for another syscall table ---- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

int op_i386_getpid(char **a)
{
	(void)a;
#if defined(__x86_64__)
	struct sigaction sa = {.sa_handler = on_fault};
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGSYS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	if (sigsetjmp(fault_jmp, 1)) {
		puts(fault_sig == SIGSYS ? "SIGSYS" : fault_sig == SIGILL ? "SIGILL" : "SIGSEGV");
		return 0;
	}
	/* int 0x80 enters the i386 compat table even from 64-bit code; 20 is
	 * getpid there (39 natively). A filter that only checks the syscall
	 * number would take it for another call. */
	long ret = 20;
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory", "cc", "r8", "r9", "r10", "r11");
	int r = (int)ret;
	if (r < 0 && r > -4096) {
		errno = -r;
		return fail("int 0x80");
	}
	return ok("%d", r);
#else
	usage_error("i386-getpid: only on x86_64");
#endif
}

int op_x32_getpid(char **a)
{
	(void)a;
#if defined(__x86_64__)
	/* __X32_SYSCALL_BIT selects the x32 table; getpid is 39 there too */
	long r = syscall(0x40000000L | 39);
	return r < 0 ? fail("x32 getpid") : ok("%ld", r);
#else
	usage_error("x32-getpid: only on x86_64");
#endif
}

/* ---- terminals ---- */

/* A pty pair of our own; -1 after printing the failure. */
static int open_pty(int *master, char *name, size_t len)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return fail("posix_openpt"), -1;
	if (grantpt(*master) < 0 || unlockpt(*master) < 0)
		return fail("unlockpt"), -1;
	if (ptsname_r(*master, name, len) != 0)
		return fail("ptsname"), -1;
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return fail("open slave"), -1;
	return slave;
}

int op_openpty(char **a)
{
	(void)a;
	int master;
	char name[64];
	int slave = open_pty(&master, name, sizeof name);
	if (slave < 0)
		return 0;
	close(slave);
	close(master);
	return ok("%s", name);
}

/* TIOCSTI pushes a byte into the terminal's input (CVE-2019-7303,
 * CVE-2023-1523): here into a pty of our own, so nothing reaches a shell.
 * `highbit` passes cmd | 1<<32, which the kernel truncates to TIOCSTI. */
int op_tiocsti(char **a)
{
	bool high = a[0] && strcmp(a[0], "highbit") == 0;
	if (a[0] && !high)
		usage_error("tiocsti: unknown argument %s", a[0]);
	int master;
	char name[64], c = 'x';
	int slave = open_pty(&master, name, sizeof name);
	if (slave < 0)
		return 0;
	unsigned long cmd = TIOCSTI | (high ? 1UL << 32 : 0);
	long r = syscall(SYS_ioctl, slave, cmd, &c);
	int e = errno;
	close(slave);
	close(master);
	errno = e;
	return r < 0 ? fail("ioctl(TIOCSTI)") : ok(NULL);
}

/* TIOCLINUX on a pty: the kernel answers ENOTTY (not a virtual console); a
 * filter answers EACCES before the kernel looks. */
int op_tioclinux(char **a)
{
	(void)a;
	int master;
	char name[64], sub = 6; /* TIOCL_GETSHIFTSTATE: read-only */
	int slave = open_pty(&master, name, sizeof name);
	if (slave < 0)
		return 0;
	long r = syscall(SYS_ioctl, slave, (unsigned long)TIOCLINUX, &sub);
	int e = errno;
	close(slave);
	close(master);
	errno = e;
	return r < 0 ? fail("ioctl(TIOCLINUX)") : ok(NULL);
}
