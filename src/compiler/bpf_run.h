/* A classic-BPF interpreter for seccomp programs: what the kernel would
 * answer for one call. Pure. `cordon run --learn` runs a label's compiled
 * program with it (learn_match.h); the compiler's tests and fuzz_seccomp
 * compare its answers with what the rules say. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* What run returns when the program leaves its end, reads outside
 * seccomp_data, divides by zero or uses an instruction the kernel's seccomp
 * checker refuses. */
#define CORDON_BPF_INVALID 0xdeadu

/* The program's return value (SECCOMP_RET_*) for syscall nr of arch with
 * args, or CORDON_BPF_INVALID. bpf: struct sock_filter[], host order. */
uint32_t cordon_bpf_run(const uint8_t *bpf, size_t len, uint32_t arch, int nr,
			const uint64_t args[6]);

/* The same, and the number of instructions it ran in *steps (what the
 * kernel's action cache costs to build is that, for every syscall number). */
uint32_t cordon_bpf_run_steps(const uint8_t *bpf, size_t len, uint32_t arch, int nr,
			      const uint64_t args[6], size_t *steps);
