/* The seccomp compiler: parsed rules to one raw classic BPF program, with
 * libseccomp, at install/connect time. See seccomp_compile.h for the
 * semantics; nothing here loads a filter. */
#include "seccomp_compile.h"
#include "seccomp_tree.h"
#include "util.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Syscalls added after the libseccomp releases distributions ship (2.5.4 in
 * Debian 12 lacks some). From number 424 on, every architecture but alpha and
 * mips uses the same number, so the number is known without libseccomp. */
static const struct {
	const char *name;
	int nr;
} late_syscalls[] = {
    {"cachestat", 451},		{"fchmodat2", 452},	   {"map_shadow_stack", 453},
    {"futex_wake", 454},	{"futex_wait", 455},	   {"futex_requeue", 456},
    {"statmount", 457},		{"listmount", 458},	   {"lsm_get_self_attr", 459},
    {"lsm_set_self_attr", 460}, {"lsm_list_modules", 461}, {"mseal", 462},
    {"setxattrat", 463},	{"getxattrat", 464},	   {"listxattrat", 465},
    {"removexattrat", 466},	{"open_tree_attr", 467},   {"file_getattr", 468},
    {"file_setattr", 469},
};

static bool unified_numbering(uint32_t arch)
{
	switch (arch) {
	case SCMP_ARCH_X86_64:
	case SCMP_ARCH_X86:
	case SCMP_ARCH_AARCH64:
	case SCMP_ARCH_ARM:
	case SCMP_ARCH_RISCV64:
	case SCMP_ARCH_PPC:
	case SCMP_ARCH_PPC64:
	case SCMP_ARCH_PPC64LE:
	case SCMP_ARCH_S390:
	case SCMP_ARCH_S390X:
		return true;
	default:
		return false;
	}
}

/* The native number of a syscall; 1 if it does not exist on this
 * architecture (skip the rule, as snapd does); an error if nobody knows it. */
static int resolve(const cordon_seccomp_rule *r, int *nr, cordon_error **err)
{
	int n = seccomp_syscall_resolve_name(r->syscall);
	if (n == __NR_SCMP_ERROR && unified_numbering(seccomp_arch_native())) {
		for (size_t i = 0; i < ARRAY_SIZE(late_syscalls); i++)
			if (strcmp(late_syscalls[i].name, r->syscall) == 0)
				n = late_syscalls[i].nr;
	}
	if (n == __NR_SCMP_ERROR)
		return cordon_err_msg(err, EINVAL, "%s:%u: unknown syscall \"%s\"", r->source,
				      r->line, r->syscall);
	if (n < 0)
		return 1; /* libseccomp's pseudo number: another architecture's syscall */
	*nr = n;
	return 0;
}

static void to_scmp(const cordon_seccomp_rule *r, struct scmp_arg_cmp *out)
{
	for (size_t i = 0; i < r->n_conds; i++) {
		const cordon_seccomp_cond *c = &r->conds[i];
		struct scmp_arg_cmp *a = &out[i];
		*a = (struct scmp_arg_cmp){.arg = c->arg, .datum_a = c->value};
		switch (c->op) {
		case CORDON_SC_EQ:
			a->op = SCMP_CMP_EQ;
			/* The kernel truncates int arguments: a denial compared on 64
			 * bits would miss TIOCSTI | 1ul << 32 (CVE-2019-7303). */
			if (r->deny && c->value <= 0xffffffffu) {
				a->op = SCMP_CMP_MASKED_EQ;
				a->datum_a = 0xffffffffu;
				a->datum_b = c->value;
			}
			break;
		case CORDON_SC_NE:
			a->op = SCMP_CMP_NE;
			break;
		case CORDON_SC_LT:
			a->op = SCMP_CMP_LT;
			break;
		case CORDON_SC_LE:
			a->op = SCMP_CMP_LE;
			break;
		case CORDON_SC_GT:
			a->op = SCMP_CMP_GT;
			break;
		case CORDON_SC_GE:
			a->op = SCMP_CMP_GE;
			break;
		case CORDON_SC_MASKED_EQ:
			a->op = SCMP_CMP_MASKED_EQ;
			a->datum_a = c->mask;
			a->datum_b = c->value;
			break;
		}
	}
}

static void cleanup_scmp(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_scmp_ __attribute__((cleanup(cleanup_scmp)))

static int new_filter(uint32_t def_action, scmp_filter_ctx *out, cordon_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(def_action);
	if (ctx == NULL)
		return cordon_err_msg(err, EINVAL, "cannot create a seccomp filter (action %#x)",
				      def_action);
	/* Only the native ABI is in the filter: a foreign one (i386 through int
	 * 0x80 from a 64-bit process, x32) gets the default action, never a
	 * kill, so a denied call looks the same whichever way it is made.
	 * libseccomp's default layout (one comparison per syscall, in order),
	 * not its binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2): in 2.5.4 the tree
	 * let one syscall's argument checks fall through to another's allow.
	 * "sched_setaffinity 0", "sched_setaffinity 5 - 4", "sched_setparam 0",
	 * "sched_setparam 5" allowed sched_setaffinity(5, 0, 0) (found by
	 * tests/fuzz/fuzz_seccomp). The kernel's action cache (5.11) lets every
	 * syscall allowed whatever its arguments skip the filter anyway; the
	 * first layer, which has no argument checks, is a tree once proved
	 * equal to this layout (build_fast, seccomp_tree.h). */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, def_action);
	if (r < 0) {
		seccomp_release(ctx);
		return cordon_err(err, -r, "cannot set seccomp filter attributes");
	}
	*out = ctx;
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const cordon_seccomp_rule *r, int nr,
		    cordon_error **err)
{
	struct scmp_arg_cmp args[CORDON_SECCOMP_MAX_ARGS];
	to_scmp(r, args);
	/* As snap-seccomp: exactly as written if possible, else let libseccomp
	 * rewrite multiplexed syscalls (socketcall, ipc) for this architecture. */
	int ret = seccomp_rule_add_exact_array(ctx, action, nr, (unsigned)r->n_conds, args);
	if (ret < 0)
		ret = seccomp_rule_add_array(ctx, action, nr, (unsigned)r->n_conds, args);
	if (ret < 0)
		return cordon_err(err, -ret, "%s:%u: cannot add rule for \"%s\"", r->source,
				  r->line, r->syscall);
	return 0;
}

/* libseccomp 2.5 exports only to a file descriptor. */
static int export_bpf(scmp_filter_ctx ctx, buf *out, cordon_error **err)
{
	_cleanup_close_ int fd = memfd_create("cordon-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return cordon_err(err, -r, "cannot export the seccomp filter");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return cordon_err(err, errno, "lseek");
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return cordon_err_msg(err, EINVAL, "seccomp filter of %lld bytes", (long long)size);
	if ((size_t)size > BPF_MAXINSNS * sizeof(struct sock_filter))
		return cordon_err_msg(
		    err, E2BIG, "seccomp filter too large: %lld instructions (at most %d)",
		    (long long)size / (long long)sizeof(struct sock_filter), BPF_MAXINSNS);
	char tmp[4096]; /* one read's worth, not a limit */
	for (off_t off = 0; off < size;) {
		ssize_t n = pread(fd, tmp, sizeof tmp, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cordon_err(err, n < 0 ? errno : EIO, "read the seccomp filter");
		buf_add(out, tmp, (size_t)n);
		off += n;
	}
	return 0;
}

/* One program from several (the denial layers, then the allowlist layers):
 * every return of a program that means "not decided here" becomes a jump to
 * the first instruction of the next one: "allow" in a denial layer, anything
 * but "allow" in an allowlist layer but the last. Classic BPF jumps only
 * forward, so each program's own jumps stay valid, and each loads what it
 * compares (they all start by loading the architecture), so nothing carries
 * over from one to the next. */
static int link_programs(const buf *progs, const bool *deny, size_t n, uint8_t **bpf,
			 size_t *bpf_len, cordon_error **err)
{
	size_t total = 0;
	for (size_t p = 0; p < n; p++)
		total += progs[p].len / sizeof(struct sock_filter);
	if (total > BPF_MAXINSNS)
		return cordon_err_msg(err, E2BIG,
				      "seccomp filter too large: %zu instructions (at most %d)",
				      total, BPF_MAXINSNS);
	_cleanup_free_ struct sock_filter *prog = xreallocarray(NULL, total, sizeof *prog);
	size_t at = 0;
	for (size_t p = 0; p < n; p++) {
		size_t len = progs[p].len / sizeof *prog;
		memcpy(prog + at, progs[p].p, progs[p].len);
		for (size_t i = 0; p + 1 < n && i < len; i++) {
			struct sock_filter *f = &prog[at + i];
			if (BPF_CLASS(f->code) != BPF_RET)
				continue;
			if (BPF_RVAL(f->code) != BPF_K)
				return cordon_err_msg(err, EINVAL, "unexpected BPF return at %zu",
						      at + i);
			if ((f->k == SECCOMP_RET_ALLOW) == deny[p])
				*f = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
								  (uint32_t)(len - 1 - i), 0, 0);
		}
		at += len;
	}
	*bpf = (uint8_t *)steal_ptr(prog);
	*bpf_len = total * sizeof *prog;
	return 0;
}

/* The loader patches every `JEQ k=marker` (seccomp_load.h): make sure that is
 * what SELF rules, and only they, left in the program. The parser refuses the
 * marker written out, so this only fails if libseccomp encoded an equality
 * in an unexpected way; a program the loader would misread is not written. */
static int check_self(const uint8_t *bpf, size_t len, bool any_self, cordon_error **err)
{
	const struct sock_filter *prog = (const struct sock_filter *)bpf;
	for (size_t i = 0; i < len / sizeof *prog; i++) {
		if (prog[i].k != CORDON_SECCOMP_SELF_MARKER)
			continue;
		if (!any_self || prog[i].code != (BPF_JMP | BPF_JEQ | BPF_K))
			return cordon_err_msg(err, EINVAL,
					      "seccomp filter holds the SELF marker at %zu "
					      "outside a SELF comparison (code %#x)",
					      i, prog[i].code);
	}
	return 0;
}

static bool has_self(const cordon_seccomp_rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (r->conds[i].op == CORDON_SC_EQ && r->conds[i].value == CORDON_SECCOMP_SELF)
			return true;
	return false;
}

/* A denial lifted by an identical allow rule from any source. */
static bool lifted(const cordon_seccomp_rules *rules, const cordon_seccomp_rule *deny)
{
	for (size_t i = 0; i < rules->n; i++)
		if (!rules->v[i].deny && cordon_seccomp_rule_same(&rules->v[i], deny))
			return true;
	return false;
}

/* libseccomp orders the rules of one syscall as it likes: denials of one
 * syscall with different errnos would make the answer depend on it. */
static int check_errnos(const cordon_seccomp_rules *rules, const bool *skip, cordon_error **err)
{
	for (size_t i = 0; i < rules->n; i++) {
		const cordon_seccomp_rule *a = &rules->v[i];
		if (!a->deny || skip[i])
			continue;
		for (size_t j = 0; j < i; j++) {
			const cordon_seccomp_rule *b = &rules->v[j];
			if (b->deny && !skip[j] && strcmp(a->syscall, b->syscall) == 0 &&
			    a->errnum != b->errnum)
				return cordon_err_msg(
				    err, EINVAL,
				    "%s:%u: denial of \"%s\" with another errno than at %s:%u",
				    a->source, a->line, a->syscall, b->source, b->line);
		}
	}
	return 0;
}

/* libseccomp merges the rules of one syscall into one decision tree, one
 * level per argument, and that tree is right only when the comparisons of
 * one argument exclude each other or are the same: once a call takes the
 * branch of one comparison it never comes back to try a sibling's. Found by
 * tests/fuzz/fuzz_seccomp in libseccomp 2.5.4 (main as of 2026 alike):
 *  - "chown - 0" and "chown - !1 0": chown(p, 0, 5) refused, as "!1" is
 *    taken and its "0" fails, though the first rule allows it;
 *  - "~kcmp >5" and "~kcmp >0 0": kcmp(5, 0) allowed, a denial lost, as
 *    both start with the node "high half > 0".
 * Equalities (plain, or masked with one mask) of one argument are disjoint
 * or equal, and merge right. A syscall whose rules compare an argument in any
 * other way (!, orders, different masks, or equality beside a masked one) has
 * each rule in a filter of its own: its n-th rule in the n-th layer. */
static bool scmp_cmp_same_kind(const struct scmp_arg_cmp *a, const struct scmp_arg_cmp *b)
{
	if (a->op != b->op)
		return false;
	return a->op == SCMP_CMP_EQ || (a->op == SCMP_CMP_MASKED_EQ && a->datum_a == b->datum_a);
}

static bool equalities(const struct scmp_arg_cmp *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].op != SCMP_CMP_EQ && c[i].op != SCMP_CMP_MASKED_EQ)
			return false;
	return true;
}

/* Every comparison in rules a and b an equality, of one kind per argument. */
static bool merge_safe(const cordon_seccomp_rule *a, const cordon_seccomp_rule *b)
{
	struct scmp_arg_cmp x[CORDON_SECCOMP_MAX_ARGS], y[CORDON_SECCOMP_MAX_ARGS];
	to_scmp(a, x);
	to_scmp(b, y);
	if (!equalities(x, a->n_conds) || !equalities(y, b->n_conds))
		return false;
	for (size_t k = 0; k < a->n_conds; k++)
		for (size_t l = 0; l < b->n_conds; l++)
			if (x[k].arg == y[l].arg && !scmp_cmp_same_kind(&x[k], &y[l]))
				return false;
	return true;
}

/* The layer of each rule that is not skipped: 0, or its rank among the
 * rules of its syscall and kind when they do not merge. Returns the number
 * of layers of each kind. */
static void assign_layers(const cordon_seccomp_rules *rules, const int *nrs, const bool *skip,
			  size_t *layer, size_t n_layers[2])
{
	n_layers[0] = n_layers[1] = 0;
	for (size_t i = 0; i < rules->n; i++) {
		if (skip[i])
			continue;
		const cordon_seccomp_rule *a = &rules->v[i];
		bool alone = false;
		size_t rank = 0;
		for (size_t j = 0; j < rules->n; j++) {
			const cordon_seccomp_rule *b = &rules->v[j];
			if (j == i || skip[j] || b->deny != a->deny || nrs[j] != nrs[i])
				continue;
			alone |= !merge_safe(a, b);
			rank += j < i;
		}
		layer[i] = alone ? rank : 0;
		if (layer[i] + 1 > n_layers[a->deny])
			n_layers[a->deny] = layer[i] + 1;
	}
}

/* One libseccomp filter: layer `l` of the denials (default allow) or of the
 * allowlist (default EPERM, or log in devmode). */
static int build_layer(const cordon_seccomp_rules *rules, const int *nrs, const bool *skip,
		       const size_t *layer, bool deny, size_t l, bool dev, buf *out,
		       cordon_error **err)
{
	uint32_t def = deny ? SCMP_ACT_ALLOW : dev ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM);
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
	int r = new_filter(def, &ctx, err);
	for (size_t i = 0; r == 0 && i < rules->n; i++) {
		const cordon_seccomp_rule *rule = &rules->v[i];
		if (skip[i] || rule->deny != deny || layer[i] != l)
			continue;
		uint32_t act = !deny ? SCMP_ACT_ALLOW
			       : dev ? SCMP_ACT_LOG
				     : SCMP_ACT_ERRNO((uint32_t)rule->errnum);
		r = add_rule(ctx, act, rule, nrs[i], err);
	}
	return r < 0 ? r : export_bpf(ctx, out, err);
}

/* The rules the first layer decides (seccomp_tree.h): allow rules of a
 * syscall that some rule allows whatever its arguments and no rule denies.
 * Its other allow rules are decided there too (never reached after it). */
static size_t fast_rules(const cordon_seccomp_rules *rules, const int *nrs, const bool *skip,
			 bool *fast)
{
	size_t n = 0;
	for (size_t i = 0; i < rules->n; i++) {
		const cordon_seccomp_rule *a = &rules->v[i];
		if (skip[i] || a->deny || a->n_conds != 0 || fast[i])
			continue;
		bool denied = false;
		for (size_t j = 0; j < rules->n && !denied; j++)
			denied = !skip[j] && rules->v[j].deny && nrs[j] == nrs[i];
		if (denied)
			continue;
		for (size_t j = 0; j < rules->n; j++)
			if (!skip[j] && !rules->v[j].deny && nrs[j] == nrs[i]) {
				fast[j] = true;
				n++;
			}
	}
	return n;
}

/* The first layer: those syscalls allowed, anything else on to the next
 * layer; as a tree when the tree is proved to answer as the default layout
 * does, else in that layout. */
static int build_fast(const cordon_seccomp_rules *rules, const int *nrs, const bool *fast, bool dev,
		      buf *out, cordon_error **err)
{
	buf layouts[2] = {{0}};
	int r = 0;
	for (int tree = 0; r == 0 && tree < 2; tree++) {
		_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
		r = new_filter(dev ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM), &ctx, err);
		if (r == 0 && tree) {
			int e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
			if (e < 0)
				r = cordon_err(err, -e, "cannot ask libseccomp for a tree");
		}
		for (size_t i = 0; r == 0 && i < rules->n; i++) {
			bool first = fast[i];
			for (size_t j = 0; first && j < i; j++)
				first = !(fast[j] && nrs[j] == nrs[i]);
			if (!first)
				continue;
			int e = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
			if (e < 0)
				r = cordon_err(err, -e, "%s:%u: cannot add rule for \"%s\"",
					       rules->v[i].source, rules->v[i].line,
					       rules->v[i].syscall);
		}
		if (r == 0)
			r = export_bpf(ctx, &layouts[tree], err);
	}
	if (r == 0) {
		bool tree =
		    cordon_seccomp_same_decisions((const uint8_t *)layouts[1].p, layouts[1].len,
						  (const uint8_t *)layouts[0].p, layouts[0].len);
		*out = layouts[tree];
		layouts[tree] = (buf){0};
	}
	buf_free(&layouts[0]);
	buf_free(&layouts[1]);
	return r;
}

int cordon_seccomp_compile(const cordon_seccomp_source *sources, size_t n,
			   enum cordon_confinement mode, uint8_t **bpf, size_t *bpf_len,
			   cordon_error **err)
{
	if (mode != CORDON_STRICT && mode != CORDON_DEVMODE)
		return cordon_err_msg(err, EINVAL, "no seccomp filter for %s confinement",
				      cordon_confinement_name(mode));
	_cleanup_seccomp_rules_ cordon_seccomp_rules rules = {0};
	for (size_t i = 0; i < n; i++) {
		int r = cordon_seccomp_parse(&sources[i], &rules, err);
		if (r < 0)
			return r;
	}

	_cleanup_free_ int *nrs = xcalloc(rules.n ? rules.n : 1, sizeof *nrs);
	_cleanup_free_ bool *skip = xcalloc(rules.n ? rules.n : 1, sizeof *skip);
	bool any_self = false;
	for (size_t i = 0; i < rules.n; i++) {
		int r = resolve(&rules.v[i], &nrs[i], err);
		if (r < 0)
			return r;
		skip[i] = r > 0 || (rules.v[i].deny && lifted(&rules, &rules.v[i]));
		any_self |= !skip[i] && has_self(&rules.v[i]);
	}
	int r = check_errnos(&rules, skip, err);
	if (r < 0)
		return r;
	/* the first layer's rules are in no other */
	_cleanup_free_ bool *fast = xcalloc(rules.n ? rules.n : 1, sizeof *fast);
	size_t n_fast = fast_rules(&rules, nrs, skip, fast);
	_cleanup_free_ bool *elsewhere = xcalloc(rules.n ? rules.n : 1, sizeof *elsewhere);
	for (size_t i = 0; i < rules.n; i++)
		elsewhere[i] = skip[i] || fast[i];
	_cleanup_free_ size_t *layer = xcalloc(rules.n ? rules.n : 1, sizeof *layer);
	size_t n_layers[2];
	assign_layers(&rules, nrs, elsewhere, layer, n_layers);
	if (n_layers[false] == 0)
		n_layers[false] = 1; /* the allowlist, if only of its default */

	/* devmode: the same filter, but whatever would be refused is logged. */
	bool dev = mode == CORDON_DEVMODE;
	size_t first = n_fast > 0 ? 1 : 0;
	size_t n_progs = first + n_layers[true] + n_layers[false];
	buf *progs = xcalloc(n_progs, sizeof *progs);
	_cleanup_free_ bool *is_deny = xcalloc(n_progs, sizeof *is_deny);
	if (first)
		r = build_fast(&rules, nrs, fast, dev, &progs[0], err);
	for (size_t p = first; r == 0 && p < n_progs; p++) {
		is_deny[p] = p - first < n_layers[true];
		size_t l = is_deny[p] ? p - first : p - first - n_layers[true];
		r = build_layer(&rules, nrs, elsewhere, layer, is_deny[p], l, dev, &progs[p], err);
	}
	_cleanup_free_ uint8_t *prog = NULL;
	size_t prog_len = 0;
	if (r == 0)
		r = link_programs(progs, is_deny, n_progs, &prog, &prog_len, err);
	for (size_t p = 0; p < n_progs; p++)
		buf_free(&progs[p]);
	free(progs);
	if (r < 0)
		return r;
	r = check_self(prog, prog_len, any_self, err);
	if (r < 0)
		return r;
	*bpf = steal_ptr(prog);
	*bpf_len = prog_len;
	return 0;
}
