/* probe operations on SysV IPC (shared memory). KEY is a number (decimal or
 * 0x...). (The output convention is at the top of probe.c.)
 *
 *   sysv-shm-create KEY    shmget(KEY, 4096, IPC_CREAT|IPC_EXCL|0600); OK <id>
 *   sysv-shm-read KEY      shmget(KEY, 0, 0), attach, OK <text at offset 0>
 *   sysv-shm-write KEY TEXT  shmget(KEY, 0, 0), attach, write TEXT at offset 0
 *   sysv-shm-remove KEY    IPC_RMID
 *   unix-dgram-send PATH   sendto() one datagram to a path-name socket (the
 *                          way to journald or syslog, no connect())
 * Services (socket activation, sd_notify)
 *   listening FD           OK yes|no: FD is a socket with SO_ACCEPTCONN set
 *   accept FD TEXT         accept one connection on FD (10 s at most), write
 *                          TEXT to it; OK
 *   sd-notify TEXT         sendto() TEXT to $NOTIFY_SOCKET (a path, or '@'
 *                          for an abstract name) as sd_notify(3) does;
 *                          ENOENT when the variable is unset
 */
#include "probe.h"

#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int op_shm_create(char **a)
{
	int id = shmget((key_t)parse_num(a[0], 0), 4096, IPC_CREAT | IPC_EXCL | 0600);
	return id < 0 ? fail("shmget") : ok("%d", id);
}

static int op_shm_read(char **a)
{
	int id = shmget((key_t)parse_num(a[0], 0), 0, 0);
	if (id < 0)
		return fail("shmget");
	char *p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1)
		return fail("shmat");
	char text[64];
	snprintf(text, sizeof text, "%.63s", p);
	shmdt(p);
	return ok("%s", text);
}

static int op_shm_write(char **a)
{
	int id = shmget((key_t)parse_num(a[0], 0), 0, 0);
	if (id < 0)
		return fail("shmget");
	char *p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return fail("shmat");
	snprintf(p, 64, "%s", a[1]);
	shmdt(p);
	return ok(NULL);
}

static int op_shm_remove(char **a)
{
	int id = shmget((key_t)parse_num(a[0], 0), 0, 0);
	if (id < 0)
		return fail("shmget");
	return shmctl(id, IPC_RMID, NULL) < 0 ? fail("shmctl") : ok(NULL);
}

static int op_unix_dgram_send(char **a)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(a[0]) >= sizeof sun.sun_path)
		usage_error("unix-dgram-send: path too long");
	strcpy(sun.sun_path, a[0]);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	ssize_t n = sendto(fd, "x", 1, 0, (struct sockaddr *)&sun, sizeof sun);
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? fail("sendto") : ok(NULL);
}

static int op_listening(char **a)
{
	int on = 0;
	socklen_t len = sizeof on;
	if (getsockopt((int)parse_num(a[0], 10), SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0)
		return fail("getsockopt");
	return ok("%s", on ? "yes" : "no");
}

static int op_accept(char **a)
{
	int fd = (int)parse_num(a[0], 10);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, 10000);
	if (n <= 0) {
		if (n == 0)
			errno = ETIMEDOUT;
		return fail("poll");
	}
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return fail("accept");
	ssize_t w = write(c, a[1], strlen(a[1]));
	int e = errno;
	close(c);
	errno = e;
	return w < 0 ? fail("write") : ok(NULL);
}

static int op_sd_notify(char **a)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL) {
		errno = ENOENT;
		return fail("NOTIFY_SOCKET");
	}
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof sun.sun_path)
		usage_error("sd-notify: bad NOTIFY_SOCKET");
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@'));
	ssize_t r = sendto(fd, a[0], strlen(a[0]), 0, (struct sockaddr *)&sun, len);
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? fail("sendto") : ok(NULL);
}

const struct probe_op probe_ops_ipc[] = {
    {"listening", 1, 1, op_listening},
    {"accept", 2, 2, op_accept},
    {"sd-notify", 1, 1, op_sd_notify},
    {"unix-dgram-send", 1, 1, op_unix_dgram_send},
    {"sysv-shm-create", 1, 1, op_shm_create},
    {"sysv-shm-read", 1, 1, op_shm_read},
    {"sysv-shm-write", 2, 2, op_shm_write},
    {"sysv-shm-remove", 1, 1, op_shm_remove},
    {NULL, 0, 0, NULL},
};
