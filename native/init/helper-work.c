/*
 * What the bind-source helper (fs.c) does besides opening bind sources: the work of
 * the plan's idmapMount and netDevice ops that needs the host's credentials. The
 * helper is a fork of the init, so it reads those ops from the plan itself; it sends
 * one result per op (errno, the step that failed, an fd), and each op takes its own
 * when its turn comes, so a failure names the op's part of config.json.
 */
#include <sys/socket.h>

#include "init.h"

struct result {
	int code, step, fd;
};

static struct result *results; /* per op index; code -1: none was received */

static int needs_helper(uint32_t code)
{
	return code == OP_IDMAPMOUNT || code == OP_NETDEVICE;
}

static int send_result(int sock, int code, int step, int fd)
{
	int body[2] = {code, step};
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = body, .iov_len = sizeof body};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		memset(ctl, 0, sizeof ctl);
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof ctl;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* In the helper, after the bind sources: joined is 0 if it is in the container's mount namespace. */
void helper_work(int sock, pid_t init, int joined)
{
	for (uint32_t i = 0; i < nops; i++) {
		const struct op *o = &ops[i];
		int step = 0, fd = -1, code = 0;

		if (!needs_helper(o->code))
			continue;
		if (joined < 0)
			code = EPERM;
		else if ((o->code == OP_IDMAPMOUNT ? (fd = idmap_make(o, &step))
						   : netdev_move(o, init, &step)) < 0)
			code = errno ? errno : EIO;
		if (send_result(sock, code, step, fd) < 0)
			_exit(1);
		if (fd >= 0)
			close(fd);
	}
}

/* In the init, after the bind sources came: one result per op that needs them. */
void helper_receive(int sock)
{
	results = calloc(nops + 1, sizeof *results);
	if (!results)
		fail("malloc helper results");
	for (uint32_t i = 0; i < nops; i++) {
		int body[2];
		char ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {.iov_base = body, .iov_len = sizeof body};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof ctl};

		results[i] = (struct result){-1, 0, -1};
		if (!needs_helper(ops[i].code))
			continue;
		errno = 0;
		if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof body) {
			errno = errno ? errno : EPIPE;
			fail("receive the privileged helper's result for op %u", i);
		}
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		results[i] = (struct result){body[0], body[1], -1};
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(&results[i].fd, CMSG_DATA(c), sizeof(int));
	}
}

/*
 * The running op's result: its fd (0 when it made none), or -1 with errno and *step
 * (0: the helper could not join the container) when it failed.
 */
int helper_result(int *step)
{
	struct result *r = results ? &results[cur_op] : NULL;

	*step = 0;
	if (!r || r->code < 0) {
		errno = EINVAL;
		return -1; /* a plan without bindSources/recvSources before this op */
	}
	if (r->code) {
		errno = r->code;
		*step = r->step;
		return -1;
	}
	return r->fd >= 0 ? r->fd : 0;
}
