/* `cordon run --learn`: what the launcher applies instead of seccomp's and
 * Landlock's denials. A seccomp filter answers SECCOMP_RET_USER_NOTIF for
 * the calls that reach files and the network (open, openat, openat2, creat,
 * execve, execveat, mkdir(at), unlink(at), rename(at/at2), socket, connect,
 * bind) and allows everything else; its listener fd goes to the caller
 * (`cordon run`, unprivileged) over the learn socket (fd 3), which records
 * each call and lets it go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE). The
 * process is the caller's own by then (ids dropped, no capability,
 * no_new_privs): supervising it gives the caller nothing they could not do
 * to their own processes. x86-64 calls only: any other ABI is allowed and
 * not seen. */
#pragma once
#include "error.h"

#define CORDON_LEARN_FD 3

/* Front end: fd CORDON_LEARN_FD must be a socket; made close-on-exec. */
int cordon_learn_hold(cordon_error **err);

/* After the drop and no_new_privs, as the last step before the exec:
 * install the filter, send its listener over fd, close both. From here on
 * every notified call (the app's execve first) waits for the caller. */
int cordon_learn_install(int fd, cordon_error **err);
