/* Loading a compiled seccomp filter at launch: raw classic BPF produced at
 * install time by seccomp_compile.h. Part of the runtime library: no
 * libseccomp, nothing to parse, one syscall. */
#pragma once
#include "error.h"

#include <stddef.h>
#include <stdint.h>

/* Install `bpf` (struct sock_filter[], `len` bytes) on the calling thread with
 * SECCOMP_FILTER_FLAG_LOG, so that every denial reaches the kernel log even
 * without auditd. Sets no_new_privs first if it is not set yet (the kernel
 * requires it for an unprivileged caller; cordon wants it anyway). The filter
 * applies to this thread only: call it before any other thread exists. */
int cordon_seccomp_load(const uint8_t *bpf, size_t len, cordon_error **err);
