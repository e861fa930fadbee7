/* Unit tests of the seccomp rule parser and compiler. The compiled programs
 * are run here by a small classic-BPF interpreter, so the semantics (denials
 * before the allowlist, lifted denials, low-32-bit comparisons, foreign ABIs,
 * devmode) are checked without loading anything into the kernel. */
#include "check.h"
#include "bpf_run.h"
#include "seccomp_compile.h"
#include "seccomp_load.h"
#include "seccomp_tree.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* ---- the compiled BPF, run by the compiler's interpreter (bpf_run.h) ---- */

static uint32_t run(const uint8_t *bpf, size_t len, uint32_t arch, int nr, const uint64_t *args)
{
	static const uint64_t none[6];
	return cordon_bpf_run(bpf, len, arch, nr, args ? args : none);
}

#define ALLOW SECCOMP_RET_ALLOW
#define LOG SECCOMP_RET_LOG
#define ERR(e) (SECCOMP_RET_ERRNO | (e))

typedef struct prog {
	uint8_t *bpf;
	size_t len;
} prog;

static uint32_t call(const prog *p, int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint64_t args[6] = {a0, a1, a2, a3, 0, 0};
	return run(p->bpf, p->len, AUDIT_ARCH_X86_64, nr, args);
}

static char *read_template(void)
{
	const char *srcdir = getenv("CORDON_SRCDIR");
	_cleanup_free_ char *path = xasprintf("%s/data/seccomp/default.txt", srcdir ? srcdir : ".");
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	buf b = {0};
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_steal(&b);
}

static int compile2(const char *a, const char *b, enum cordon_confinement mode, prog *out,
		    cordon_error **err)
{
	cordon_seccomp_source src[] = {{"a", a}, {"b", b}};
	return cordon_seccomp_compile(src, b ? 2 : 1, mode, &out->bpf, &out->len, err);
}

/* The error message of compiling `text` alone as source "t.txt". */
static char *compile_error(const char *text)
{
	cordon_seccomp_source src = {"t.txt", text};
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	int r = cordon_seccomp_compile(&src, 1, CORDON_STRICT, &p.bpf, &p.len, &err);
	free(p.bpf);
	if (r >= 0 || err == NULL)
		return xstrdup("(no error)");
	return xstrdup(err->msg);
}

static void check_error(const char *text, const char *want)
{
	_cleanup_free_ char *got = compile_error(text);
	CHECK_STR(got, want);
}

static void test_errors(void)
{
	check_error("getpid\n\nfoo\n", "t.txt:3: unknown syscall \"foo\"");
	check_error("read\nsocket AF_NOPE\n", "t.txt:2: unknown constant \"AF_NOPE\"");
	check_error("read 12x\n", "t.txt:1: invalid value \"12x\"");
	check_error("read 0x\n", "t.txt:1: invalid value \"0x\"");
	check_error("read A|\n", "t.txt:1: invalid value \"A|\"");
	check_error("read &5\n", "t.txt:1: invalid value \"&5\"");
	/* libseccomp masks the value too: this would allow quotactl(0) */
	check_error("quotactl &0xf=0x10\n",
		    "t.txt:1: value \"&0xf=0x10\" has bits outside its mask");
	check_error("read 99999999999999999999\n",
		    "t.txt:1: invalid value \"99999999999999999999\"");
	check_error("read 1 2 3 4 5 6 7\n", "t.txt:1: too many arguments for \"read\" (at most 6)");
	check_error("# c\n  read <-1\n",
		    "t.txt:2: negative value \"<-1\" is only valid as an equality");
	check_error("read -1|4\n", "t.txt:1: invalid value \"-1|4\"");
	check_error("read errno=EPERM\n", "t.txt:1: errno= is only valid in a denial");
	check_error("~read errno=EFOO\n", "t.txt:1: invalid errno \"EFOO\"");
	check_error("~ 1\n", "t.txt:1: missing syscall name");
	check_error("fo-o\n", "t.txt:1: invalid syscall name \"fo-o\"");
	check_error("~read errno=EPERM 1\n", "t.txt:1: errno= must be the last word");
	check_error("~ioctl - 1\n~ioctl - 2 errno=ENOSYS\n",
		    "t.txt:2: denial of \"ioctl\" with another errno than at t.txt:1");

	/* SELF: alone, as an equality, in allow rules; its marker never
	 * written out, in any spelling or as either 32-bit half of a value */
	check_error("~prlimit64 SELF\n", "t.txt:1: SELF is only valid in an allow rule");
	check_error("prlimit64 !SELF\n", "t.txt:1: SELF is only valid as an equality (\"!SELF\")");
	check_error("prlimit64 <=SELF\n",
		    "t.txt:1: SELF is only valid as an equality (\"<=SELF\")");
	check_error("prlimit64 |SELF\n", "t.txt:1: SELF is only valid as an equality (\"|SELF\")");
	check_error("prlimit64 &SELF=0\n",
		    "t.txt:1: SELF is only valid as an equality (\"&SELF=0\")");
	check_error("prlimit64 &0xff=SELF\n",
		    "t.txt:1: SELF is only valid as an equality (\"&0xff=SELF\")");
	check_error("prlimit64 SELF|1\n", "t.txt:1: invalid value \"SELF|1\"");
	check_error("prlimit64 0x5e1fc0de\n", "t.txt:1: value \"0x5e1fc0de\" is reserved for SELF");
	check_error("prlimit64 1579139294\n", "t.txt:1: value \"1579139294\" is reserved for SELF");
	check_error("ioctl - 0x5e1f0000|0xc0de\n",
		    "t.txt:1: value \"0x5e1f0000|0xc0de\" is reserved for SELF");
	check_error("ioctl - 0x5e1fc0de00000000\n",
		    "t.txt:1: value \"0x5e1fc0de00000000\" is reserved for SELF");
	check_error("ioctl - 0xffffffff5e1fc0de\n",
		    "t.txt:1: value \"0xffffffff5e1fc0de\" is reserved for SELF");
	check_error("~ioctl - &0x5e1fc0de=0\n",
		    "t.txt:1: value \"&0x5e1fc0de=0\" is reserved for SELF");
	check_error("~ioctl - >0x5e1fc0de\n",
		    "t.txt:1: value \">0x5e1fc0de\" is reserved for SELF");

	/* the source named in the message is the one holding the line */
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK(compile2("getpid\n", "getppid\nnosuchcall 1\n", CORDON_STRICT, &p, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "b:2: unknown syscall \"nosuchcall\"");
	cordon_error_free(&err);
	CHECK_INT(compile2("getpid\n", NULL, CORDON_CLASSIC, &p, &err), -EINVAL);
	CHECK_STR(err ? err->msg : NULL, "no seccomp filter for classic confinement");
	CHECK(p.bpf == NULL);
}

static const cordon_seccomp_rule *parse1(cordon_seccomp_rules *rules, const char *text)
{
	cordon_seccomp_source src = {"t", text};
	_cleanup_error_ cordon_error *err = NULL;
	cordon_seccomp_rules_free(rules);
	if (cordon_seccomp_parse(&src, rules, &err) < 0 || rules->n != 1) {
		fprintf(stderr, "parse %s: %s\n", text, err ? err->msg : "not one rule");
		return NULL;
	}
	return &rules->v[0];
}

static void test_parse(void)
{
	uint64_t v = 0;
	CHECK(cordon_seccomp_constant("AF_INET", &v) == 0 && v == AF_INET);
	CHECK(cordon_seccomp_constant("PF_INET6", &v) == 0 && v == AF_INET6);
	CHECK(cordon_seccomp_constant("TIOCSTI", &v) == 0 && v == 0x5412);
	CHECK(cordon_seccomp_constant("TIOCLINUX", &v) == 0 && v == 0x541c);
	CHECK(cordon_seccomp_constant("S_ISUID", &v) == 0 && v == 04000);
	CHECK(cordon_seccomp_constant("NETLINK_KOBJECT_UEVENT", &v) == 0 && v == 15);
	CHECK(cordon_seccomp_constant("SYSLOG_ACTION_SIZE_BUFFER", &v) == 0 && v == 10);
	CHECK_INT(cordon_seccomp_constant("AF_NOPE", &v), -ENOENT);
	CHECK_INT(cordon_seccomp_errno("ENOSYS"), ENOSYS);
	CHECK_INT(cordon_seccomp_errno("ENOENT"), 0);

	_cleanup_seccomp_rules_ cordon_seccomp_rules rules = {0};
	const cordon_seccomp_rule *r;

	r = parse1(&rules, "\n# comment\n\t socket AF_NETLINK - NETLINK_ROUTE # trailing\n");
	CHECK(r != NULL);
	if (r) {
		CHECK_STR(r->syscall, "socket");
		CHECK_INT(r->line, 3);
		CHECK(!r->deny);
		CHECK_INT(r->n_conds, 2);
		CHECK_INT(r->conds[0].arg, 0);
		CHECK_INT(r->conds[0].op, CORDON_SC_EQ);
		CHECK_INT(r->conds[0].value, AF_NETLINK);
		CHECK_INT(r->conds[1].arg, 2);
		CHECK_INT(r->conds[1].value, 0);
	}
	r = parse1(&rules, "clone &CLONE_NEWNS|CLONE_NEWUSER=0\n");
	CHECK(r && r->conds[0].op == CORDON_SC_MASKED_EQ &&
	      r->conds[0].mask == (CLONE_NEWNS | CLONE_NEWUSER) && r->conds[0].value == 0);
	r = parse1(&rules, "mknod - |S_IFREG -");
	CHECK(r && r->n_conds == 1 && r->conds[0].arg == 1 &&
	      r->conds[0].op == CORDON_SC_MASKED_EQ && r->conds[0].mask == S_IFREG &&
	      r->conds[0].value == S_IFREG);
	r = parse1(&rules, "chown - -1 0");
	CHECK(r && r->conds[0].op == CORDON_SC_MASKED_EQ && r->conds[0].mask == 0xffffffffu &&
	      r->conds[0].value == 0xffffffffu);
	r = parse1(&rules, "x 0x10 010 8 !1 <=2 >=0x3");
	CHECK(r && r->n_conds == 6 && r->conds[0].value == 16 && r->conds[1].value == 8 &&
	      r->conds[2].value == 8 && r->conds[3].op == CORDON_SC_NE &&
	      r->conds[4].op == CORDON_SC_LE && r->conds[5].op == CORDON_SC_GE &&
	      r->conds[5].value == 3);
	r = parse1(&rules, "~syslog >SYSLOG_ACTION_SIZE_BUFFER");
	CHECK(r && r->deny && r->errnum == EACCES && r->conds[0].op == CORDON_SC_GT &&
	      r->conds[0].value == 10);
	r = parse1(&rules, "~clone3 errno=ENOSYS");
	CHECK(r && r->deny && r->errnum == ENOSYS && r->n_conds == 0);
	r = parse1(&rules, "setpriority PRIO_PROCESS SELF");
	CHECK(r && r->n_conds == 2 && r->conds[1].arg == 1 && r->conds[1].op == CORDON_SC_EQ &&
	      r->conds[1].value == CORDON_SECCOMP_SELF);
	CHECK(CORDON_SECCOMP_SELF == 0x5e1fc0de);
	r = parse1(&rules, "ioprio_set IOPRIO_WHO_PROCESS 0");
	CHECK(r && r->conds[0].value == 1);

	/* identity for lifting denials: values, not spellings */
	cordon_seccomp_rules two = {0};
	cordon_seccomp_source src = {"t", "~socket AF_INET\nsocket PF_INET\nsocket AF_INET 1\n"};
	CHECK(cordon_seccomp_parse(&src, &two, NULL) == 0 && two.n == 3);
	if (two.n == 3) {
		CHECK(cordon_seccomp_rule_same(&two.v[0], &two.v[1]));
		CHECK(!cordon_seccomp_rule_same(&two.v[0], &two.v[2]));
	}
	cordon_seccomp_rules_free(&two);
}

static void test_default(const char *tmpl)
{
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2(tmpl, NULL, CORDON_STRICT, &p, &err), 0);
	if (err) {
		fprintf(stderr, "%s\n", err->msg);
		return;
	}
	size_t insns = p.len / sizeof(struct sock_filter);
	printf("default template: %zu BPF instructions\n", insns);
	CHECK(p.len % sizeof(struct sock_filter) == 0);
	CHECK(insns > 100 && insns < 1024);

	/* allowed, including what the launcher calls after loading */
	CHECK_INT(call(&p, SYS_getpid, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_execve, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_capset, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_landlock_create_ruleset, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_landlock_add_rule, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_landlock_restrict_self, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_setpriority, 0, 0, (uint64_t)-5, 0), ALLOW);

	/* left out: EPERM */
	int out[] = {SYS_ptrace,	  SYS_mount,
		     SYS_umount2,	  SYS_pivot_root,
		     SYS_fsopen,	  SYS_fsmount,
		     SYS_move_mount,	  SYS_open_tree,
		     SYS_mount_setattr,	  SYS_unshare,
		     SYS_setns,		  SYS_bpf,
		     SYS_perf_event_open, SYS_io_uring_setup,
		     SYS_keyctl,	  SYS_add_key,
		     SYS_userfaultfd,	  SYS_kexec_load,
		     SYS_init_module,	  SYS_finit_module,
		     SYS_delete_module,	  SYS_open_by_handle_at,
		     SYS_openat2,	  SYS_acct,
		     SYS_swapon,	  SYS_reboot,
		     SYS_settimeofday,	  SYS_clock_settime,
		     SYS_adjtimex,	  SYS_name_to_handle_at};
	for (size_t i = 0; i < ARRAY_SIZE(out); i++)
		CHECK_INT(call(&p, out[i], 0, 0, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_clone3, 0, 0, 0, 0), ERR(ENOSYS));

	/* clone: only without namespace flags */
	CHECK_INT(call(&p, SYS_clone, SIGCHLD, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_clone, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_clone, CLONE_NEWNS, 0, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_clone, CLONE_NEWNET, 0, 0, 0), ERR(EPERM));

	/* ioctl: TIOCSTI/TIOCLINUX on the low 32 bits */
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI | (1ull << 32), 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCLINUX, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCLINUX | (0xffull << 40), 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_ioctl, 0, TCGETS, 0, 0), ALLOW);

	/* sockets */
	CHECK_INT(call(&p, SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_socket, AF_INET, SOCK_STREAM, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, AF_INET, SOCK_DGRAM, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, AF_INET | (1ull << 32), SOCK_DGRAM, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, AF_INET6, SOCK_STREAM, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, AF_PACKET, SOCK_RAW, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, AF_BLUETOOTH, SOCK_RAW, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, AF_NETLINK, SOCK_RAW, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_socket, 44 /* AF_XDP */, SOCK_RAW, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_socket, 46 /* unknown */, SOCK_RAW, 0, 0), ERR(EPERM));

	/* setuid/setgid bits */
	CHECK_INT(call(&p, SYS_chmod, 0, 0755, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chmod, 0, 04755, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_fchmod, 0, 02755, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_fchmodat, 0, 0, 04700, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_fchmodat2, 0, 0, 02700, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_fchmodat2, 0, 0, 0700, 0), ALLOW);
	CHECK_INT(call(&p, SYS_creat, 0, 04755, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_open, 0, O_CREAT | O_WRONLY, 04755, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_open, 0, O_RDONLY, 04755, 0), ALLOW);
	CHECK_INT(call(&p, SYS_openat, 0, 0, O_CREAT | O_EXCL, 02644), ERR(EACCES));
	CHECK_INT(call(&p, SYS_openat, 0, 0, O_TMPFILE | O_RDWR, 04644), ERR(EACCES));
	CHECK_INT(call(&p, SYS_openat, 0, 0, O_CREAT | O_EXCL, 0644), ALLOW);

	/* mknod: regular files, FIFOs, sockets; devices EPERM */
	CHECK_INT(call(&p, SYS_mknod, 0, S_IFREG | 0644, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_mknod, 0, 0644, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_mknod, 0, S_IFIFO | 0644, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_mknodat, 0, 0, S_IFSOCK | 0644, 0), ALLOW);
	CHECK_INT(call(&p, SYS_mknod, 0, S_IFCHR | 0644, 0x103, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_mknodat, 0, 0, S_IFBLK | 0644, 0x700), ERR(EPERM));
	CHECK_INT(call(&p, SYS_mknod, 0, S_IFREG | 04755, 0, 0), ERR(EACCES));

	/* chown to root or unchanged only (uid_t -1 zero- or sign-extended) */
	CHECK_INT(call(&p, SYS_chown, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 0xffffffffu, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_fchown, 0, (uint64_t)-1, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 1000, 1000, 0), ERR(EPERM));

	/* syslog: observe actions only */
	CHECK_INT(call(&p, SYS_syslog, 3, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_syslog, 5, 0, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_syslog, 11, 0, 0, 0), ERR(EACCES));

	/* pid 0 only (SELF: test_self) */
	CHECK_INT(call(&p, SYS_sched_setaffinity, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_sched_setaffinity, 1, 0, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_prlimit64, 0, RLIMIT_FSIZE, 0x1000, 0), ALLOW);
	CHECK_INT(call(&p, SYS_prlimit64, 1, RLIMIT_CPU, 0x1000, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_prlimit64, 1, RLIMIT_CPU, 0, 0x1000), ALLOW); /* a query */
	CHECK_INT(call(&p, SYS_setpriority, PRIO_PROCESS, 0, 19, 0), ALLOW);
	CHECK_INT(call(&p, SYS_setpriority, PRIO_PROCESS, 1, 19, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_setpriority, PRIO_PGRP, 0, 19, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_setpriority, PRIO_USER, 0, 19, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_getpriority, PRIO_USER, 0, 0, 0), ALLOW);
	const int sched_calls[] = {SYS_sched_setscheduler, SYS_sched_setparam, SYS_sched_setattr,
				   SYS_sched_setaffinity};
	for (size_t i = 0; i < ARRAY_SIZE(sched_calls); i++) {
		CHECK_INT(call(&p, sched_calls[i], 0, 0, 0, 0), ALLOW);
		CHECK_INT(call(&p, sched_calls[i], 1, 0, 0, 0), ERR(EPERM));
		/* the kernel truncates a pid to int: 1 << 32 is pid 0 there,
		 * but not 0 here (refused, not widened) */
		CHECK_INT(call(&p, sched_calls[i], 1ull << 32, 0, 0, 0), ERR(EPERM));
	}
	CHECK_INT(call(&p, SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 3 << 13, 0), ALLOW);
	CHECK_INT(call(&p, SYS_ioprio_set, 1, 1, 3 << 13, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_ioprio_set, 2 /* IOPRIO_WHO_PGRP */, 0, 3 << 13, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_ioprio_set, 3 /* IOPRIO_WHO_USER */, 0, 3 << 13, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_ioprio_set, 0, 0, 0, 0), ERR(EPERM));

	/* foreign ABIs: i386 (int 0x80) and x32 */
	CHECK_INT(run(p.bpf, p.len, AUDIT_ARCH_I386, 20 /* getpid */, NULL), ERR(EPERM));
	CHECK_INT(call(&p, 0x40000000 | 39 /* x32 getpid */, 0, 0, 0, 0), ERR(EPERM));
	free(p.bpf);
}

static void test_lifting(const char *tmpl)
{
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2(tmpl,
			   "socket AF_INET\nsocket AF_INET6\nsocket AF_NETLINK - NETLINK_ROUTE\n",
			   CORDON_STRICT, &p, &err),
		  0);
	CHECK_INT(call(&p, SYS_socket, AF_INET, SOCK_STREAM, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_socket, AF_INET6, SOCK_DGRAM, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_socket, AF_NETLINK, SOCK_RAW, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_socket, AF_NETLINK, SOCK_RAW, 15, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_socket, AF_PACKET, SOCK_RAW, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI, 0, 0), ERR(EACCES));
	free(p.bpf);

	/* not identical: the denial stays */
	p = (prog){0};
	CHECK_INT(compile2(tmpl, "socket AF_INET SOCK_STREAM\n", CORDON_STRICT, &p, &err), 0);
	CHECK_INT(call(&p, SYS_socket, AF_INET, SOCK_STREAM, 0, 0), ERR(EACCES));
	free(p.bpf);

	/* an interface can lift the clone3 denial too; ioctl's stays */
	p = (prog){0};
	CHECK_INT(compile2(tmpl, "clone3\nioctl\n", CORDON_STRICT, &p, &err), 0);
	CHECK_INT(call(&p, SYS_clone3, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI, 0, 0), ERR(EACCES));
	free(p.bpf);
}

/* What process-control (data/interfaces/process-control.yaml) adds. */
static const char process_control[] = "setpriority\nsched_setaffinity\nsched_setparam\n"
				      "sched_setscheduler\nsched_setattr\nprlimit64\nioprio_set\n";

/* The calls restricted to the caller, as (nr, index of the pid argument,
 * the other arguments of a change) */
static const struct {
	int nr;
	unsigned pid_arg;
	uint64_t args[4];
} on_pid[] = {
    {SYS_prlimit64, 0, {0, RLIMIT_CPU, 0x1000, 0}},
    {SYS_setpriority, 1, {PRIO_PROCESS, 0, 19, 0}},
    {SYS_sched_setscheduler, 0, {0, SCHED_IDLE, 0x1000, 0}},
    {SYS_sched_setparam, 0, {0, 0x1000, 0, 0}},
    {SYS_sched_setattr, 0, {0, 0x1000, 0, 0}},
    {SYS_sched_setaffinity, 0, {0, 8, 0x1000, 0}},
    {SYS_ioprio_set, 1, {1 /* IOPRIO_WHO_PROCESS */, 0, 3 << 13, 0}},
};

static uint32_t call_pid(const prog *p, size_t i, uint64_t pid)
{
	uint64_t a[4];
	memcpy(a, on_pid[i].args, sizeof a);
	a[on_pid[i].pid_arg] = pid;
	return call(p, on_pid[i].nr, a[0], a[1], a[2], a[3]);
}

/* SELF: compiled to the marker, which matches no pid until the loader's step
 * puts the launched process's pid in its place; nothing else is touched. */
static void test_self(const char *tmpl)
{
	const uint32_t pid = 4242;
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2(tmpl, NULL, CORDON_STRICT, &p, &err), 0);
	if (p.bpf == NULL)
		return;
	/* as compiled: only 0, and the marker itself (no pid can be it) */
	for (size_t i = 0; i < ARRAY_SIZE(on_pid); i++) {
		CHECK_INT(call_pid(&p, i, 0), ALLOW);
		CHECK_INT(call_pid(&p, i, pid), ERR(EPERM));
		CHECK_INT(call_pid(&p, i, CORDON_SECCOMP_SELF_MARKER), ALLOW);
	}
	uint8_t *orig = xmalloc(p.len);
	memcpy(orig, p.bpf, p.len);
	size_t n = cordon_seccomp_patch_self(p.bpf, p.len, pid);
	/* libseccomp shares identical subtrees: fewer JEQs than SELF rules */
	CHECK(n >= 1 && n <= ARRAY_SIZE(on_pid));
	/* only the k of those instructions changed */
	size_t changed = 0;
	const struct sock_filter *a = (const void *)orig, *b = (const void *)p.bpf;
	for (size_t i = 0; i < p.len / sizeof *a; i++) {
		if (memcmp(&a[i], &b[i], sizeof *a) == 0)
			continue;
		changed++;
		CHECK(a[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && a[i].k == 0x5e1fc0de &&
		      b[i].k == pid && a[i].jt == b[i].jt && a[i].jf == b[i].jf);
	}
	CHECK_INT(changed, n);
	for (size_t i = 0; i < ARRAY_SIZE(on_pid); i++) {
		CHECK_INT(call_pid(&p, i, 0), ALLOW);
		CHECK_INT(call_pid(&p, i, pid), ALLOW);
		CHECK_INT(call_pid(&p, i, pid + 1), ERR(EPERM));
		CHECK_INT(call_pid(&p, i, 1), ERR(EPERM));
		CHECK_INT(call_pid(&p, i, (1ull << 32) | pid), ERR(EPERM));
		CHECK_INT(call_pid(&p, i, CORDON_SECCOMP_SELF_MARKER), ERR(EPERM));
	}
	/* process groups and users stay refused, whatever the id */
	CHECK_INT(call(&p, SYS_setpriority, PRIO_PGRP, pid, 19, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_setpriority, PRIO_USER, pid, 19, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_ioprio_set, 2, pid, 3 << 13, 0), ERR(EPERM));
	/* the marker is gone: a second pass finds nothing */
	CHECK_INT(cordon_seccomp_patch_self(p.bpf, p.len, pid + 1), 0);
	CHECK_INT(call_pid(&p, 0, pid), ALLOW);
	free(orig);
	free(p.bpf);

	/* a program without SELF is left as it is, byte for byte */
	p = (prog){0};
	CHECK_INT(compile2("getpid\nprlimit64 0\nsetpriority PRIO_PROCESS 0\n~ioctl - 1\n", NULL,
			   CORDON_STRICT, &p, &err),
		  0);
	orig = xmalloc(p.len);
	memcpy(orig, p.bpf, p.len);
	CHECK_INT(cordon_seccomp_patch_self(p.bpf, p.len, pid), 0);
	CHECK(memcmp(orig, p.bpf, p.len) == 0);
	free(orig);
	free(p.bpf);

	/* devmode: the same rules, the rest logged */
	p = (prog){0};
	CHECK_INT(compile2(tmpl, NULL, CORDON_DEVMODE, &p, &err), 0);
	CHECK(cordon_seccomp_patch_self(p.bpf, p.len, pid) >= 1);
	for (size_t i = 0; i < ARRAY_SIZE(on_pid); i++) {
		CHECK_INT(call_pid(&p, i, pid), ALLOW);
		CHECK_INT(call_pid(&p, i, 1), LOG);
	}
	free(p.bpf);

	/* SELF from an interface, and in a rule of several conditions */
	p = (prog){0};
	CHECK_INT(
	    compile2("getpid\n", "prlimit64 SELF 7 # RLIMIT_NOFILE\n", CORDON_STRICT, &p, &err), 0);
	CHECK_INT(cordon_seccomp_patch_self(p.bpf, p.len, pid), 1);
	CHECK_INT(call(&p, SYS_prlimit64, pid, RLIMIT_NOFILE, 0x1000, 0), ALLOW);
	CHECK_INT(call(&p, SYS_prlimit64, pid, RLIMIT_CPU, 0x1000, 0), ERR(EPERM));
	free(p.bpf);
}

/* process-control lifts the restrictions: its unconditional allow rules
 * absorb the template's conditional ones (allow rules add up; no denial to
 * lift), and no SELF comparison is left to patch for those calls. */
static void test_process_control(const char *tmpl)
{
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2(tmpl, process_control, CORDON_STRICT, &p, &err), 0);
	if (p.bpf == NULL)
		return;
	CHECK_INT(cordon_seccomp_patch_self(p.bpf, p.len, 4242), 0);
	for (size_t i = 0; i < ARRAY_SIZE(on_pid); i++) {
		CHECK_INT(call_pid(&p, i, 0), ALLOW);
		CHECK_INT(call_pid(&p, i, 1), ALLOW);
		CHECK_INT(call_pid(&p, i, 4243), ALLOW);
	}
	CHECK_INT(call(&p, SYS_setpriority, PRIO_PGRP, 0, 19, 0), ALLOW);
	CHECK_INT(call(&p, SYS_setpriority, PRIO_USER, 0, 19, 0), ALLOW);
	CHECK_INT(call(&p, SYS_ioprio_set, 3, 1000, 3 << 13, 0), ALLOW);
	/* and nothing else: the rest of the template is unchanged */
	CHECK_INT(call(&p, SYS_ptrace, 0, 0, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI, 0, 0), ERR(EACCES));
	free(p.bpf);

	/* the interface's rules alone, before the template: the same */
	p = (prog){0};
	cordon_seccomp_source src[] = {{"process-control", process_control}, {"default", tmpl}};
	CHECK_INT(cordon_seccomp_compile(src, 2, CORDON_STRICT, &p.bpf, &p.len, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(on_pid); i++)
		CHECK_INT(call_pid(&p, i, 1), ALLOW);
	free(p.bpf);
}

static void test_devmode(const char *tmpl)
{
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2(tmpl, NULL, CORDON_DEVMODE, &p, &err), 0);
	CHECK_INT(call(&p, SYS_getpid, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_mount, 0, 0, 0, 0), LOG);
	CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI, 0, 0), LOG);
	CHECK_INT(call(&p, SYS_socket, AF_INET, SOCK_STREAM, 0, 0), LOG);
	CHECK_INT(call(&p, SYS_chmod, 0, 04755, 0, 0), LOG);
	CHECK_INT(call(&p, SYS_clone3, 0, 0, 0, 0), LOG);
	CHECK_INT(run(p.bpf, p.len, AUDIT_ARCH_I386, 20, NULL), LOG);
	free(p.bpf);
}

/* Rules of one syscall that libseccomp cannot merge into one tree (found by
 * tests/fuzz/fuzz_seccomp): each in a layer of its own, and every call gets
 * what the rules say. */
static void test_layers(void)
{
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	/* one tree lost the first rule: chown(p, 0, -1) and (p, 0, 5) refused */
	CHECK_INT(compile2("chown - 0\nchown - !1 0\n", NULL, CORDON_STRICT, &p, &err), 0);
	CHECK_INT(call(&p, SYS_chown, 0, 0, 0xffffffff, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 0, 5, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 2, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 2, 5, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_chown, 0, 1, 0, 0), ERR(EPERM));
	CHECK_INT(run(p.bpf, p.len, AUDIT_ARCH_I386, 182, NULL), ERR(EPERM));
	free(p.bpf);

	/* the template's chown root and chgrp root, beside an interface's */
	p = (prog){0};
	CHECK_INT(
	    compile2("chown - 0 -1\nchown - -1 0\n", "chown - !1 0\n", CORDON_STRICT, &p, &err), 0);
	CHECK_INT(call(&p, SYS_chown, 0, 0, 0xffffffff, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 0, ~0ull, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 0xffffffff, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 7, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_chown, 0, 1, 1, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_chown, 0, 7, 7, 0), ERR(EPERM));
	free(p.bpf);

	/* denials: one tree lost the second (kcmp(5, 0) allowed); in devmode
	 * the same calls are logged */
	for (int dev = 0; dev < 2; dev++) {
		p = (prog){0};
		CHECK_INT(compile2("kcmp\n~kcmp >5\n~kcmp >0 0\n", NULL,
				   dev ? CORDON_DEVMODE : CORDON_STRICT, &p, &err),
			  0);
		uint32_t denied = dev ? LOG : ERR(EACCES);
		CHECK_INT(call(&p, SYS_kcmp, 5, 0, 0, 0), denied);
		CHECK_INT(call(&p, SYS_kcmp, 6, 1, 0, 0), denied);
		CHECK_INT(call(&p, SYS_kcmp, 1, 0, 0, 0), denied);
		CHECK_INT(call(&p, SYS_kcmp, 1, 1, 0, 0), ALLOW);
		CHECK_INT(call(&p, SYS_kcmp, 0, 0, 0, 0), ALLOW);
		CHECK_INT(call(&p, SYS_getpid, 0, 0, 0, 0), dev ? LOG : ERR(EPERM));
		free(p.bpf);
	}

	/* libseccomp's binary tree let sched_setaffinity's check of argument
	 * 2 fall through to sched_setparam's allow of the same argument 0 */
	p = (prog){0};
	CHECK_INT(compile2("sched_setaffinity 0\nsched_setaffinity 5 - 4\n",
			   "sched_setparam 0\nsched_setparam 5\n", CORDON_STRICT, &p, &err),
		  0);
	CHECK_INT(call(&p, SYS_sched_setaffinity, 5, 0, 0, 0), ERR(EPERM));
	CHECK_INT(call(&p, SYS_sched_setaffinity, 5, 0, 4, 0), ALLOW);
	CHECK_INT(call(&p, SYS_sched_setaffinity, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_sched_setparam, 5, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_sched_setparam, 6, 0, 0, 0), ERR(EPERM));
	free(p.bpf);

	/* equalities merge: no layer, no growth beyond one rule's cost */
	p = (prog){0};
	CHECK_INT(compile2("socket 1\n", NULL, CORDON_STRICT, &p, &err), 0);
	size_t one = p.len;
	free(p.bpf);
	p = (prog){0};
	CHECK_INT(compile2("socket 1\nsocket 2\nsocket 10 - 0\n", NULL, CORDON_STRICT, &p, &err),
		  0);
	CHECK(p.len < 2 * one);
	CHECK_INT(call(&p, SYS_socket, 10, 3, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_socket, 10, 3, 1, 0), ERR(EPERM));
	free(p.bpf);
}

/* The first layer, a tree (seccomp_tree.h): every syscall the template
 * allows whatever its arguments is decided in a few instructions (a chain
 * took one per allowed syscall before it: the kernel runs the filter for
 * every number at each load, to build its action cache), and the check that
 * lets the tree in tells programs apart exactly at their boundaries. */
static size_t steps(const prog *p, int nr)
{
	static const uint64_t none[6];
	size_t n = 0;
	cordon_bpf_run_steps(p->bpf, p->len, AUDIT_ARCH_X86_64, nr, none, &n);
	return n;
}

static prog hand(const struct sock_filter *insns, size_t n)
{
	prog p = {.bpf = xmalloc(n * sizeof *insns), .len = n * sizeof *insns};
	memcpy(p.bpf, insns, p.len);
	return p;
}

static void test_tree(const char *tmpl)
{
	for (int mode = 0; mode < 2; mode++) {
		prog p = {0};
		_cleanup_error_ cordon_error *err = NULL;
		CHECK_INT(compile2(tmpl, NULL, mode ? CORDON_DEVMODE : CORDON_STRICT, &p, &err), 0);
		static const int always[] = {SYS_read,	 SYS_write,	  SYS_close,
					     SYS_mmap,	 SYS_futex,	  SYS_exit_group,
					     SYS_getpid, SYS_rt_sigreturn};
		for (size_t i = 0; i < ARRAY_SIZE(always); i++) {
			CHECK_INT(call(&p, always[i], 0, 0, 0, 0), ALLOW);
			if (steps(&p, always[i]) > 24)
				fprintf(stderr, "syscall %d: %zu steps\n", always[i],
					steps(&p, always[i]));
			CHECK(steps(&p, always[i]) <= 24);
		}
		/* and what the first layer does not decide still reaches the
		 * rest: a denial, a conditional allow, the default */
		CHECK_INT(call(&p, SYS_ioctl, 0, TIOCSTI, 0, 0), mode ? LOG : ERR(EACCES));
		CHECK_INT(call(&p, SYS_ioctl, 0, TCGETS, 0, 0), ALLOW);
		CHECK_INT(call(&p, SYS_kexec_load, 0, 0, 0, 0), mode ? LOG : ERR(EPERM));
		free(p.bpf);
	}

	prog a = {0}, b = {0}, c = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2("getpid\n", NULL, CORDON_STRICT, &a, &err), 0);
	CHECK_INT(compile2("getppid\n", NULL, CORDON_STRICT, &b, &err), 0);
	CHECK_INT(compile2("getpid\nioctl 1\n", NULL, CORDON_STRICT, &c, &err), 0);
	CHECK(cordon_seccomp_same_decisions(a.bpf, a.len, a.bpf, a.len));
	CHECK(!cordon_seccomp_same_decisions(a.bpf, a.len, b.bpf, b.len));
	CHECK(!cordon_seccomp_same_decisions(c.bpf, c.len, c.bpf, c.len)); /* reads an argument */
	free(a.bpf);
	free(b.bpf);
	free(c.bpf);

	/* nr > 10 and nr >= 11 are one program; nr > 11 is not (at 11 only) */
#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define RETK(k) BPF_STMT(BPF_RET | BPF_K, (k))
	const struct sock_filter gt10[] = {LD_NR, BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 10, 0, 1),
					   RETK(ALLOW), RETK(ERR(EPERM))};
	const struct sock_filter ge11[] = {LD_NR, BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 11, 0, 1),
					   RETK(ALLOW), RETK(ERR(EPERM))};
	const struct sock_filter gt11[] = {LD_NR, BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 11, 0, 1),
					   RETK(ALLOW), RETK(ERR(EPERM))};
	const struct sock_filter bits[] = {LD_NR, BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),
					   RETK(ALLOW), RETK(ERR(EPERM))};
	const struct sock_filter unloaded[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
					       RETK(ALLOW), RETK(ERR(EPERM))};
	prog p10 = hand(gt10, ARRAY_SIZE(gt10)), p11 = hand(ge11, ARRAY_SIZE(ge11)),
	     q11 = hand(gt11, ARRAY_SIZE(gt11)), pb = hand(bits, ARRAY_SIZE(bits)),
	     pu = hand(unloaded, ARRAY_SIZE(unloaded));
	CHECK(cordon_seccomp_same_decisions(p10.bpf, p10.len, p11.bpf, p11.len));
	CHECK(!cordon_seccomp_same_decisions(p10.bpf, p10.len, q11.bpf, q11.len));
	CHECK(!cordon_seccomp_same_decisions(pb.bpf, pb.len, pb.bpf, pb.len)); /* bit test */
	CHECK(!cordon_seccomp_same_decisions(pu.bpf, pu.len, pu.bpf, pu.len)); /* A unknown */
	free(p10.bpf);
	free(p11.bpf);
	free(q11.bpf);
	free(pb.bpf);
	free(pu.bpf);
}

static void test_size(void)
{
	/* no denial: only the allowlist, no linking */
	prog p = {0};
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(compile2("getpid\n", NULL, CORDON_STRICT, &p, &err), 0);
	size_t alone = p.len / sizeof(struct sock_filter);
	CHECK(alone > 0 && alone < 16);
	CHECK_INT(call(&p, SYS_getpid, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, SYS_getppid, 0, 0, 0, 0), ERR(EPERM));
	free(p.bpf);

	/* a lifted denial costs nothing */
	p = (prog){0};
	CHECK_INT(compile2("getpid\n~socket 2\n", "socket 2\n", CORDON_STRICT, &p, &err), 0);
	CHECK(p.len / sizeof(struct sock_filter) < 2 * alone + 8);
	CHECK_INT(call(&p, SYS_socket, 2, 0, 0, 0), ALLOW);
	free(p.bpf);

	/* other architectures' syscalls are skipped, not compiled */
	p = (prog){0};
	CHECK_INT(compile2("getpid\nchown32\nbreakpoint\nusr26\n", NULL, CORDON_STRICT, &p, &err),
		  0);
	CHECK_INT(p.len / sizeof(struct sock_filter), alone);
	free(p.bpf);

	/* syscalls newer than libseccomp 2.5.4 are resolved by number */
	p = (prog){0};
	CHECK_INT(compile2("mseal\n~futex_wake\n", NULL, CORDON_STRICT, &p, &err), 0);
	CHECK_INT(call(&p, 462, 0, 0, 0, 0), ALLOW);
	CHECK_INT(call(&p, 454, 0, 0, 0, 0), ERR(EACCES));
	CHECK_INT(call(&p, 463, 0, 0, 0, 0), ERR(EPERM));
	free(p.bpf);

	/* too large for the kernel: a distinct rule for each of 5000 values */
	buf big = {0};
	for (int i = 0; i < 5000; i++)
		buf_printf(&big, "ioctl - %d\n", i);
	p = (prog){0};
	CHECK_INT(compile2(big.p, NULL, CORDON_STRICT, &p, &err), -E2BIG);
	CHECK(p.bpf == NULL);
	buf_free(&big);
}

/* The loader refuses malformed programs before any syscall (so this is safe
 * in an unprivileged unit test); loading itself is the root test's job. */
static void test_loader_validation(void)
{
	static const uint8_t insn[sizeof(struct sock_filter) + 1];
	_cleanup_error_ cordon_error *err = NULL;
	CHECK_INT(cordon_seccomp_load(NULL, 8, &err), -EINVAL);
	CHECK_INT(cordon_seccomp_load(insn, 0, &err), -EINVAL);
	CHECK_INT(cordon_seccomp_load(insn, sizeof insn, &err), -EINVAL);
	CHECK_STR(err ? err->msg : NULL, "invalid seccomp filter of 9 bytes");
	size_t big = (BPF_MAXINSNS + 1) * sizeof(struct sock_filter);
	uint8_t *p = xcalloc(1, big);
	CHECK_INT(cordon_seccomp_load(p, big, &err), -EINVAL);
	free(p);
}

int main(void)
{
	_cleanup_free_ char *tmpl = read_template();
	test_errors();
	test_parse();
	test_default(tmpl);
	test_lifting(tmpl);
	test_self(tmpl);
	test_process_control(tmpl);
	test_devmode(tmpl);
	test_layers();
	test_tree(tmpl);
	test_size();
	test_loader_validation();
	return check_done("seccomp_compile");
}
