/* libseccomp's binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2), used only where it
 * can be checked. A syscall allowed whatever its arguments and never denied
 * (most of every allowlist) is decided by a first layer of the program that
 * reads the syscall number and the architecture and nothing else. For such a
 * layer the tree is proved to answer exactly as libseccomp's default layout
 * (one comparison per syscall, in order) before it is used: both programs are
 * run (bpf_run.h) at every point where either could change its answer.
 *
 * Why bother: the kernel builds its action cache by running the filter once
 * for every syscall number of every architecture at load, at every launch.
 * With a chain of ~300 comparisons that was half of loading the default
 * template (0.3 ms a launch here); a tree needs ~9 per number.
 *
 * Why check: in libseccomp 2.5.4 the tree lets one syscall's argument checks
 * fall through to another's allow (seccomp_compile.c, new_filter). A layer
 * without argument checks has none to fall through, and the check below
 * stands between any other bug and the launcher. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Do the classic BPF programs a and b (struct sock_filter[], host order)
 * return the same for every syscall number and architecture, whatever the
 * arguments? false as well when either reads anything else, computes, tests
 * bits or jumps backwards: then nothing is proved. Exact: a program made of
 * comparisons of one variable with constants answers the same inside every
 * cell of the grid those constants cut the two variables into, and one point
 * of every cell is run. Pure; exposed for tests. */
bool cordon_seccomp_same_decisions(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
