/* The checked equivalence of two seccomp programs that read nothing but the
 * syscall number and the architecture (seccomp_tree.h). Pure. */
#include "seccomp_tree.h"
#include "bpf_run.h"
#include "util.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>

enum { VAR_NR, VAR_ARCH, N_VARS };

/* What the accumulator may hold before each instruction: a bit per variable
 * (1 << VAR_*), or UNKNOWN (nothing loaded yet, or something else). */
#define UNKNOWN 0x80u

typedef struct {
	uint32_t *v;
	size_t n;
} points;

static void add_point(points *p, uint32_t k)
{
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = k;
}

/* Every constant k an instruction compares a variable with, as k - 1, k and
 * k + 1 (JEQ changes its answer at k, JGT between k and k + 1, JGE between
 * k - 1 and k). false: the program does something else (loads an argument
 * or the instruction pointer, computes, tests bits, jumps backwards or out). */
static bool collect(const uint8_t *bpf, size_t len, points pts[N_VARS])
{
	size_t n = len / sizeof(struct sock_filter);
	if (n == 0 || len % sizeof(struct sock_filter) != 0)
		return false;
	_cleanup_free_ uint8_t *holds = xcalloc(n, 1);
	holds[0] = UNKNOWN;
	for (size_t pc = 0; pc < n; pc++) {
		struct sock_filter f;
		memcpy(&f, bpf + pc * sizeof f, sizeof f);
		uint8_t h = holds[pc];
		uint8_t after = h;
		bool jump = false, ends = false;
		uint32_t jt = 0, jf = 0;
		switch (f.code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f.k == offsetof(struct seccomp_data, nr))
				after = 1u << VAR_NR;
			else if (f.k == offsetof(struct seccomp_data, arch))
				after = 1u << VAR_ARCH;
			else
				return false;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
			if (h & UNKNOWN)
				return false;
			for (int v = 0; v < N_VARS; v++) {
				if (!(h & (1u << v)))
					continue;
				add_point(&pts[v], f.k - 1);
				add_point(&pts[v], f.k);
				add_point(&pts[v], f.k + 1);
			}
			jump = true;
			jt = f.jt;
			jf = f.jf;
			break;
		case BPF_JMP | BPF_JA:
			jump = true;
			jt = jf = f.k;
			break;
		case BPF_RET | BPF_K:
			ends = true;
			break;
		default:
			return false;
		}
		if (ends)
			continue;
		/* forward only, inside the program: what reaches an
		 * instruction is known once every earlier one is seen */
		size_t targets[2] = {pc + 1 + (jump ? jt : 0), pc + 1 + (jump ? jf : 0)};
		for (int t = 0; t < 2; t++) {
			if (targets[t] >= n || targets[t] < pc + 1)
				return false;
			holds[targets[t]] |= after;
		}
	}
	return true;
}

bool cordon_seccomp_same_decisions(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	points pts[N_VARS] = {{0}};
	bool ok = collect(a, a_len, pts) && collect(b, b_len, pts);
	for (int v = 0; ok && v < N_VARS; v++) {
		add_point(&pts[v], 0);
		add_point(&pts[v], UINT32_MAX);
	}
	static const uint64_t no_args[6] = {0};
	/* every cell of the grid the constants cut both variables into */
	for (size_t i = 0; ok && i < pts[VAR_ARCH].n; i++)
		for (size_t j = 0; ok && j < pts[VAR_NR].n; j++) {
			uint32_t arch = pts[VAR_ARCH].v[i];
			int nr = (int)pts[VAR_NR].v[j];
			uint32_t x = cordon_bpf_run(a, a_len, arch, nr, no_args);
			uint32_t y = cordon_bpf_run(b, b_len, arch, nr, no_args);
			ok = x == y && x != CORDON_BPF_INVALID;
		}
	for (int v = 0; v < N_VARS; v++)
		free(pts[v].v);
	return ok;
}
