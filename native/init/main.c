/*
 * runt-init <syncfd> <planfd>: start-up, the op loop, the messages to runt,
 * and the ops that are one syscall each. Policy lives in runt; this only
 * executes the plan and says exactly which step failed.
 */
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "init.h"

int cur_op = -1;
int syncfd = -1, rootfd = -1;
static int ready_sent;

const char *fdpath(int fd)
{
	/* Two slots, so a bind can name its source and target fds in one call. */
	static char buf[2][32];
	static int next;

	next ^= 1;
	snprintf(buf[next], sizeof buf[next], "/proc/self/fd/%d", fd);
	return buf[next];
}

static __attribute__((format(printf, 1, 2))) void send_msg(const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof msg)
		len = sizeof msg - 1;
	/* MSG_NOSIGNAL: a runt that went away must not kill us with SIGPIPE. */
	if (send(syncfd, msg, len, MSG_NOSIGNAL) < 0 && !ready_sent)
		_exit(1);
}

void sent_ready(void)
{
	/* Until now a dying runt takes the half-made container with it; from here on the
	 * container outlives `runt create`, and a crash of runt is cleaned by delete. */
	prctl(PR_SET_PDEATHSIG, 0);
	send_msg("ready");
	ready_sent = 1;
}

void vfail(const char *fmt, va_list ap)
{
	int err = errno ? errno : EINVAL;
	char text[4096];

	vsnprintf(text, sizeof text, fmt, ap);
	send_msg("error %d %d %s", cur_op, err, text);
	/* After `ready`, runt may no longer be listening: tell the container's stderr too. */
	if (ready_sent)
		dprintf(2, "runt-init: %s: %s\n", text, strerror(err));
	_exit(1);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap);
}

static void op_setns(const struct op *o)
{
	int fd = open(o->s[0], O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail("open %s", o->s[0]);
	if (setns(fd, (int)o->n[1]) < 0)
		fail("setns %s", o->s[0]);
	close(fd);
}

static void op_unshare(const struct op *o)
{
	if (unshare((int)o->n[0]) < 0)
		fail("unshare 0x%llx", (unsigned long long)o->n[0]);
}

static void op_sync(const struct op *o)
{
	char buf[16];

	send_msg("sync %s", o->s[0]);
	/* No signal handlers are installed, so nothing here ever sees EINTR. */
	if (recv(syncfd, buf, sizeof buf, 0) != 3 || memcmp(buf, "ack", 3))
		_exit(1); /* runt died or lost track: nobody to report to */
}

static void op_write(const struct op *o)
{
	const char *path = o->s[0], *where = o->n[2] ? " in root" : "";
	int proc = !strncmp(path, "/proc/", 6);
	int fd = o->n[2] ? (proc ? proc_open_in_root(path, O_WRONLY) : in_root(path, O_WRONLY))
			 : open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		fail("open %s%s", path, where);
	/* sysctls, oom_score_adj, timens offsets: only ever into a real procfs. */
	if (proc)
		proc_fd_check(fd, path);
	/* One write: proc and sysfs files take their value from a single write. */
	size_t len = strlen(o->s[1]);
	errno = EIO; /* what a short write reports */
	if (write(fd, o->s[1], len) != (ssize_t)len)
		fail("write %s%s", path, where);
	close(fd);
}

static void op_fork(const struct op *o)
{
	int gate[2];
	char c;

	(void)o;
	if (pipe2(gate, O_CLOEXEC) < 0)
		fail("pipe2");
	/* CLONE_PARENT: the container's PID 1 is runt's child, not ours. */
	pid_t pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail("clone");
	if (pid > 0) {
		send_msg("pid %d", pid);
		_exit(0);
	}
	/* runt must read `pid` before anything the child says: wait for the parent to be gone. */
	close(gate[1]);
	if (read(gate[0], &c, 1) < 0)
		fail("read fork gate");
	close(gate[0]);
	/* The parent-death signal is not inherited; runt is the parent now. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void op_setsid(const struct op *o)
{
	(void)o;
	if (setsid() < 0)
		fail("setsid");
}

static void op_uts(const struct op *o)
{
	int host = o->code == OP_HOSTNAME;

	if ((host ? sethostname : setdomainname)(o->s[0], strlen(o->s[0])) < 0)
		fail("%s %s", host ? "sethostname" : "setdomainname", o->s[0]);
}

/* A fresh session keyring, so the container cannot reach the caller's keys. */
static void op_keyring(const struct op *o)
{
	/* Kernels without keyrings have nothing to leak. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, o->s[0]) < 0 && errno != ENOSYS)
		fail("keyctl join session keyring %s", o->s[0]);
}

const struct opdef opdefs[OP_MAX + 1] = {
	[OP_SETNS] = {"setns", "si", op_setns},
	[OP_UNSHARE] = {"unshare", "i", op_unshare},
	[OP_SYNC] = {"sync", "s", op_sync},
	[OP_WRITE] = {"write", "ssb", op_write},
	[OP_FORK] = {"fork", "", op_fork},
	[OP_SETSID] = {"setsid", "", op_setsid},
	[OP_OPENROOT] = {"openRoot", "s", op_openroot},
	[OP_MOUNT] = {"mount", "sssnskb", op_mount},
	[OP_SETATTR] = {"setattr", "sbnnn", op_setattr},
	[OP_MKDIR] = {"mkdir", "si", op_mkdir},
	[OP_MKNOD] = {"mknod", "siiiii", op_mknode},
	[OP_SYMLINK] = {"symlink", "ss", op_mknode},
	[OP_PIVOTROOT] = {"pivotRoot", "", op_enterroot},
	[OP_CHROOT] = {"chroot", "", op_enterroot},
	[OP_MASK] = {"mask", "s", op_mask},
	[OP_READONLY] = {"readonly", "s", op_readonly},
	[OP_READONLYROOT] = {"readonlyRoot", "", op_readonlyroot},
	[OP_HOSTNAME] = {"hostname", "s", op_uts},
	[OP_DOMAINNAME] = {"domainname", "s", op_uts},
	[OP_RLIMIT] = {"rlimit", "inn", op_rlimit},
	[OP_CHDIR] = {"chdir", "s", op_chdir},
	[OP_UMASK] = {"umask", "i", op_umask},
	[OP_CAPBOUNDING] = {"capBounding", "n", op_capbounding},
	[OP_USER] = {"user", "ii*i", op_user},
	[OP_CAPS] = {"caps", "nnnn", op_caps},
	[OP_NONEWPRIVS] = {"noNewPrivs", "", op_nonewprivs},
	[OP_OPENFIFO] = {"openFifo", "s", op_openfifo},
	[OP_WAIT] = {"wait", "", op_wait},
	[OP_EXEC] = {"exec", "ii*s", op_exec},
	[OP_KEYRING] = {"keyring", "s", op_keyring},
	[OP_SECCOMP] = {"seccomp", "nbbs", op_seccomp},
	[OP_LSMLABEL] = {"lsmLabel", "sss", op_lsmlabel},
	[OP_PTY] = {"pty", "iiib", op_pty},
	[OP_HOOKSTATE] = {"hookState", "s", op_hookstate},
	[OP_HOOK] = {"hook", "ii*s", op_hook},
	[OP_CHROOTCLONE] = {"chrootClone", "s", op_chrootclone},
	[OP_BINDSOURCES] = {"bindSources", "*s", op_bindsources},
	[OP_RECVSOURCES] = {"recvSources", "", op_recvsources},
	[OP_IDMAPMOUNT] = {"idmapMount", "sskbbsss", op_idmapmount},
	[OP_NETDEVICE] = {"netDevice", "ss", op_netdevice},
	[OP_SCHED] = {"sched", "iniinnn", op_sched},
	[OP_IOPRIO] = {"ioprio", "ii", op_ioprio},
	[OP_CPUAFFINITY] = {"cpuAffinity", "*i", op_cpuaffinity},
	[OP_MEMPOLICY] = {"memPolicy", "ii*i", op_mempolicy},
	[OP_PERSONALITY] = {"personality", "n", op_personality},
	[OP_LOOPBACKUP] = {"loopbackUp", "", op_loopbackup},
};

int main(int argc, char **argv)
{
	uint64_t sfd, pfd;

	if (argc != 3 || parse_u64(argv[1], INT32_MAX, &sfd) || parse_u64(argv[2], INT32_MAX, &pfd)) {
		fputs("usage: runt-init SYNCFD PLANFD (it is started by runt)\n", stderr);
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1); /* runt is already gone */
	syncfd = sfd;
	/* fds 0 .. closeFrom-1 belong to the container: only our two become close-on-exec. */
	if (fcntl(syncfd, F_SETFD, FD_CLOEXEC) < 0)
		_exit(1);
	if (fcntl((int)pfd, F_SETFD, FD_CLOEXEC) < 0)
		fail("fcntl plan fd %d", (int)pfd);
	proc_init();
	load_plan((int)pfd);
	for (uint32_t i = 0; i < nops; i++) {
		cur_op = i;
		opdefs[ops[i].code].run(&ops[i]);
	}
	cur_op = nops;
	errno = EINVAL;
	fail("plan ended without exec");
}
