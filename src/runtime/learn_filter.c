#include "learn_filter.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int cordon_learn_hold(cordon_error **err)
{
	struct stat st;
	if (fstat(CORDON_LEARN_FD, &st) < 0)
		return cordon_err(err, errno, "--learn: fd %d", CORDON_LEARN_FD);
	if (!S_ISSOCK(st.st_mode))
		return cordon_err_msg(err, EBADF, "--learn: fd %d is not a socket",
				      CORDON_LEARN_FD);
	int flags = fcntl(CORDON_LEARN_FD, F_GETFD);
	if (flags < 0 || fcntl(CORDON_LEARN_FD, F_SETFD, flags | FD_CLOEXEC) < 0)
		return cordon_err(err, errno, "make fd %d close-on-exec", CORDON_LEARN_FD);
	return 0;
}

#if defined(__x86_64__)
static const int watched[] = {
    SYS_open,	   SYS_openat,	SYS_openat2, SYS_creat,	   SYS_execve, SYS_execveat,
    SYS_mkdir,	   SYS_mkdirat, SYS_unlink,  SYS_unlinkat, SYS_rename, SYS_renameat,
    SYS_renameat2, SYS_socket,	SYS_connect, SYS_bind,
};

#define N_WATCHED (sizeof watched / sizeof watched[0])

static int send_fd(int sock, int fd, cordon_error **err)
{
	char byte = 'L';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return cordon_err(err, n < 0 ? errno : EPIPE, "send the learn listener");
	return 0;
}

int cordon_learn_install(int fd, cordon_error **err)
{
	/* arch check, nr load, one JEQ per watched call, ALLOW, NOTIF */
	struct sock_filter f[4 + N_WATCHED + 2];
	size_t i = 0;
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	/* another ABI: allowed, not seen (jump to ALLOW) */
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, N_WATCHED + 1, 0, 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	/* the x32 ABI (bit 30) is not in the list: allowed, as another ABI */
	for (size_t w = 0; w < N_WATCHED; w++)
		f[i++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)watched[w],
						 (unsigned char)(N_WATCHED - w), 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	struct sock_fprog prog = {.len = (unsigned short)i, .filter = f};
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		return cordon_err(err, errno, "load the learn filter");
	int r = send_fd(fd, listener, err);
	close(listener);
	close(fd);
	return r;
}
#else
int cordon_learn_install(int fd, cordon_error **err)
{
	close(fd);
	return cordon_err_msg(err, ENOSYS, "--learn: x86-64 only");
}
#endif
