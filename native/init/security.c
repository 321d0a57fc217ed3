/*
 * Confinement ops: loading the seccomp program runt compiled (40) and writing an
 * LSM exec label (41). Also proc_fd_check, which every write into /proc uses to
 * make sure the fd it got is a procfs file and not something the image planted.
 */
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/vfs.h>

#include "init.h"

static struct sock_fprog late_prog;
static unsigned late_flags;

void proc_fd_check(int fd, const char *path)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		fail("fstatfs %s", path);
	if (sf.f_type != PROC_SUPER_MAGIC) {
		errno = EXDEV;
		fail("%s is not on procfs (f_type 0x%lx): refusing to write to it", path,
		     (unsigned long)sf.f_type);
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hands the listener fd to runt: "seccomp", then one message carrying the fd, then ack. */
static void send_listener(int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))], buf[16], data[] = "seccompfd";
	struct iovec iov = {.iov_base = data, .iov_len = sizeof data - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof ctl};

	memset(ctl, 0, sizeof ctl);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (send(syncfd, "seccomp", 7, MSG_NOSIGNAL) != 7 || sendmsg(syncfd, &msg, MSG_NOSIGNAL) < 0)
		fail("send the seccomp listener fd to runt");
	if (recv(syncfd, buf, sizeof buf, 0) != 3 || memcmp(buf, "ack", 3))
		_exit(1); /* runt could not pass it on, and says why itself */
	close(fd);
}

static void load(const struct sock_fprog *prog, unsigned flags)
{
	int r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);

	if (r < 0)
		fail("seccomp(SECCOMP_SET_MODE_FILTER, 0x%x)", flags);
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		send_listener(r);
}

/* seccomp flags notify late program: late programs are loaded by exec, right before execve. */
void op_seccomp(const struct op *o)
{
	const char *hex = o->s[3];
	size_t len = strlen(hex);

	errno = EINVAL;
	if (len == 0 || len % 16 || len / 16 > BPF_MAXINSNS)
		fail("seccomp program of %zu hex digits", len);
	unsigned char *bytes = malloc(len / 2);
	if (!bytes)
		fail("malloc seccomp program");
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail("seccomp program: not hex at %zu", 2 * i);
		bytes[i] = hi << 4 | lo;
	}
	struct sock_fprog prog = {.len = len / 16, .filter = (struct sock_filter *)bytes};
	unsigned flags = o->n[0] | (o->n[1] ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	if (o->n[2]) {
		late_prog = prog;
		late_flags = flags;
		return;
	}
	load(&prog, flags);
	free(bytes);
}

void seccomp_late(void)
{
	if (late_prog.filter)
		load(&late_prog, late_flags);
}

/*
 * lsmLabel attr fallback label: <pid>/task/<tid>/attr/<attr> (or <fallback> if missing)
 * under "/proc", which must be procfs. The task's directory is read from the procfs's
 * own thread-self link (so the pid is this task's in that procfs's namespace), and the
 * walk may not cross a mount or follow a symlink: nothing bound over the attr file
 * can take the write (CVE-2019-16884, CVE-2025-52881).
 */
void op_lsmlabel(const struct op *o)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	char self[64], path[PATH_MAX];
	int fd = -1, proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (proc < 0)
		fail("open /proc");
	proc_fd_check(proc, "/proc");
	ssize_t n = readlinkat(proc, "thread-self", self, sizeof self - 1);
	if (n <= 0)
		fail("readlink /proc/thread-self");
	self[n] = 0;
	for (int i = 0; i < 2 && fd < 0; i++) {
		if (i == 1 && (errno != ENOENT || !*o->s[1]))
			break;
		snprintf(path, sizeof path, "%s/attr/%s", self, o->s[i]);
		fd = syscall(SYS_openat2, proc, path, &how, sizeof how);
	}
	if (fd < 0)
		fail("open /proc/%s", path);
	proc_fd_check(fd, path);
	size_t len = strlen(o->s[2]);
	errno = EIO;
	if (write(fd, o->s[2], len) != (ssize_t)len)
		fail("write /proc/%s", path);
	close(fd);
	close(proc);
}

/*
 * Opens path ("/proc/...") in root for writing so that it can only be the procfs
 * file it names: /proc must be procfs, and the walk below it may not cross a mount
 * (a bind of another file over a sysctl, CVE-2025-52881) nor follow a symlink.
 */
int proc_open_in_root(const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	int proc = in_root("/proc", O_PATH | O_DIRECTORY);

	if (proc < 0)
		fail("openat2 /proc in root");
	proc_fd_check(proc, "/proc");
	int fd = syscall(SYS_openat2, proc, path + strlen("/proc/"), &how, sizeof how);
	if (fd < 0 && (errno == EXDEV || errno == ELOOP))
		fail("open %s in root: something is mounted or linked over it; refusing to write", path);
	close(proc);
	return fd;
}

/*
 * proc and sysfs go on a real directory, never through a symlink (CVE-2019-16884,
 * CVE-2023-28642). A missing target is fine if missing_ok (it is made next).
 */
void check_real_dir(const char *target, const char *type, int missing_ok)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	int fd = syscall(SYS_openat2, rootfd, target, &how, sizeof how);

	/* runc's words: "filesystem "proc" must be mounted on ordinary directory". */
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		fail("filesystem \"%s\" must be mounted on ordinary directory: %s is reached "
		     "through a symlink or is not a directory", type, target);
	if (fd < 0 && missing_ok && errno == ENOENT)
		return;
	if (fd < 0)
		fail("openat2 %s in root", target);
	close(fd);
}
