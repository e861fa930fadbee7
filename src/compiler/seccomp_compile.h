/* The seccomp compiler: rule text (the default template, data/seccomp/default.txt,
 * plus the rules connected interfaces add) to a raw classic BPF program, at
 * install/connect time, with libseccomp. The launcher loads the result with
 * seccomp_load.h and never links libseccomp.
 *
 * Rule syntax (close to snapd's snap-seccomp), one rule per line:
 *
 *   syscall [arg0 [arg1 ... arg5]]     allow when every argument matches
 *   ~syscall [arg0 ...] [errno=ENAME]  explicit denial, EACCES unless ENAME
 *   # comment                          (also after a rule, as a word of its own)
 *
 * An argument is `-` (any value) or an optional operator followed by a value:
 * none (==), `!` (!=), `<`, `<=`, `>`, `>=` (unsigned, 64-bit), `|V` (all bits
 * of V set: (arg & V) == V, snapd's masked form) or `&M=V` ((arg & M) == V).
 * A value is numbers (decimal, 0x hex, 0 octal) and constants (AF_INET,
 * TIOCSTI, S_ISUID, CLONE_NEWNS...) joined by `|`. A negative number (-1)
 * compares the low 32 bits only, as both `uid_t -1` (zero-extended) and
 * `int -1` (sign-extended) must match; it is only valid as a plain equality.
 * `SELF` is the pid of the process the launcher execs, known only at launch:
 * valid alone, as a plain equality, in allow rules (`setpriority PRIO_PROCESS
 * SELF`). It compiles to a reserved value that the launcher's loader replaces
 * with its pid (seccomp_load.h); values whose 32-bit halves equal that marker
 * are refused, so nothing else in a program can hold it.
 * Differences from snapd: its `MASK|VALUE` masked form is `&MASK=VALUE` here
 * (`A|B` is a bitwise or), and `u:NAME`/`g:NAME` are written as numbers.
 *
 * Semantics:
 *  - a syscall that no rule allows fails with EPERM; a foreign ABI (i386 via
 *    int 0x80, x32) fails with EPERM for every syscall;
 *  - a denial matching a call wins over every allow rule;
 *  - equalities in denials compare the low 32 bits: the kernel truncates int
 *    arguments, so a 64-bit comparison could be dodged by setting the high
 *    bits (ioctl(fd, TIOCSTI | 1ul << 32): CVE-2019-7303). `<`, `<=` and `!`
 *    stay 64-bit: in a denial of an int argument, use equalities or masks
 *    (`|V`, `&M=V` with M < 2^32 ignore the high bits by construction);
 *  - an allow rule identical to a denial (same syscall, same conditions, in
 *    any source) lifts that denial, so an interface can grant what the
 *    default template denies (`socket AF_INET` lifts `~socket AF_INET`);
 *  - names of syscalls that do not exist on the build architecture (chown32,
 *    ARM's breakpoint) are skipped, as snapd does; names nobody knows are an
 *    error. Syscalls newer than the linked libseccomp are resolved by number.
 *
 * Devmode: the same rules, but every outcome that would deny is SCMP_ACT_LOG:
 * nothing is refused, every violation is logged.
 *
 * The program is libseccomp filters linked into one: the denials (default
 * allow) run first, and each of their "allow" returns jumps into the allowlist
 * (default EPERM). libseccomp cannot express "allow ioctl except TIOCSTI" in one
 * filter: an unconditional allow absorbs the conditional denial. Each kind is
 * one filter, plus a layer per extra rule of a syscall whose rules libseccomp
 * would merge wrongly (comparisons other than equalities on one argument:
 * `chown - 0` beside `chown - !1 0`); a call a layer does not decide goes on
 * to the next. In front of them all, the syscalls allowed whatever their
 * arguments and never denied, in a tree proved equal to the plain layout
 * (seccomp_tree.h). */
#pragma once
#include "error.h"
#include "policy.h"
#include "seccomp_load.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cordon_seccomp_source {
	const char *name; /* for messages: "default.txt", "interface network" */
	const char *text; /* NUL-terminated rule text */
} cordon_seccomp_source;

/* Compile `n` sources into a raw classic BPF program (struct sock_filter[],
 * host byte order) in *bpf (malloc'd, *bpf_len bytes). Errors name the source
 * and line: `default.txt:12: unknown syscall "foo"`. `mode` is CORDON_STRICT
 * or CORDON_DEVMODE; CORDON_CLASSIC has no filter and is an error. */
int cordon_seccomp_compile(const cordon_seccomp_source *sources, size_t n,
			   enum cordon_confinement mode, uint8_t **bpf, size_t *bpf_len,
			   cordon_error **err);

/* ---- the parser (pure; exposed for tests and for `cordon debug`) ---- */

#define CORDON_SECCOMP_MAX_ARGS 6

/* The value of a `SELF` condition (an equality in an allow rule): the
 * marker the loader replaces, high 32 bits zero like any pid's. */
#define CORDON_SECCOMP_SELF ((uint64_t)CORDON_SECCOMP_SELF_MARKER)

enum cordon_seccomp_op {
	CORDON_SC_EQ = 1,
	CORDON_SC_NE,
	CORDON_SC_LT,
	CORDON_SC_LE,
	CORDON_SC_GT,
	CORDON_SC_GE,
	CORDON_SC_MASKED_EQ, /* (arg & mask) == value */
};

typedef struct cordon_seccomp_cond {
	unsigned arg; /* 0..5 */
	enum cordon_seccomp_op op;
	uint64_t mask; /* CORDON_SC_MASKED_EQ only */
	uint64_t value;
} cordon_seccomp_cond;

typedef struct cordon_seccomp_rule {
	char *syscall;
	bool deny;
	int errnum; /* denials: EACCES unless errno= says otherwise; 0 for allows */
	size_t n_conds;
	cordon_seccomp_cond conds[CORDON_SECCOMP_MAX_ARGS]; /* ordered by arg */
	const char *source; /* borrowed from the cordon_seccomp_source */
	unsigned line;
} cordon_seccomp_rule;

typedef struct cordon_seccomp_rules {
	cordon_seccomp_rule *v;
	size_t n, cap;
} cordon_seccomp_rules;

/* Append the rules of one source to *out. On error *out keeps the rules of
 * earlier lines; the caller frees it either way. */
int cordon_seccomp_parse(const cordon_seccomp_source *src, cordon_seccomp_rules *out,
			 cordon_error **err);
void cordon_seccomp_rules_free(cordon_seccomp_rules *r);

/* Same syscall and same conditions (deny flag and errno ignored). */
bool cordon_seccomp_rule_same(const cordon_seccomp_rule *a, const cordon_seccomp_rule *b);

/* Value of a symbolic constant (AF_INET, TIOCSTI...). 0, or -ENOENT. */
int cordon_seccomp_constant(const char *name, uint64_t *value);
/* errno value of a name allowed in `errno=` (EPERM, EACCES, ENOSYS...), or 0. */
int cordon_seccomp_errno(const char *name);

static inline void cleanup_seccomp_rulesp(cordon_seccomp_rules *r)
{
	cordon_seccomp_rules_free(r);
}
#define _cleanup_seccomp_rules_ __attribute__((cleanup(cleanup_seccomp_rulesp)))
