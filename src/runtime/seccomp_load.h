/* Loading a compiled seccomp filter at launch: raw classic BPF produced at
 * install time by seccomp_compile.h. Part of the runtime library: no
 * libseccomp, nothing to parse, one syscall. */
#pragma once
#include "error.h"

#include <stddef.h>
#include <stdint.h>

/* `SELF` in a rule ("the pid of the process the launcher execs", see
 * seccomp_compile.h) is known only at launch. The compiler writes it as this
 * value in the `k` of `BPF_JMP|BPF_JEQ|BPF_K` comparisons of an argument's
 * low 32 bits (the high 32 bits are compared with 0) and refuses rule text
 * that would put the value anywhere else, so the loader can replace exactly
 * those comparisons. Not a pid (pid_max is at most 2^22): a filter loaded
 * without the replacement only lets through calls that name no process. Not
 * an architecture token, syscall number or return value libseccomp emits
 * either. The replacement keeps the program's shape: every path to ALLOW
 * still passes all comparisons of one rule, now with the pid, so it can only
 * refuse more than the rules say (should the pid equal a number another rule
 * compares the same argument with, libseccomp's tree may not look twice),
 * never allow more. */
#define CORDON_SECCOMP_SELF_MARKER 0x5e1fc0deu

/* Install `bpf` (struct sock_filter[], `len` bytes) on the calling thread with
 * SECCOMP_FILTER_FLAG_LOG, so that every denial reaches the kernel log even
 * without auditd. Sets no_new_privs first if it is not set yet (the kernel
 * requires it for an unprivileged caller; cordon wants it anyway). The filter
 * applies to this thread only: call it before any other thread exists.
 * SELF comparisons are given getpid(): call it in the process that will exec
 * the app (its pid survives the exec). A filter without them is loaded as it
 * is; `bpf` itself is never written. */
int cordon_seccomp_load(const uint8_t *bpf, size_t len, cordon_error **err);

/* Replace the value of every SELF comparison in `bpf` with `pid`, in place;
 * returns how many instructions changed (0: the program is untouched). Pure:
 * the loader's step, exposed for tests. */
size_t cordon_seccomp_patch_self(uint8_t *bpf, size_t len, uint32_t pid);
