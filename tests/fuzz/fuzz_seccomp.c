/* libFuzzer harness: the seccomp rule parser and compiler.
 *
 * Rule text comes from the default template and from the interfaces a snap
 * connects; the privileged CLI compiles it (install, connect) into the BPF
 * program the launcher loads. Input: one source's text (cut at its first NUL,
 * as the C string the compiler is given would be).
 *
 * Text that parses is compiled too, with libseccomp, in strict mode (devmode
 * only changes the actions), and the program is then checked against the
 * rules' meaning (seccomp_compile.h): calls built from each rule's values
 * and their neighbours (v-1, v+1, the other 32-bit half set...) are run
 * through the program, after the launcher's SELF replacement, and the answer
 * must be what the rules say. A crash of the parser, a program the compiler
 * gets wrong (libseccomp included) or one the kernel would refuse all end
 * the run. Compiling and checking cost more than parsing, so only sources of
 * up to MAX_COMPILE rules are compiled: enough for every rule form, lifted
 * denials and the linked filters and layers. Nothing is printed but a mismatch. */
#include "bpf_run.h"
#include "seccomp_compile.h"
#include "seccomp_load.h"
#include "util.h"

#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_COMPILE 32
/* The pid SELF is replaced with, as the launcher replaces it with getpid(). */
#define SELF_PID 4242u

typedef struct oracle {
	const cordon_seccomp_rules *rules;
	const int *nr;	  /* per rule: its number, or -1 when not in the program */
	const bool *skip; /* per rule: a lifted denial */
	const uint8_t *bpf;
	size_t len;
} oracle;

static uint64_t cond_value(const cordon_seccomp_rule *r, const cordon_seccomp_cond *c)
{
	return !r->deny && c->op == CORDON_SC_EQ && c->value == CORDON_SECCOMP_SELF ? SELF_PID
										    : c->value;
}

static bool cond_match(const cordon_seccomp_rule *r, const cordon_seccomp_cond *c, uint64_t a)
{
	uint64_t v = cond_value(r, c);
	switch (c->op) {
	case CORDON_SC_EQ:
		/* denials compare 32-bit values on the low half (CVE-2019-7303) */
		if (r->deny && v <= 0xffffffffu)
			return (uint32_t)a == v;
		return a == v;
	case CORDON_SC_NE:
		return a != v;
	case CORDON_SC_LT:
		return a < v;
	case CORDON_SC_LE:
		return a <= v;
	case CORDON_SC_GT:
		return a > v;
	case CORDON_SC_GE:
		return a >= v;
	case CORDON_SC_MASKED_EQ:
		return (a & c->mask) == v;
	}
	return false;
}

static bool rule_match(const cordon_seccomp_rule *r, const uint64_t args[6])
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (!cond_match(r, &r->conds[i], args[r->conds[i].arg]))
			return false;
	return true;
}

/* What the rules say of the call: a denial wins, then an allow, else EPERM. */
static uint32_t expected(const oracle *o, int nr, const uint64_t args[6])
{
	bool allowed = false;
	for (size_t i = 0; i < o->rules->n; i++) {
		const cordon_seccomp_rule *r = &o->rules->v[i];
		if (o->nr[i] != nr || o->skip[i] || !rule_match(r, args))
			continue;
		if (r->deny)
			return SECCOMP_RET_ERRNO | (uint32_t)r->errnum;
		allowed = true;
	}
	return allowed ? SECCOMP_RET_ALLOW : SECCOMP_RET_ERRNO | EPERM;
}

static void check(const oracle *o, uint32_t arch, int nr, const uint64_t args[6], uint32_t want)
{
	uint32_t got = cordon_bpf_run(o->bpf, o->len, arch, nr, args);
	if (got == want)
		return;
	fprintf(stderr,
		"fuzz_seccomp: the program disagrees with the rules: arch %#x syscall %d args "
		"%#llx %#llx %#llx %#llx %#llx %#llx: got %#x, want %#x\n",
		arch, nr, (unsigned long long)args[0], (unsigned long long)args[1],
		(unsigned long long)args[2], (unsigned long long)args[3],
		(unsigned long long)args[4], (unsigned long long)args[5], got, want);
	abort();
}

/* Calls at and around each condition of rule i: the values that decide it. */
static void probe_rule(const oracle *o, size_t i)
{
	const cordon_seccomp_rule *r = &o->rules->v[i];
	int nr = o->nr[i];
	uint64_t base[6] = {0};
	for (size_t k = 0; k < r->n_conds; k++) {
		const cordon_seccomp_cond *c = &r->conds[k];
		uint64_t v = cond_value(r, c);
		base[c->arg] = c->op == CORDON_SC_NE   ? v ^ 1
			       : c->op == CORDON_SC_LT ? v - 1
			       : c->op == CORDON_SC_GT ? v + 1
						       : v;
	}
	uint32_t arch = seccomp_arch_native();
	check(o, arch, nr, base, expected(o, nr, base));
	/* another ABI: refused whatever the rules (x32 numbers, i386) */
#ifdef __x86_64__
	check(o, arch, nr | 0x40000000, base, SECCOMP_RET_ERRNO | EPERM);
	check(o, AUDIT_ARCH_I386, nr, base, SECCOMP_RET_ERRNO | EPERM);
#endif
	for (size_t k = 0; k < r->n_conds; k++) {
		const cordon_seccomp_cond *c = &r->conds[k];
		uint64_t v = cond_value(r, c);
		const uint64_t around[] = {
		    v,
		    v - 1,
		    v + 1,
		    v ^ (1ull << 32),
		    (uint32_t)v,
		    v | 0xffffffff00000000ull,
		    0,
		    ~0ull,
		    v | ~c->mask,
		    v ^ (c->mask & -c->mask),
		};
		for (size_t j = 0; j < ARRAY_SIZE(around); j++) {
			uint64_t args[6];
			memcpy(args, base, sizeof args);
			args[c->arg] = around[j];
			check(o, arch, nr, args, expected(o, nr, args));
		}
	}
}

static void check_program(const cordon_seccomp_rules *rules, uint8_t *bpf, size_t len)
{
	cordon_seccomp_patch_self(bpf, len, SELF_PID);
	_cleanup_free_ int *nr = xcalloc(rules->n ? rules->n : 1, sizeof *nr);
	_cleanup_free_ bool *skip = xcalloc(rules->n ? rules->n : 1, sizeof *skip);
	for (size_t i = 0; i < rules->n; i++) {
		const cordon_seccomp_rule *r = &rules->v[i];
		/* Not resolved here (another architecture's syscall, or one newer
		 * than libseccomp, which the compiler numbers itself): not probed,
		 * and no probed number is theirs. */
		nr[i] = seccomp_syscall_resolve_name(r->syscall);
		if (nr[i] < 0)
			nr[i] = -1;
		for (size_t j = 0; r->deny && j < rules->n; j++)
			skip[i] |= !rules->v[j].deny && cordon_seccomp_rule_same(&rules->v[j], r);
	}
	oracle o = {.rules = rules, .nr = nr, .skip = skip, .bpf = bpf, .len = len};
	for (size_t i = 0; i < rules->n; i++)
		if (nr[i] >= 0)
			probe_rule(&o, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	cordon_seccomp_source src = {.name = "fuzz.txt", .text = text};
	_cleanup_seccomp_rules_ cordon_seccomp_rules rules = {0};
	_cleanup_error_ cordon_error *err = NULL;
	if (cordon_seccomp_parse(&src, &rules, &err) < 0 || rules.n > MAX_COMPILE)
		return 0;
	/* Whatever compiles must do what its rules say: the parser refuses a
	 * mask its value has bits outside of, and the compiler gives the rules
	 * of a syscall libseccomp would merge wrongly a layer each (both found
	 * by this harness). */
	_cleanup_free_ uint8_t *bpf = NULL;
	size_t len = 0;
	if (cordon_seccomp_compile(&src, 1, CORDON_STRICT, &bpf, &len, &err) == 0)
		check_program(&rules, bpf, len);
	return 0;
}
