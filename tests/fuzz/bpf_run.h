/* A classic BPF interpreter for seccomp programs, enough for what libseccomp
 * emits (and what cordon's linker adds: BPF_JA). The fuzzers run compiled
 * filters with it to compare their answer with the rules' meaning, and the
 * compiler's unit test (tests/seccomp/test_seccomp_compile.c) runs its cases. */
#pragma once
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What the program returns for the call; BPF_RUN_INVALID when it leaves the
 * program, reads outside seccomp_data or uses an instruction the kernel's
 * seccomp checker would refuse. */
#define BPF_RUN_INVALID 0xdeadu

static inline uint32_t bpf_run(const uint8_t *bpf, size_t len, uint32_t arch, int nr,
			       const uint64_t args[6])
{
	struct seccomp_data d = {.nr = nr, .arch = arch};
	for (int i = 0; i < 6; i++)
		d.args[i] = args[i];
	const struct sock_filter *prog = (const struct sock_filter *)bpf;
	size_t n = len / sizeof *prog;
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? X : f->k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS && BPF_SIZE(f->code) == BPF_W &&
			    f->k % 4 == 0 && f->k + 4 <= sizeof d)
				memcpy(&A, (const char *)&d + f->k, 4);
			else if (BPF_MODE(f->code) == BPF_IMM)
				A = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
				A = M[f->k];
			else
				return BPF_RUN_INVALID;
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
				X = M[f->k];
			else if (BPF_MODE(f->code) == BPF_IMM)
				X = f->k;
			else
				return BPF_RUN_INVALID;
			break;
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return BPF_RUN_INVALID;
			M[f->k] = BPF_CLASS(f->code) == BPF_ST ? A : X;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_AND:
				A &= src;
				break;
			case BPF_OR:
				A |= src;
				break;
			case BPF_XOR:
				A ^= src;
				break;
			case BPF_ADD:
				A += src;
				break;
			case BPF_SUB:
				A -= src;
				break;
			case BPF_RSH:
				if (src >= 32)
					return BPF_RUN_INVALID;
				A >>= src;
				break;
			case BPF_LSH:
				if (src >= 32)
					return BPF_RUN_INVALID;
				A <<= src;
				break;
			case BPF_NEG:
				A = -A;
				break;
			default:
				return BPF_RUN_INVALID;
			}
			break;
		case BPF_JMP: {
			bool t;
			if (BPF_OP(f->code) == BPF_JA) {
				if (f->k >= n - pc - 1)
					return BPF_RUN_INVALID;
				pc += f->k;
				continue;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ:
				t = A == src;
				break;
			case BPF_JGT:
				t = A > src;
				break;
			case BPF_JGE:
				t = A >= src;
				break;
			case BPF_JSET:
				t = (A & src) != 0;
				break;
			default:
				return BPF_RUN_INVALID;
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_K ? f->k : A;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		default:
			return BPF_RUN_INVALID;
		}
	}
	return BPF_RUN_INVALID; /* fell off the end */
}
