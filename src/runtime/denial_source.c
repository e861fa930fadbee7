#include "denial_source.h"
#include "denial_record.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

/* NLMSG_OK without its comparison of the header's unsigned length with an
 * int (clang's -Wsign-compare in the fuzz build): the same three checks. */
static bool nl_ok(const struct nlmsghdr *h, int left)
{
	return left >= (int)sizeof *h && h->nlmsg_len >= sizeof *h &&
	       h->nlmsg_len <= (unsigned)left;
}

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

int denial_kmsg_read(denial_record_fn fn, void *ctx, cordon_error **err)
{
	_cleanup_close_ int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cordon_err(err, errno, "open /dev/kmsg");
	char rec[8193];
	for (;;) {
		ssize_t n = read(fd, rec, sizeof rec - 1);
		if (n < 0) {
			if (errno == EAGAIN)
				return 0; /* the end of the buffer */
			if (errno == EPIPE || errno == EINTR || errno == EINVAL)
				continue; /* overwritten while read; too long */
			return cordon_err(err, errno, "read /dev/kmsg");
		}
		rec[n] = '\0';
		/* the dictionary lines after the message are not ours */
		char *nl = strchr(rec, '\n');
		if (nl)
			*nl = '\0';
		int type;
		const char *text;
		if (denial_kmsg_audit(rec, &type, &text))
			fn(ctx, type, text);
	}
}

static int audit_request(int fd, int type, const void *payload, size_t len,
			 struct audit_status *out)
{
	struct {
		struct nlmsghdr h;
		struct audit_status s;
	} req = {0};
	req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	req.h.nlmsg_type = (uint16_t)type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = (uint32_t)type;
	if (len)
		memcpy(&req.s, payload, len);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		return -errno;
	bool got_status = out == NULL, acked = false;
	for (int tries = 0; tries < 8 && !(got_status && acked); tries++) {
		char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t n = recv(fd, reply, sizeof reply, 0);
		if (n < 0)
			return -errno;
		/* a signed length: NLMSG_NEXT takes the aligned length off,
		 * which may pass the end of an unpadded last message */
		int left = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)reply; nl_ok(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error)
					return e->error;
				acked = true;
			} else if (h->nlmsg_type == AUDIT_GET && out) {
				memset(out, 0, sizeof *out);
				size_t l = h->nlmsg_len - NLMSG_HDRLEN;
				memcpy(out, NLMSG_DATA(h), l < sizeof *out ? l : sizeof *out);
				got_status = true;
			}
		}
	}
	return got_status ? 0 : -EIO;
}

static int audit_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = 2};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

bool denial_audit_enabled(void)
{
	_cleanup_close_ int fd = audit_socket();
	struct audit_status st;
	return fd >= 0 && audit_request(fd, AUDIT_GET, NULL, 0, &st) == 0 && st.enabled;
}

/* The calls whose refusals by the device cgroup (EPERM) and by the file
 * system view's placeholders (EACCES) are recorded while --follow runs:
 * x86_64 numbers (the rule names its architecture). */
static const int watched_calls[] = {2 /* open */,      85 /* creat */,	257 /* openat */,
				    437 /* openat2 */, 59 /* execve */, 322 /* execveat */};
static const int watched_errors[] = {EPERM, EACCES};

static int audit_rule(int fd, int type, int error)
{
	struct audit_rule_data *r = calloc(1, sizeof *r);
	if (r == NULL)
		return -ENOMEM;
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	for (size_t i = 0; i < sizeof watched_calls / sizeof *watched_calls; i++)
		r->mask[watched_calls[i] / 32] |= 1u << (watched_calls[i] % 32);
	r->fields[0] = AUDIT_ARCH;
	r->values[0] = AUDIT_ARCH_X86_64;
	r->fieldflags[0] = AUDIT_EQUAL;
	r->fields[1] = AUDIT_EXIT;
	r->values[1] = (uint32_t)-error;
	r->fieldflags[1] = AUDIT_EQUAL;
	r->field_count = 2;
	struct {
		struct nlmsghdr h;
		struct audit_rule_data r;
	} __attribute__((packed)) *req = NULL;
	size_t len = NLMSG_LENGTH(sizeof *r);
	req = calloc(1, NLMSG_SPACE(sizeof *r));
	if (req == NULL) {
		free(r);
		return -ENOMEM;
	}
	req->h.nlmsg_len = (uint32_t)len;
	req->h.nlmsg_type = (uint16_t)type;
	req->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req->h.nlmsg_seq = (uint32_t)type;
	memcpy(NLMSG_DATA(&req->h), r, sizeof *r);
	free(r);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n = sendto(fd, req, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	free(req);
	if (n < 0)
		return -errno;
	char reply[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (int tries = 0; tries < 8; tries++) {
		ssize_t got = recv(fd, reply, sizeof reply, 0);
		if (got < 0)
			return -errno;
		int left = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)reply; nl_ok(h, left);
		     h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	return -EIO;
}

/* Delete the rules added and turn audit back off if it was off. */
static int restore(denial_audit_session *a, cordon_error **err)
{
	int r = 0;
	for (size_t i = 0; a->ctl >= 0 && i < sizeof watched_errors / sizeof *watched_errors; i++)
		if (a->rules & (1u << i)) {
			int rr = audit_rule(a->ctl, AUDIT_DEL_RULE, watched_errors[i]);
			if (rr < 0 && r == 0) {
				r = rr;
				if (err)
					cordon_err(err, -rr, "delete the audit rule of --follow");
			}
		}
	a->rules = 0;
	if (!a->was_enabled && a->ctl >= 0) {
		struct audit_status set = {.mask = AUDIT_STATUS_ENABLED, .enabled = 0};
		int rr = audit_request(a->ctl, AUDIT_SET, &set, sizeof set, NULL);
		if (rr < 0 && r == 0) {
			r = rr;
			if (err)
				cordon_err(err, -rr, "turn audit back off");
		}
		a->was_enabled = true;
	}
	return r;
}

/* What --follow changed must not outlive it, even killed (SIGKILL runs no
 * handler): a child in a session of its own (out of reach of the
 * terminal's signals and of a kill of the process group) waits on a pipe
 * whose other end only the command holds. A byte: the command restored
 * audit itself. End of file without one: it died, and the child restores. */
static int start_guard(denial_audit_session *a, cordon_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cordon_err(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return cordon_err(err, e, "fork the audit guard");
	}
	if (pid == 0) {
		close(p[1]);
		close(a->fd); /* the records are the command's to read */
		a->fd = -1;
		(void)setsid();
		static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGPIPE};
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			(void)signal(sigs[i], SIG_IGN);
		/* no terminal, no pipe of the caller's kept open by the guard */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; null >= 0 && fd < 3; fd++)
			(void)dup2(null, fd);
		char c;
		ssize_t n;
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			(void)restore(a, NULL);
		_exit(0);
	}
	close(p[0]);
	a->guard = p[1];
	a->guard_pid = pid;
	return 0;
}

int denial_audit_open(denial_audit_session *a, bool turn_on, cordon_error **err)
{
	*a = (denial_audit_session){.fd = -1, .ctl = -1, .was_enabled = true, .guard = -1};
	a->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (a->fd < 0)
		return cordon_err(err, errno, "audit netlink socket");
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};
	if (bind(a->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(a->fd);
		a->fd = -1;
		return cordon_err(err, e, "join the audit log's multicast group");
	}
	/* a burst of records overflows the default buffer (ENOBUFS) */
	int size = 4 << 20;
	(void)setsockopt(a->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
	a->ctl = audit_socket();
	if (a->ctl < 0) {
		int e = -a->ctl;
		close(a->fd);
		return cordon_err(err, e, "audit netlink socket");
	}
	struct audit_status st;
	int r = audit_request(a->ctl, AUDIT_GET, NULL, 0, &st);
	if (r < 0) {
		cordon_err(err, -r, "audit status");
		denial_audit_close(a, NULL);
		return r;
	}
	if (st.enabled == 0 && turn_on) {
		struct audit_status set = {.mask = AUDIT_STATUS_ENABLED, .enabled = 1};
		r = audit_request(a->ctl, AUDIT_SET, &set, sizeof set, NULL);
		if (r < 0) {
			cordon_err(err, -r, "turn audit on");
			denial_audit_close(a, NULL);
			return r;
		}
		a->was_enabled = false;
	}
	/* a rule the admin has already (EEXIST) stays theirs */
	for (size_t i = 0; turn_on && i < sizeof watched_errors / sizeof *watched_errors; i++)
		if (audit_rule(a->ctl, AUDIT_ADD_RULE, watched_errors[i]) == 0)
			a->rules |= 1u << i;
	if (!a->was_enabled || a->rules) {
		r = start_guard(a, err);
		if (r < 0) {
			denial_audit_close(a, NULL);
			return r;
		}
	}
	return 0;
}

int denial_audit_read(denial_audit_session *a, denial_record_fn fn, void *ctx, cordon_error **err)
{
	static char msg[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n = recv(a->fd, msg, sizeof msg - 1, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
			return 0; /* ENOBUFS: records dropped; go on with the next */
		return cordon_err(err, errno, "read the audit log");
	}
	/* audit's records are not padded to NLMSG_ALIGNTO: a signed length,
	 * which NLMSG_NEXT may take below zero at the last one */
	int left = (int)n;
	for (struct nlmsghdr *h = (struct nlmsghdr *)msg; nl_ok(h, left); h = NLMSG_NEXT(h, left)) {
		size_t l = h->nlmsg_len - NLMSG_HDRLEN;
		_cleanup_free_ char *text = xstrndup(NLMSG_DATA(h), l);
		fn(ctx, h->nlmsg_type, text);
	}
	return 0;
}

int denial_audit_close(denial_audit_session *a, cordon_error **err)
{
	int r = restore(a, err);
	if (a->guard >= 0) {
		/* restored (or tried): the guard has nothing to do */
		ssize_t n;
		do
			n = write(a->guard, "1", 1);
		while (n < 0 && errno == EINTR);
		close(a->guard);
		while (waitpid(a->guard_pid, NULL, 0) < 0 && errno == EINTR)
			;
		a->guard = -1;
	}
	if (a->fd >= 0)
		close(a->fd);
	if (a->ctl >= 0)
		close(a->ctl);
	a->fd = a->ctl = -1;
	return r;
}
