/*
 * Ops of the exec/terminal/hook work (opcodes 31-39): a pseudo-terminal made in
 * the container's devpts, and hooks run inside the container's namespaces.
 */
#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "init.h"

static char *hook_state; /* the state JSON runt sent for the hooks that follow */

/* Sends msg with fd attached (SCM_RIGHTS) on the sync socket. */
static void send_fd(const char *msg, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof cbuf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (sendmsg(syncfd, &mh, MSG_NOSIGNAL) < 0)
		fail("send pty master");
}

/*
 * pty rows cols uid console: opens the container's /dev/ptmx, makes the slave
 * stdio and the controlling terminal (setsid must have run), and hands the
 * master to runt. With console, the slave is bound onto /dev/console too.
 */
void op_pty(const struct op *o)
{
	int master = in_root("/dev/ptmx", O_RDWR | O_NOCTTY);
	int unlock = 0;

	if (master < 0)
		fail("open /dev/ptmx in root");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail("unlockpt");
	/* TIOCGPTPEER: the slave of this very master, without a path lookup. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail("open pty slave");
	struct winsize ws = {.ws_row = o->n[0], .ws_col = o->n[1]};
	if ((ws.ws_row || ws.ws_col) && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		fail("set console size");
	if (fchown(slave, o->n[2], (gid_t)-1) < 0)
		fail("chown pty slave");
	if (o->n[3]) {
		/* O_NOFOLLOW: an image's /dev/console symlink must not steer the bind
		 * onto another file of the container (CVE-2025-52565). */
		int fd = in_root("/dev/console", O_PATH | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT) {
			int dev = in_root("/dev", O_PATH | O_DIRECTORY);
			int f = dev < 0 ? -1 : openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
			if (f >= 0)
				close(f);
			if (dev >= 0)
				close(dev);
			fd = in_root("/dev/console", O_PATH | O_NOFOLLOW);
		}
		if (fd < 0)
			fail("open /dev/console in root");
		struct stat st;
		if (fstat(fd, &st) < 0)
			fail("stat /dev/console in root");
		if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
			errno = EINVAL;
			fail("/dev/console in root is neither a file nor a device");
		}
		if (mount(fdpath(slave), fdpath(fd), NULL, MS_BIND, NULL) < 0)
			fail("bind pty onto /dev/console");
		close(fd);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			fail("dup2 pty slave to %d", i);
	close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		fail("TIOCSCTTY");
	send_fd("pty", master);
	close(master);
}

/* hookState status: asks runt for the container's state, for the hooks that follow. */
void op_hookstate(const struct op *o)
{
	char msg[64], *buf = malloc(65536);

	if (!buf)
		fail("malloc state");
	snprintf(msg, sizeof msg, "state %s", o->s[0]);
	if (send(syncfd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		_exit(1);
	ssize_t n = recv(syncfd, buf, 65535, 0);
	if (n <= 0)
		_exit(1); /* runt died: nobody to report to */
	buf[n] = 0;
	free(hook_state);
	hook_state = buf;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* How much of a hook's output a failure carries: its last bytes, as runt's own hooks
 * (src/container/hooks.ts HOOK_OUTPUT_MAX) and docs/plan-format.md say. */
#define HOOK_OUTPUT_MAX 2048

/* The output in ring (total bytes written, the last HOOK_OUTPUT_MAX kept) as the tail
 * of an error: "; output: " and the kept bytes without surrounding whitespace, led by
 * "..." when earlier bytes were dropped; "" when there is nothing to show. */
static const char *hook_output(const char *ring, size_t total)
{
	static char out[HOOK_OUTPUT_MAX + 16];
	size_t len = total < HOOK_OUTPUT_MAX ? total : HOOK_OUTPUT_MAX;
	size_t start = total < HOOK_OUTPUT_MAX ? 0 : total % HOOK_OUTPUT_MAX;
	char text[HOOK_OUTPUT_MAX];

	for (size_t i = 0; i < len; i++)
		text[i] = ring[(start + i) % HOOK_OUTPUT_MAX];
	size_t a = 0, b = len;
	while (a < b && isspace((unsigned char)text[a]))
		a++;
	while (b > a && isspace((unsigned char)text[b - 1]))
		b--;
	if (a == b)
		return "";
	snprintf(out, sizeof out, "; output: %s%.*s", total > HOOK_OUTPUT_MAX ? "..." : "",
		 (int)(b - a), text + a);
	return out;
}

/*
 * hook timeout argc path args... env...: runs one hook with the state on stdin
 * and waits for it, at most timeout seconds (0: no limit). A failure names the
 * hook and carries the last HOOK_OUTPUT_MAX bytes it wrote to stdout and stderr
 * (one pipe, so in the order written); all of it is read, so it never blocks.
 */
void op_hook(const struct op *o)
{
	const char *path = o->s[2];
	uint32_t argc = o->n[1];
	int in[2], out[2];
	char ring[HOOK_OUTPUT_MAX];
	size_t total = 0;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		fail("pipe2 for hook %s", path);
	pid_t pid = fork();
	if (pid < 0)
		fail("fork hook %s", path);
	if (pid == 0) {
		char **argv = calloc(argc + 1, sizeof *argv);
		if (!argv || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		memcpy(argv, o->s + 3, argc * sizeof *argv);
		syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
		signal(SIGPIPE, SIG_DFL);
		umask(022);
		execve(path, argv, o->s + 3 + argc);
		dprintf(2, "execve %s: %s", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	const char *state = hook_state ? hook_state : "{}";
	/* A hook that ignores stdin must not block us: write what fits, then close. */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (write(in[1], state, strlen(state)) < 0) {
		/* EPIPE or EAGAIN: the hook does not read it all; not an error */
	}
	close(in[1]);
	long long deadline = o->n[0] ? now_ms() + (long long)o->n[0] * 1000 : 0;
	int timed_out = 0;
	for (;;) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		int wait = deadline ? (int)(deadline - now_ms()) : -1;
		if (deadline && wait <= 0) {
			timed_out = 1;
			break;
		}
		int r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char buf[512];
		ssize_t n = read(out[0], buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			ring[total++ % HOOK_OUTPUT_MAX] = buf[i];
	}
	close(out[0]);
	int status;
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		errno = ETIMEDOUT;
		fail("hook %s did not finish within %llus and was killed%s", path,
		     (unsigned long long)o->n[0], hook_output(ring, total));
	}
	/* Output ended: the hook exited or closed its stdout; a hook that keeps running
	 * after closing it still runs into the deadline. */
	while (waitpid(pid, &status, deadline ? WNOHANG : 0) == 0) {
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			errno = ETIMEDOUT;
			fail("hook %s did not finish within %llus and was killed%s", path,
			     (unsigned long long)o->n[0], hook_output(ring, total));
		}
		usleep(2000);
	}
	errno = ECANCELED; /* after `ready` the text goes to stderr with strerror: "Operation canceled" */
	if (WIFSIGNALED(status)) {
		/* Named as Go names it for runc ("bad system call"): a hook under seccomp. */
		char sig[64];
		snprintf(sig, sizeof sig, "%s", strsignal(WTERMSIG(status)));
		sig[0] = tolower((unsigned char)sig[0]);
		fail("error running hook %s: it was killed by signal %d (%s)%s", path, WTERMSIG(status),
		     sig, hook_output(ring, total));
	}
	if (WEXITSTATUS(status))
		fail("hook %s exited with status %d%s", path, WEXITSTATUS(status), hook_output(ring, total));
}
