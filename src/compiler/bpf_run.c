/* The classic-BPF interpreter (bpf_run.h). */
#include "bpf_run.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <string.h>

static uint32_t alu(uint16_t op, uint32_t A, uint32_t src, bool *ok)
{
	switch (op) {
	case BPF_ADD:
		return A + src;
	case BPF_SUB:
		return A - src;
	case BPF_MUL:
		return A * src;
	case BPF_DIV:
	case BPF_MOD:
		if (src == 0)
			break;
		return op == BPF_DIV ? A / src : A % src;
	case BPF_OR:
		return A | src;
	case BPF_AND:
		return A & src;
	case BPF_XOR:
		return A ^ src;
	case BPF_LSH:
	case BPF_RSH:
		if (src >= 32)
			break;
		return op == BPF_LSH ? A << src : A >> src;
	case BPF_NEG:
		return -A;
	}
	*ok = false;
	return 0;
}

uint32_t cordon_bpf_run(const uint8_t *bpf, size_t len, uint32_t arch, int nr,
			const uint64_t args[6])
{
	return cordon_bpf_run_steps(bpf, len, arch, nr, args, NULL);
}

uint32_t cordon_bpf_run_steps(const uint8_t *bpf, size_t len, uint32_t arch, int nr,
			      const uint64_t args[6], size_t *steps)
{
	size_t ran = 0;
	if (steps == NULL)
		steps = &ran;
	*steps = 0;
	struct seccomp_data d = {.nr = nr, .arch = arch};
	for (int i = 0; i < 6; i++)
		d.args[i] = args[i];
	size_t n = len / sizeof(struct sock_filter);
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	for (size_t pc = 0; pc < n; pc++) {
		struct sock_filter f;
		memcpy(&f, bpf + pc * sizeof f, sizeof f);
		++*steps;
		uint32_t src = BPF_SRC(f.code) == BPF_X ? X : f.k;
		bool ok = true;
		switch (BPF_CLASS(f.code)) {
		case BPF_LD:
		case BPF_LDX: {
			/* seccomp_data is in the host's byte order */
			uint32_t v = 0;
			uint16_t mode = BPF_MODE(f.code);
			if (f.code == (BPF_LD | BPF_W | BPF_ABS) && f.k % 4 == 0 &&
			    f.k <= sizeof d - 4)
				memcpy(&v, (const char *)&d + f.k, 4);
			else if (mode == BPF_IMM)
				v = f.k;
			else if (mode == BPF_MEM && f.k < BPF_MEMWORDS)
				v = M[f.k];
			else if (mode == BPF_LEN && BPF_SIZE(f.code) == BPF_W)
				v = sizeof d;
			else
				return CORDON_BPF_INVALID;
			if (BPF_CLASS(f.code) == BPF_LD)
				A = v;
			else
				X = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (f.k >= BPF_MEMWORDS)
				return CORDON_BPF_INVALID;
			M[f.k] = BPF_CLASS(f.code) == BPF_ST ? A : X;
			break;
		case BPF_ALU:
			A = alu(BPF_OP(f.code), A, src, &ok);
			if (!ok)
				return CORDON_BPF_INVALID;
			break;
		case BPF_JMP: {
			bool take;
			switch (BPF_OP(f.code)) {
			case BPF_JA:
				if (f.k >= n - pc - 1)
					return CORDON_BPF_INVALID;
				pc += f.k;
				continue;
			case BPF_JEQ:
				take = A == src;
				break;
			case BPF_JGT:
				take = A > src;
				break;
			case BPF_JGE:
				take = A >= src;
				break;
			case BPF_JSET:
				take = (A & src) != 0;
				break;
			default:
				return CORDON_BPF_INVALID;
			}
			pc += take ? f.jt : f.jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f.code) == BPF_A ? A : f.k;
		case BPF_MISC:
			if (BPF_MISCOP(f.code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		default:
			return CORDON_BPF_INVALID;
		}
	}
	return CORDON_BPF_INVALID; /* fell off the end */
}
