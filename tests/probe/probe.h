/* The probe's parts (see the CLI description at the top of probe.c). */
#pragma once
#include <errno.h>
#include <stdbool.h>

/* One operation: `probe NAME ARGS...`. Each table ends with {NULL}. */
struct probe_op {
	const char *name;
	int min, max; /* argument counts; max -1 = any */
	int (*fn)(char **args);
};
/* Tables of the areas, each in its own file (documented at its top). */
extern const struct probe_op probe_ops_meta[]; /* probe_meta.c: file metadata, xattrs, times */
extern const struct probe_op probe_ops_pid[];  /* probe_pid.c: calls that take a pid */
extern const struct probe_op probe_ops_tty[];  /* probe_tty.c: terminals and sessions */
extern const struct probe_op probe_ops_ipc[];  /* probe_ipc.c: SysV IPC */
extern const struct probe_op probe_ops_ids[];  /* probe_ids.c: changing uids and gids */

/* output: one result line (see probe.c) */
int ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail(const char *step); /* prints the name of errno; returns 0 */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

long long parse_num(const char *s, int base);
unsigned long parse_mode(const char *s);

/* probe_sys.c: names, sockets, ptrace, raw syscalls, foreign ABIs, ttys */
const char *errno_name(int e);
int parse_signal(const char *s);
unsigned long parse_ns_flags(const char *s);

int op_socket(char **a);
int op_tcp_connect(char **a);
int op_tcp_bind(char **a);
int op_udp_send(char **a);
int op_udp_bind(char **a);
int op_unix_bind(char **a);
int op_unix_connect(char **a);
int op_abstract_bind(char **a);
int op_abstract_connect(char **a);
int op_ptrace(char **a);
int op_syscall(char **a);
int op_i386_getpid(char **a);
int op_x32_getpid(char **a);
int op_openpty(char **a);
int op_tiocsti(char **a);
int op_tioclinux(char **a);

/* probe.c: `id`, what the ids are now (args unused) */
int op_id(char **a);
