/* The seccomp rule parser (pure code): rule text to cordon_seccomp_rule values.
 * The syntax is described in seccomp_compile.h; syscall names are resolved
 * later, by the compiler, against the libseccomp it links. */
#include "seccomp_compile.h"
#include "seccomp_load.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/can.h>
#include <linux/dqblk_xfs.h>
#include <linux/kcmp.h>
#include <linux/netlink.h>
#include <linux/quota.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#ifndef AF_MCTP
#define AF_MCTP 45
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Values come from the build host's headers on purpose: the filter is for the
 * native architecture, and some of these differ between architectures
 * (TIOCSTI, O_TMPFILE). syslog(2) actions have no userspace header. */
/* clang-format off: one constant per line would be 200 lines of noise */
#define C(x)                                                                                       \
	{                                                                                          \
#x, (uint64_t)(x)                                                                  \
	}
static const struct constant {
	const char *name;
	uint64_t value;
} constants[] = {
    /* socket(2) domains; AF_ and PF_ are the same numbers */
    C(AF_UNIX),
    C(PF_UNIX),
    C(AF_LOCAL),
    C(PF_LOCAL),
    C(AF_INET),
    C(PF_INET),
    C(AF_INET6),
    C(PF_INET6),
    C(AF_IPX),
    C(PF_IPX),
    C(AF_NETLINK),
    C(PF_NETLINK),
    C(AF_X25),
    C(PF_X25),
    C(AF_AX25),
    C(PF_AX25),
    C(AF_ATMPVC),
    C(PF_ATMPVC),
    C(AF_APPLETALK),
    C(PF_APPLETALK),
    C(AF_PACKET),
    C(PF_PACKET),
    C(AF_ALG),
    C(PF_ALG),
    C(AF_BRIDGE),
    C(PF_BRIDGE),
    C(AF_NETROM),
    C(PF_NETROM),
    C(AF_ROSE),
    C(PF_ROSE),
    C(AF_NETBEUI),
    C(PF_NETBEUI),
    C(AF_SECURITY),
    C(PF_SECURITY),
    C(AF_KEY),
    C(PF_KEY),
    C(AF_ASH),
    C(PF_ASH),
    C(AF_ECONET),
    C(PF_ECONET),
    C(AF_SNA),
    C(PF_SNA),
    C(AF_IRDA),
    C(PF_IRDA),
    C(AF_PPPOX),
    C(PF_PPPOX),
    C(AF_WANPIPE),
    C(PF_WANPIPE),
    C(AF_BLUETOOTH),
    C(PF_BLUETOOTH),
    C(AF_RDS),
    C(PF_RDS),
    C(AF_LLC),
    C(PF_LLC),
    C(AF_TIPC),
    C(PF_TIPC),
    C(AF_IUCV),
    C(PF_IUCV),
    C(AF_RXRPC),
    C(PF_RXRPC),
    C(AF_ISDN),
    C(PF_ISDN),
    C(AF_PHONET),
    C(PF_PHONET),
    C(AF_IEEE802154),
    C(PF_IEEE802154),
    C(AF_CAIF),
    C(PF_CAIF),
    C(AF_NFC),
    C(PF_NFC),
    C(AF_VSOCK),
    C(PF_VSOCK),
    C(AF_IB),
    C(PF_IB),
    C(AF_MPLS),
    C(PF_MPLS),
    C(AF_CAN),
    C(PF_CAN),
    C(AF_KCM),
    C(AF_QIPCRTR),
    C(PF_QIPCRTR),
    C(AF_SMC),
    C(AF_XDP),
    C(PF_XDP),
    C(AF_MCTP),
    /* socket(2) types and flags */
    C(SOCK_STREAM),
    C(SOCK_DGRAM),
    C(SOCK_SEQPACKET),
    C(SOCK_RAW),
    C(SOCK_RDM),
    C(SOCK_PACKET),
    C(SOCK_NONBLOCK),
    C(SOCK_CLOEXEC),
    /* netlink(7) protocols */
    C(NETLINK_ROUTE),
    C(NETLINK_USERSOCK),
    C(NETLINK_FIREWALL),
    C(NETLINK_SOCK_DIAG),
    C(NETLINK_INET_DIAG),
    C(NETLINK_NFLOG),
    C(NETLINK_XFRM),
    C(NETLINK_SELINUX),
    C(NETLINK_ISCSI),
    C(NETLINK_AUDIT),
    C(NETLINK_FIB_LOOKUP),
    C(NETLINK_CONNECTOR),
    C(NETLINK_NETFILTER),
    C(NETLINK_IP6_FW),
    C(NETLINK_DNRTMSG),
    C(NETLINK_KOBJECT_UEVENT),
    C(NETLINK_GENERIC),
    C(NETLINK_SCSITRANSPORT),
    C(NETLINK_ECRYPTFS),
    C(NETLINK_RDMA),
    C(NETLINK_CRYPTO),
    /* CAN protocols (can-bus) */
    C(CAN_RAW),
    C(CAN_BCM),
    C(CAN_ISOTP),
    C(CAN_J1939),
    /* prctl(2) */
    C(PR_CAP_AMBIENT),
    C(PR_CAP_AMBIENT_RAISE),
    C(PR_CAP_AMBIENT_LOWER),
    C(PR_CAP_AMBIENT_IS_SET),
    C(PR_CAP_AMBIENT_CLEAR_ALL),
    C(PR_CAPBSET_READ),
    C(PR_CAPBSET_DROP),
    C(PR_SET_CHILD_SUBREAPER),
    C(PR_GET_CHILD_SUBREAPER),
    C(PR_SET_DUMPABLE),
    C(PR_GET_DUMPABLE),
    C(PR_SET_KEEPCAPS),
    C(PR_GET_KEEPCAPS),
    C(PR_SET_MM),
    C(PR_SET_NAME),
    C(PR_GET_NAME),
    C(PR_SET_NO_NEW_PRIVS),
    C(PR_GET_NO_NEW_PRIVS),
    C(PR_SET_PDEATHSIG),
    C(PR_GET_PDEATHSIG),
    C(PR_SET_PTRACER),
    C(PR_SET_SECCOMP),
    C(PR_GET_SECCOMP),
    C(PR_SET_SECUREBITS),
    C(PR_GET_SECUREBITS),
    C(PR_SET_THP_DISABLE),
    C(PR_GET_THP_DISABLE),
    C(PR_SET_TIMERSLACK),
    C(PR_GET_TIMERSLACK),
    /* getpriority(2) */
    C(PRIO_PROCESS),
    C(PRIO_PGRP),
    C(PRIO_USER),
    /* ioprio_set(2) "which": the kernel's include/uapi/linux/ioprio.h, newer
     * than some distributions' headers */
    {"IOPRIO_WHO_PROCESS", 1},
    {"IOPRIO_WHO_PGRP", 2},
    {"IOPRIO_WHO_USER", 3},
    /* clone(2), unshare(2), setns(2) */
    C(CLONE_NEWNS),
    C(CLONE_NEWCGROUP),
    C(CLONE_NEWUTS),
    C(CLONE_NEWIPC),
    C(CLONE_NEWUSER),
    C(CLONE_NEWPID),
    C(CLONE_NEWNET),
    C(CLONE_NEWTIME),
    C(CLONE_VM),
    C(CLONE_FS),
    C(CLONE_FILES),
    C(CLONE_SIGHAND),
    C(CLONE_THREAD),
    C(CLONE_VFORK),
    /* tty ioctls */
    C(TIOCSTI),
    C(TIOCLINUX),
    C(TIOCSCTTY),
    C(TIOCSETD),
    /* quotactl(2) */
    C(Q_SYNC),
    C(Q_QUOTAON),
    C(Q_QUOTAOFF),
    C(Q_GETFMT),
    C(Q_GETINFO),
    C(Q_SETINFO),
    C(Q_GETQUOTA),
    C(Q_SETQUOTA),
    C(Q_XQUOTAON),
    C(Q_XQUOTAOFF),
    C(Q_XGETQUOTA),
    C(Q_XSETQLIM),
    C(Q_XGETQSTAT),
    C(Q_XQUOTARM),
    /* file types and mode bits: mknod(2), chmod(2), open(2) */
    C(S_IFMT),
    C(S_IFREG),
    C(S_IFCHR),
    C(S_IFBLK),
    C(S_IFIFO),
    C(S_IFSOCK),
    C(S_IFDIR),
    C(S_IFLNK),
    C(S_ISUID),
    C(S_ISGID),
    C(S_ISVTX),
    /* open(2) flags */
    C(O_RDONLY),
    C(O_WRONLY),
    C(O_RDWR),
    C(O_ACCMODE),
    C(O_CREAT),
    C(O_EXCL),
    C(O_TRUNC),
    C(O_APPEND),
    C(O_TMPFILE),
    C(O_DIRECTORY),
    C(O_NOFOLLOW),
    C(O_PATH),
    C(O_CLOEXEC),
    /* kcmp(2) */
    C(KCMP_FILE),
    C(KCMP_VM),
    C(KCMP_FILES),
    C(KCMP_FS),
    C(KCMP_SIGHAND),
    C(KCMP_IO),
    C(KCMP_SYSVSEM),
    C(KCMP_EPOLL_TFD),
    /* syslog(2): kernel's include/linux/syslog.h */
    {"SYSLOG_ACTION_CLOSE", 0},
    {"SYSLOG_ACTION_OPEN", 1},
    {"SYSLOG_ACTION_READ", 2},
    {"SYSLOG_ACTION_READ_ALL", 3},
    {"SYSLOG_ACTION_READ_CLEAR", 4},
    {"SYSLOG_ACTION_CLEAR", 5},
    {"SYSLOG_ACTION_CONSOLE_OFF", 6},
    {"SYSLOG_ACTION_CONSOLE_ON", 7},
    {"SYSLOG_ACTION_CONSOLE_LEVEL", 8},
    {"SYSLOG_ACTION_SIZE_UNREAD", 9},
    {"SYSLOG_ACTION_SIZE_BUFFER", 10},
};
#undef C
/* clang-format on */

int cordon_seccomp_constant(const char *name, uint64_t *value)
{
	for (size_t i = 0; i < ARRAY_SIZE(constants); i++) {
		if (strcmp(constants[i].name, name) == 0) {
			*value = constants[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/* errno values a denial may return. EPERM and EACCES are the documented
 * answers; ENOSYS makes runtimes fall back (clone3 -> clone); the others are
 * what a kernel without the feature would say. */
int cordon_seccomp_errno(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} names[] = {
	    {"EPERM", EPERM},	{"EACCES", EACCES},	    {"ENOSYS", ENOSYS},
	    {"EINVAL", EINVAL}, {"EOPNOTSUPP", EOPNOTSUPP}, {"EAFNOSUPPORT", EAFNOSUPPORT},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].value;
	return 0;
}

void cordon_seccomp_rules_free(cordon_seccomp_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].syscall);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

bool cordon_seccomp_rule_same(const cordon_seccomp_rule *a, const cordon_seccomp_rule *b)
{
	if (strcmp(a->syscall, b->syscall) != 0 || a->n_conds != b->n_conds)
		return false;
	for (size_t i = 0; i < a->n_conds; i++) {
		const cordon_seccomp_cond *x = &a->conds[i], *y = &b->conds[i];
		if (x->arg != y->arg || x->op != y->op || x->value != y->value ||
		    (x->op == CORDON_SC_MASKED_EQ && x->mask != y->mask))
			return false;
	}
	return true;
}

/* Where a message is about: "default.txt:12". */
struct pos {
	const char *source;
	unsigned line;
};

/* One term: a number, a constant or SELF. *negative is set for "-N", *self
 * for SELF. */
static int parse_term(const struct pos *p, const char *tok, const char *s, size_t len,
		      uint64_t *out, bool *negative, bool *self, cordon_error **err)
{
	_cleanup_free_ char *t = xstrndup(s, len);
	if (t[0] == '_' || isalpha((unsigned char)t[0])) {
		for (const char *c = t; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				return cordon_err_msg(err, EINVAL, "%s:%u: invalid value \"%s\"",
						      p->source, p->line, tok);
		if (strcmp(t, "SELF") == 0) {
			*out = CORDON_SECCOMP_SELF;
			*self = true;
			return 0;
		}
		if (cordon_seccomp_constant(t, out) < 0)
			return cordon_err_msg(err, EINVAL, "%s:%u: unknown constant \"%s\"",
					      p->source, p->line, t);
		return 0;
	}
	const char *digits = t;
	*negative = t[0] == '-';
	if (*negative)
		digits++;
	if (!isdigit((unsigned char)digits[0]))
		return cordon_err_msg(err, EINVAL, "%s:%u: invalid value \"%s\"", p->source,
				      p->line, tok);
	char *end;
	errno = 0;
	unsigned long long v = strtoull(digits, &end, 0);
	if (errno != 0 || *end != '\0' || (*negative && v > 0x80000000ull))
		return cordon_err_msg(err, EINVAL, "%s:%u: invalid value \"%s\"", p->source,
				      p->line, tok);
	/* -1 is 0xffffffff: compared on the low 32 bits (see parse_arg) */
	*out = *negative ? (uint64_t)(uint32_t)(-(int64_t)v) : v;
	return 0;
}

/* The loader replaces the SELF marker wherever the compiler leaves it in the
 * program (seccomp_load.h): a value written out that the BPF would hold as
 * one of its 32-bit halves would be replaced as well. */
static bool reserved(uint64_t v)
{
	return (uint32_t)v == CORDON_SECCOMP_SELF_MARKER ||
	       (uint32_t)(v >> 32) == CORDON_SECCOMP_SELF_MARKER;
}

/* A value: terms joined by '|'. A negative number and SELF must stand alone. */
static int parse_value(const struct pos *p, const char *tok, const char *s, uint64_t *out,
		       bool *negative, bool *self, cordon_error **err)
{
	size_t l = strlen(s);
	if (l == 0 || s[0] == '|' || s[l - 1] == '|' || strstr(s, "||"))
		return cordon_err_msg(err, EINVAL, "%s:%u: invalid value \"%s\"", p->source,
				      p->line, tok);
	uint64_t v = 0;
	size_t n_terms = 0;
	bool any_negative = false, any_self = false;
	for (;;) {
		size_t len = strcspn(s, "|");
		uint64_t t;
		bool neg = false;
		int r = parse_term(p, tok, s, len, &t, &neg, &any_self, err);
		if (r < 0)
			return r;
		v |= t;
		any_negative |= neg;
		n_terms++;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	if ((any_negative || any_self) && n_terms > 1)
		return cordon_err_msg(err, EINVAL, "%s:%u: invalid value \"%s\"", p->source,
				      p->line, tok);
	if (!any_self && reserved(v))
		return cordon_err_msg(err, EINVAL, "%s:%u: value \"%s\" is reserved for SELF",
				      p->source, p->line, tok);
	*out = v;
	*negative = any_negative;
	*self = any_self;
	return 0;
}

static int parse_arg(const struct pos *p, const char *tok, unsigned arg, bool deny,
		     cordon_seccomp_cond *c, cordon_error **err)
{
	static const struct {
		const char *prefix;
		enum cordon_seccomp_op op;
	} ops[] = {
	    /* two-character operators before their one-character prefixes */
	    {"<=", CORDON_SC_LE},	{">=", CORDON_SC_GE}, {"<", CORDON_SC_LT},
	    {">", CORDON_SC_GT},	{"!", CORDON_SC_NE},  {"|", CORDON_SC_MASKED_EQ},
	    {"&", CORDON_SC_MASKED_EQ},
	};
	const char *s = tok;
	*c = (cordon_seccomp_cond){.arg = arg, .op = CORDON_SC_EQ};
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (str_has_prefix(tok, ops[i].prefix)) {
			c->op = ops[i].op;
			s = tok + strlen(ops[i].prefix);
			break;
		}
	}
	bool negative = false, self = false, mask_self = false;
	int r;
	if (tok[0] == '&') {
		/* &MASK=VALUE */
		const char *eq = strchr(s, '=');
		if (eq == NULL)
			return cordon_err_msg(err, EINVAL, "%s:%u: invalid value \"%s\"", p->source,
					      p->line, tok);
		_cleanup_free_ char *mask = xstrndup(s, (size_t)(eq - s));
		bool neg_mask = false;
		r = parse_value(p, tok, mask, &c->mask, &neg_mask, &mask_self, err);
		if (r < 0)
			return r;
		r = parse_value(p, tok, eq + 1, &c->value, &negative, &self, err);
		if (r < 0)
			return r;
		negative |= neg_mask;
		self |= mask_self;
	} else {
		r = parse_value(p, tok, s, &c->value, &negative, &self, err);
		if (r < 0)
			return r;
		if (tok[0] == '|')
			c->mask = c->value;
	}
	if (self) {
		/* The loader replaces only a JEQ on the marker (seccomp_load.h):
		 * an equality, where allowing "this process" is the point; a
		 * denial of it, or an order or mask on a pid, means nothing. */
		if (c->op != CORDON_SC_EQ)
			return cordon_err_msg(err, EINVAL,
					      "%s:%u: SELF is only valid as an equality (\"%s\")",
					      p->source, p->line, tok);
		if (deny)
			return cordon_err_msg(err, EINVAL,
					      "%s:%u: SELF is only valid in an allow rule",
					      p->source, p->line);
	}
	if (negative) {
		/* uid_t -1 arrives zero-extended, int -1 sign-extended: compare
		 * the low 32 bits so that both match. */
		if (c->op != CORDON_SC_EQ)
			return cordon_err_msg(
			    err, EINVAL,
			    "%s:%u: negative value \"%s\" is only valid as an equality", p->source,
			    p->line, tok);
		c->op = CORDON_SC_MASKED_EQ;
		c->mask = 0xffffffffu;
	}
	/* libseccomp compares (arg & MASK) == (VALUE & MASK): bits of VALUE
	 * outside MASK would be dropped, and a rule that never matches as
	 * written (MASK and VALUE swapped, as snapd writes MASK|VALUE) would
	 * match calls, an allow rule allowing more than it says. */
	if (c->op == CORDON_SC_MASKED_EQ && (c->value & ~c->mask) != 0)
		return cordon_err_msg(err, EINVAL, "%s:%u: value \"%s\" has bits outside its mask",
				      p->source, p->line, tok);
	return 0;
}

static bool valid_syscall_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Split a line into words in place (space, tab, CR); a word starting with '#'
 * ends the line. Stores at most `max` words and returns their number. */
static size_t split_words(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, " \t\r", &save); w && n < max;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (w[0] == '#')
			break;
		words[n++] = w;
	}
	return n;
}

static int parse_line(const struct pos *p, char *line, cordon_seccomp_rules *out,
		      cordon_error **err)
{
	/* syscall + 6 arguments + errno= + one more to detect excess */
	char *w[CORDON_SECCOMP_MAX_ARGS + 3];
	size_t n = split_words(line, w, ARRAY_SIZE(w));
	if (n == 0)
		return 0;

	cordon_seccomp_rule rule = {.source = p->source, .line = p->line};
	const char *name = w[0];
	if (name[0] == '~') {
		rule.deny = true;
		rule.errnum = EACCES;
		name++;
	}
	if (*name == '\0')
		return cordon_err_msg(err, EINVAL, "%s:%u: missing syscall name", p->source,
				      p->line);
	if (!valid_syscall_name(name))
		return cordon_err_msg(err, EINVAL, "%s:%u: invalid syscall name \"%s\"", p->source,
				      p->line, name);
	if (str_has_prefix(w[n - 1], "errno=")) {
		const char *e = w[n - 1] + strlen("errno=");
		if (!rule.deny)
			return cordon_err_msg(err, EINVAL,
					      "%s:%u: errno= is only valid in a denial", p->source,
					      p->line);
		rule.errnum = cordon_seccomp_errno(e);
		if (rule.errnum == 0)
			return cordon_err_msg(err, EINVAL, "%s:%u: invalid errno \"%s\"", p->source,
					      p->line, e);
		n--;
	}
	if (n - 1 > CORDON_SECCOMP_MAX_ARGS)
		return cordon_err_msg(err, EINVAL,
				      "%s:%u: too many arguments for \"%s\" (at most %d)",
				      p->source, p->line, name, CORDON_SECCOMP_MAX_ARGS);
	for (size_t i = 1; i < n; i++) {
		if (str_has_prefix(w[i], "errno="))
			return cordon_err_msg(err, EINVAL, "%s:%u: errno= must be the last word",
					      p->source, p->line);
		if (strcmp(w[i], "-") == 0)
			continue;
		int r = parse_arg(p, w[i], (unsigned)(i - 1), rule.deny, &rule.conds[rule.n_conds],
				  err);
		if (r < 0)
			return r;
		rule.n_conds++;
	}
	rule.syscall = xstrdup(name);
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 64;
		out->v = xreallocarray(out->v, out->cap, sizeof *out->v);
	}
	out->v[out->n++] = rule;
	return 0;
}

int cordon_seccomp_parse(const cordon_seccomp_source *src, cordon_seccomp_rules *out,
			 cordon_error **err)
{
	_cleanup_free_ char *text = xstrdup(src->text ? src->text : "");
	struct pos p = {.source = src->name ? src->name : "(rules)", .line = 0};
	/* not strtok: it would merge empty lines and lose the line count */
	for (char *line = text; line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		p.line++;
		int r = parse_line(&p, line, out, err);
		if (r < 0)
			return r;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}
