/* The process side: limits, identity, capabilities, the exec fifo and execve. */
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "init.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int last_cap;
static mode_t exec_umask;
static int fifofd = -1;
static char exe[PATH_MAX]; /* the executable, once resolved */

void proc_init(void)
{
	/* Ask the kernel cap by cap: cap_last_cap without depending on a /proc. */
	while (prctl(PR_CAPBSET_READ, last_cap + 1, 0, 0, 0) >= 0)
		last_cap++;
	/* Modes in the plan are meant exactly; the container's umask is set at exec. */
	exec_umask = umask(0);
}

void op_rlimit(const struct op *o)
{
	struct rlimit rl = {.rlim_cur = o->n[1], .rlim_max = o->n[2]};

	if (setrlimit((int)o->n[0], &rl) < 0)
		fail("setrlimit %d", (int)o->n[0]);
}

void op_umask(const struct op *o)
{
	exec_umask = o->n[0] & 07777;
}

void op_capbounding(const struct op *o)
{
	for (int c = 0; c <= last_cap; c++) {
		if (c < 64 && (o->n[0] >> c & 1))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			fail("prctl PR_CAPBSET_DROP %d", c);
	}
}

void op_user(const struct op *o)
{
	size_t ngroups = o->argc - 2;
	gid_t *groups = calloc(ngroups + 1, sizeof *groups);

	if (!groups)
		fail("malloc groups");
	for (size_t i = 0; i < ngroups; i++)
		groups[i] = o->n[i + 2];
	/* Keep the permitted set across the uid change; the caps op sets what remains. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail("prctl PR_SET_KEEPCAPS");
	/*
	 * With /proc/self/setgroups "deny" (a user namespace set up without
	 * privilege) the inherited groups cannot be dropped and the kernel says
	 * EPERM; only a request for no groups may go on without them.
	 */
	if (setgroups(ngroups, ngroups ? groups : NULL) < 0 && !(errno == EPERM && !ngroups))
		fail("setgroups");
	if (setresgid(o->n[1], o->n[1], o->n[1]) < 0)
		fail("setresgid %u", (unsigned)o->n[1]);
	if (setresuid(o->n[0], o->n[0], o->n[0]) < 0)
		fail("setresuid %u", (unsigned)o->n[0]);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		fail("prctl PR_SET_KEEPCAPS");
	free(groups);
}

void op_caps(const struct op *o)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = o->n[0] >> 32 * i;
		data[i].permitted = o->n[1] >> 32 * i;
		data[i].inheritable = o->n[2] >> 32 * i;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		fail("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		fail("prctl PR_CAP_AMBIENT_CLEAR_ALL");
	for (int c = 0; c < 64; c++)
		if ((o->n[3] >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			fail("prctl PR_CAP_AMBIENT_RAISE %d", c);
}

void op_nonewprivs(const struct op *o)
{
	(void)o;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail("prctl PR_SET_NO_NEW_PRIVS");
}

void op_openfifo(const struct op *o)
{
	fifofd = open(o->s[0], O_PATH | O_CLOEXEC);
	if (fifofd < 0)
		fail("open exec fifo %s", o->s[0]);
}

static int is_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	errno = EACCES; /* what a directory or device reports */
	/*
	 * The plain faccessat syscall, not glibc's (faccessat2 for AT_EACCESS): a seccomp
	 * filter may already be loaded, and one older than faccessat2 answers it with
	 * EPERM. The switch to the container's user made real and effective ids equal.
	 */
	return S_ISREG(st.st_mode) && syscall(SYS_faccessat, AT_FDCWD, path, X_OK) == 0;
}

/* Fills exe with exec op o's executable: args[0] if it has a "/", else found in env's PATH. */
static void resolve(const struct op *o)
{
	const char *arg0 = o->s[2], *p = DEFAULT_PATH;
	int err = ENOENT;

	for (char **e = o->s + 2 + o->n[1]; *e; e++) {
		if (!strncmp(*e, "PATH=", 5)) {
			p = *e + 5;
			break;
		}
	}
	if (strchr(arg0, '/'))
		p = ""; /* a single candidate: arg0 itself */
	while (*arg0) {
		size_t len = strcspn(p, ":");
		/* An empty PATH entry is the working directory, as for execvp. */
		if (snprintf(exe, sizeof exe, "%.*s%s%s", (int)len, p, len ? "/" : "", arg0) < (int)sizeof exe) {
			if (is_exec(exe))
				return;
			if (errno != ENOENT)
				err = errno;
		}
		p += len;
		if (!*p++)
			break;
	}
	exe[0] = 0;
	errno = err;
	fail("exec %s", arg0);
}

void op_wait(const struct op *o)
{
	(void)o;
	/* Resolve now, so a missing executable fails `create`, not `start`. */
	for (uint32_t i = cur_op + 1; i < nops; i++) {
		if (ops[i].code == OP_EXEC) {
			resolve(&ops[i]);
			break;
		}
	}
	if (fifofd < 0) {
		errno = EBADF;
		fail("wait without an exec fifo");
	}
	/*
	 * The fifo is reopened through /proc/self/fd below: a container without a proc
	 * mount would fail only at `start`. No reader yet gives ENXIO; anything else
	 * (no /proc) fails `create` here, as runc's does.
	 */
	int probe = open(fdpath(fifofd), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (probe >= 0)
		close(probe);
	else if (errno != ENXIO)
		fail("open the exec fifo as %s (mount proc at /proc in config.json)", fdpath(fifofd));
	sent_ready();
	/* Blocks until `runt start` opens the fifo for reading. */
	int fd = open(fdpath(fifofd), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open exec fifo");
	if (write(fd, "0", 1) != 1)
		fail("write exec fifo");
	/*
	 * Kept open: O_CLOEXEC closes it at the execve of the user's process (or it goes
	 * when the init dies), and that EOF tells `runt start` the process runs, so that
	 * poststart hooks follow the startContainer hooks and the execve (runtime.md).
	 */
	(void)fd;
}

/*
 * close_range(from, ~0, CLOEXEC), or, where a seccomp filter older than close_range
 * refuses it (ENOSYS from runt's stub, or the profile's own errno), the same by
 * walking /proc/self/fd.
 */
static void mark_cloexec_from(unsigned from)
{
	if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		fail("close_range %u; and opendir /proc/self/fd", from);
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= (int)from && fd != dirfd(d) &&
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			fail("fcntl FD_CLOEXEC %d", fd);
	}
	closedir(d);
}

void op_exec(const struct op *o)
{
	uint32_t argc = o->n[1];
	char **argv = calloc(argc + 1, sizeof *argv);

	if (!argv)
		fail("malloc argv");
	memcpy(argv, o->s + 2, argc * sizeof *argv);
	/*
	 * Mark instead of close: syncfd stays open until execve succeeds, so a
	 * failing execve can still be reported. Every fd >= closeFrom is gone in
	 * the container either way.
	 */
	mark_cloexec_from((unsigned)o->n[0]);
	if (!exe[0])
		resolve(o);
	umask(exec_umask);
	/* An exec'd process outlives the runt that started it, as runc's does. */
	prctl(PR_SET_PDEATHSIG, 0);
	seccomp_late(); /* the last thing before execve */
	execve(exe, argv, o->s + 2 + argc);
	fail("execve %s", exe);
}
