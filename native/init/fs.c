/*
 * Everything that touches the container's filesystem. Paths "in root" are
 * resolved by the kernel with RESOLVE_IN_ROOT against rootfd, and mount(2)
 * only ever sees /proc/self/fd/N of the result, so a symlink in the image can
 * never send a mkdir or a mount out of the rootfs.
 */
#include <dirent.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "init.h"

/* openRoot's host path: a mount onto the root itself is only seen by reopening it. */
static const char *rootpath;

int in_root(const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;

	/* EAGAIN: a rename or mount raced with the walk and the kernel asks for a retry. */
	do
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN && ++tries < 16);
	return fd;
}

/* in_root, reporting a failure; a missing path gives -1 if missing_ok. */
static int must_open(const char *path, int flags, int missing_ok)
{
	int fd = in_root(path, flags);

	if (fd < 0 && !(missing_ok && errno == ENOENT))
		fail("openat2 %s in root", path);
	return fd;
}

/*
 * mkdir -p in root, returning an O_PATH fd of the directory. Each missing
 * component is made with mkdirat in its parent as just resolved in root,
 * never by joining host path strings.
 */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return errno = ENAMETOOLONG, -1;
	int fd = in_root("/", O_PATH | O_DIRECTORY);
	for (char *p = buf + strspn(buf, "/"); fd >= 0 && *p; p += strspn(p, "/")) {
		char *end = p + strcspn(p, "/"), save = *end;

		*end = 0;
		int next = in_root(buf, O_PATH | O_DIRECTORY);
		if (next < 0 && errno == ENOENT && (mkdirat(fd, p, mode) == 0 || errno == EEXIST))
			next = in_root(buf, O_PATH | O_DIRECTORY);
		close(fd);
		fd = next;
		*end = save;
		p = end;
	}
	return fd;
}

/* Makes path's missing parents; returns the parent's fd and points *base at the last component. */
static int make_parent(const char *path, char buf[PATH_MAX], const char **base)
{
	if (snprintf(buf, PATH_MAX, "%s", path) >= PATH_MAX)
		return errno = ENAMETOOLONG, -1;
	char *slash = strrchr(buf, '/');
	*base = slash ? slash + 1 : buf;
	if (slash)
		*slash = 0;
	return mkdir_p(slash ? buf : "", 0755);
}

void make_target(const char *target, int mk)
{
	char buf[PATH_MAX];
	const char *base;
	int fd = mk != MK_FILE ? mkdir_p(target, 0755) : make_parent(target, buf, &base);

	if (fd < 0)
		fail("mkdir %s in root", target);
	if (mk == MK_FILE) {
		/* O_EXCL does not follow a symlink planted at the name. */
		int f = openat(fd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f >= 0)
			close(f);
		else if (errno != EEXIST)
			fail("create %s in root", target);
	}
	close(fd);
}

static void set_root(int fd, const char *path)
{
	if (rootfd >= 0)
		close(rootfd);
	rootfd = fd;
	rootpath = path;
}

void op_openroot(const struct op *o)
{
	int fd = open(o->s[0], O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		fail("open root %s", o->s[0]);
	set_root(fd, o->s[0]);
}

/*
 * tmpcopyup: copies the tree under dir `from` (the directory a tmpfs now covers,
 * opened before the mount) into `to` (the new tmpfs), keeping modes, owners and
 * symlinks, as runc does. Nothing is followed: every name is opened at its
 * parent's fd with O_NOFOLLOW.
 */
static void copy_tree(int from, int to, const char *target)
{
	int dup_fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	struct dirent *e;
	char buf[65536];

	if (!d)
		fail("tmpcopyup: read %s", target);
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		struct stat st;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			fail("tmpcopyup: stat %s/%s", target, n);
		mode_t perm = st.st_mode & 07777;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(to, n, 0700) < 0)
				fail("tmpcopyup: mkdir %s/%s", target, n);
			int a = openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int b = openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (a < 0 || b < 0)
				fail("tmpcopyup: open %s/%s", target, n);
			copy_tree(a, b, target);
			close(a);
			close(b);
		} else if (S_ISREG(st.st_mode)) {
			int a = openat(from, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int b = openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (a < 0 || b < 0)
				fail("tmpcopyup: open %s/%s", target, n);
			for (ssize_t r; (r = read(a, buf, sizeof buf)) != 0;) {
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0 || write(b, buf, r) != r)
					fail("tmpcopyup: copy %s/%s", target, n);
			}
			close(a);
			close(b);
		} else if (S_ISLNK(st.st_mode)) {
			char link[PATH_MAX];
			ssize_t len = readlinkat(from, n, link, sizeof link - 1);
			if (len < 0)
				fail("tmpcopyup: readlink %s/%s", target, n);
			link[len] = 0;
			if (symlinkat(link, to, n) < 0)
				fail("tmpcopyup: symlink %s/%s", target, n);
		} else if (mknodat(to, n, st.st_mode, st.st_rdev) < 0) {
			fail("tmpcopyup: mknod %s/%s", target, n);
		}
		if (fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			fail("tmpcopyup: chown %s/%s", target, n);
		if (!S_ISLNK(st.st_mode) && fchmodat(to, n, perm, 0) < 0)
			fail("tmpcopyup: chmod %s/%s", target, n);
	}
	closedir(d);
}

/*
 * Bind sources a user namespace's root cannot reach (a 0700 directory of the host's
 * root on the way): as runc does, they are opened with the host's credentials, in
 * the container's mount namespace (a bind refuses a source from another one).
 * bindSources, before the user namespace, forks a helper that keeps the host's
 * credentials; recvSources, once the init is in its final mount namespace, has it
 * join that namespace, open each path O_PATH and send the fds back. A bind mount
 * whose source is one of those paths is then made from the fd.
 */
static struct source {
	const char *path;
	int fd;
} *sources;
static uint32_t nsources;
static int helper_sock = -1;
static pid_t helper_pid;

static void helper(int sock, pid_t init, const struct op *o)
{
	char path[64];
	int err = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Until the init is in its mount namespace; EOF: it failed or went away. */
	if (recv(sock, path, sizeof path, 0) <= 0)
		_exit(1);
	snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)init);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	/* Without the privilege for that (runt not run by root), the init mounts by path. */
	if (ns < 0 || setns(ns, CLONE_NEWNS) < 0)
		err = -1;
	for (uint32_t i = 0; i < o->argc; i++) {
		char ctl[CMSG_SPACE(sizeof(int))];
		int fd = err ? -1 : open(o->s[i], O_PATH | O_CLOEXEC);
		int code = err ? err : fd < 0 ? errno : 0;
		struct iovec iov = {.iov_base = &code, .iov_len = sizeof code};
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
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
			_exit(1);
		if (fd >= 0)
			close(fd);
	}
	helper_work(sock, init, err);
	_exit(0);
}

void op_bindsources(const struct op *o)
{
	int sp[2];
	pid_t init = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		fail("socketpair for bind sources");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork bind source helper");
	if (pid == 0) {
		close(sp[0]);
		helper(sp[1], init, o);
	}
	close(sp[1]);
	helper_sock = sp[0];
	helper_pid = pid;
	sources = calloc(o->argc + 1, sizeof *sources);
	if (!sources)
		fail("malloc bind sources");
	for (uint32_t i = 0; i < o->argc; i++)
		sources[i] = (struct source){o->s[i], -1};
	nsources = o->argc;
}

void op_recvsources(const struct op *o)
{
	int status;

	(void)o;
	if (helper_sock < 0) {
		errno = EINVAL;
		fail("recvSources without bindSources");
	}
	if (send(helper_sock, "go", 2, MSG_NOSIGNAL) != 2)
		fail("start the bind source helper");
	for (uint32_t i = 0; i < nsources; i++) {
		char ctl[CMSG_SPACE(sizeof(int))];
		int code = 0;
		struct iovec iov = {.iov_base = &code, .iov_len = sizeof code};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof ctl};

		errno = 0;
		if (recvmsg(helper_sock, &msg, MSG_CMSG_CLOEXEC) != sizeof code) {
			errno = errno ? errno : EPIPE; /* EOF: the helper died */
			fail("receive bind source %s from the helper", sources[i].path);
		}
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		if (code > 0) {
			errno = code;
			fail("open bind source %s", sources[i].path);
		}
		if (!code && c && c->cmsg_type == SCM_RIGHTS)
			memcpy(&sources[i].fd, CMSG_DATA(c), sizeof(int));
	}
	helper_receive(helper_sock);
	close(helper_sock);
	helper_sock = -1;
	if (waitpid(helper_pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECHILD;
		fail("bind source helper failed");
	}
}

/* The fd the helper opened for a bind of src (each used once), or -1. */
static int take_source(const char *src)
{
	for (uint32_t i = 0; i < nsources; i++) {
		if (sources[i].fd >= 0 && !strcmp(sources[i].path, src)) {
			int fd = sources[i].fd;
			sources[i].fd = -1;
			return fd;
		}
	}
	return -1;
}

/* Whether a mount's data string has a mode= option. */
static int has_mode(const char *data)
{
	for (const char *p = data; *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, "mode=", 5))
			return 1;
	return 0;
}

void op_mount(const struct op *o)
{
	const char *src = o->s[0], *target = o->s[1], *type = o->s[2], *data = o->s[4];
	int host = o->n[6];
	int fd = host ? open(target, O_PATH | O_CLOEXEC) : in_root(target, O_PATH);
	/*
	 * A tmpfs over an existing directory takes that directory's mode unless data
	 * names one, as runc 1.2 does (it puts mode=<the directory's> before the data).
	 */
	struct stat before;
	int keep_mode = fd >= 0 && !host && !strcmp(type, "tmpfs") && !has_mode(data) &&
			!fstat(fd, &before) && S_ISDIR(before.st_mode);

	int pseudo = !host && (!strcmp(type, "proc") || !strcmp(type, "sysfs"));

	if (fd < 0 && host)
		fail("open %s", target);
	/* Not even a missing target is made through a symlink (a dangling /proc link). */
	if (fd < 0 && errno == ENOENT && pseudo)
		check_real_dir(target, type, 1);
	if (fd < 0 && errno == ENOENT && o->n[5] != MK_NONE)
		make_target(target, o->n[5]);
	if (fd < 0)
		fd = must_open(target, O_PATH, 0);
	if (pseudo)
		check_real_dir(target, type, 0);
	/* tmpcopyup: the directory the mount is about to cover, still readable through this fd. */
	int under = -1;
	if (o->n[5] == MK_COPYUP && (under = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail("tmpcopyup: open %s", target);
	int srcfd = (o->n[3] & (MS_BIND | MS_REMOUNT)) == MS_BIND ? take_source(src) : -1;
	if (mount(srcfd >= 0 ? fdpath(srcfd) : *src ? src : NULL, fdpath(fd), *type ? type : NULL,
		  o->n[3], *data ? data : NULL) < 0)
		fail("mount %s on %s", *type ? type : *src ? src : "none", target);
	if (srcfd >= 0)
		close(srcfd);
	if (under >= 0 || keep_mode) {
		int over = must_open(target, O_RDONLY | O_DIRECTORY, 0);
		if (keep_mode && fchmod(over, before.st_mode & 07777) < 0)
			fail("chmod %s", target);
		if (under >= 0) {
			copy_tree(under, over, target);
			close(under);
		}
		close(over);
	}
	/*
	 * rootfd still names the directory under the new mount (typically the
	 * rootfs bound onto itself to make it a mount point for pivot_root).
	 * After pivotRoot a mount onto / is not supported: there is no path left
	 * that walks onto it.
	 */
	struct stat a, b;
	if (rootpath && !fstat(fd, &a) && !fstat(rootfd, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		int r = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r < 0)
			fail("open root %s", rootpath);
		set_root(r, rootpath);
	}
	close(fd);
}

void op_setattr(const struct op *o)
{
	struct mount_attr attr = {.attr_set = o->n[2], .attr_clr = o->n[3], .propagation = o->n[4]};
	int fd = must_open(o->s[0], O_PATH, 0);

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (o->n[1] ? AT_RECURSIVE : 0),
		    &attr, sizeof attr) < 0)
		fail("mount_setattr %s", o->s[0]);
	close(fd);
}

void op_mkdir(const struct op *o)
{
	int fd = mkdir_p(o->s[0], o->n[1]);

	if (fd < 0)
		fail("mkdir %s in root", o->s[0]);
	close(fd);
}

/* mknod and symlink: made in the parent as resolved in root; an existing node is left alone. */
void op_mknode(const struct op *o)
{
	char buf[PATH_MAX];
	int sym = o->code == OP_SYMLINK;
	const char *path = o->s[sym], *base;
	int dir = make_parent(path, buf, &base);

	if (dir < 0)
		fail("mkdir parent of %s in root", path);
	int r = sym ? symlinkat(o->s[0], dir, base) : mknodat(dir, base, o->n[1], makedev(o->n[2], o->n[3]));
	if (r < 0 && errno != EEXIST)
		fail("%s %s in root", sym ? "symlink" : "mknod", path);
	if (r == 0 && !sym && fchownat(dir, base, o->n[4], o->n[5], AT_SYMLINK_NOFOLLOW) < 0)
		fail("chown %s in root", path);
	close(dir);
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = 0;
}

/*
 * chroot (--no-pivot) leaves the host's own mounts in this mount namespace, under
 * the rootfs moved onto "/". A full procfs or sysfs among them lets the container,
 * in a user namespace of its own, mount a fresh procfs (the kernel only asks that
 * one be fully visible somewhere in the namespace). So, as runc does, every full
 * proc or sysfs mount outside the rootfs is detached (made rslave first, so the
 * host keeps its own), or covered with a tmpfs where it cannot be unmounted.
 */
static void hide_host_pseudofs(const char *rootfs)
{
	char root[PATH_MAX], *line = NULL, **found = NULL;
	size_t cap = 0, n = 0, rlen;

	/* mountinfo names mount points without symlinks. */
	if (!realpath(rootfs, root))
		fail("realpath %s", rootfs);
	rlen = strlen(root);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		fail("open /proc/self/mountinfo");
	/* All first: detaching /proc takes /proc/self/mountinfo with it. */
	while (getline(&line, &cap, f) > 0) {
		char mroot[PATH_MAX], point[PATH_MAX], type[64];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", mroot, point) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		unescape(mroot);
		unescape(point);
		if (strcmp(mroot, "/") || (strcmp(type, "proc") && strcmp(type, "sysfs")))
			continue;
		if (!strncmp(point, root, rlen) && (point[rlen] == '/' || !point[rlen]))
			continue; /* the container's own */
		char **grown = realloc(found, (n + 1) * sizeof *found);
		if (!grown || !(grown[n] = strdup(point)))
			fail("malloc");
		found = grown;
		n++;
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		/* ENOENT: a mount above it is already gone, and this one with it. */
		if (mount(NULL, found[i], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			fail("make %s rslave", found[i]);
		}
		if (umount2(found[i], MNT_DETACH) < 0) {
			if (errno != EINVAL && errno != EPERM)
				fail("umount2 %s", found[i]);
			if (mount("tmpfs", found[i], "tmpfs", 0, NULL) < 0)
				fail("mount tmpfs on %s", found[i]);
		}
		free(found[i]);
	}
	free(found);
}

/* pivotRoot and chroot: the root fd becomes the process's root, then "/" the root fd. */
void op_enterroot(const struct op *o)
{
	const char *name = rootpath ? rootpath : "root";

	if (fchdir(rootfd) < 0)
		fail("fchdir %s", name);
	if (o->code == OP_PIVOTROOT) {
		int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (oldroot < 0)
			fail("open old root");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			fail("pivot_root %s", name);
		/*
		 * pivot_root(".", ".") stacks the old root on the new one: detach it. Make it
		 * rslave first: with a non-recursive rootfsPropagation its submounts can
		 * still be shared with the host, and the detach would unmount them there.
		 * mount(2) does not follow the stacked mount at ".", so name the old root
		 * through a directory fd of it.
		 */
		if (fchdir(oldroot) < 0)
			fail("fchdir old root");
		close(oldroot);
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			fail("make old root rslave");
		if (umount2(".", MNT_DETACH) < 0)
			fail("umount2 old root");
	} else {
		if (rootpath)
			hide_host_pseudofs(rootpath);
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			fail("mount %s on / (move)", name);
		if (chroot(".") < 0)
			fail("chroot %s", name);
	}
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir("/") < 0 || fd < 0)
		fail("open /");
	set_root(fd, NULL);
}

/*
 * chrootClone: no "mount" namespace in the config. The tree was made in a private
 * mount namespace; clone it (a detached copy, which lives as long as something is
 * rooted in it), go back to the runtime's mount namespace and chroot into the copy.
 * The runtime's mount table never holds the container's mounts.
 */
void op_chrootclone(const struct op *o)
{
	const char *name = rootpath ? rootpath : "root";
	int tree = syscall(SYS_open_tree, rootfd, "",
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);

	if (tree < 0)
		fail("open_tree %s", name);
	int ns = open(o->s[0], O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		fail("open %s", o->s[0]);
	if (setns(ns, CLONE_NEWNS) < 0)
		fail("setns %s", o->s[0]);
	close(ns);
	if (fchdir(tree) < 0)
		fail("fchdir clone of %s", name);
	if (chroot(".") < 0)
		fail("chroot clone of %s", name);
	close(tree);
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir("/") < 0 || fd < 0)
		fail("open /");
	set_root(fd, NULL);
}

void op_mask(const struct op *o)
{
	const char *path = o->s[0];
	struct stat st;
	int fd = must_open(path, O_PATH, 1);

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0)
		fail("stat %s in root", path);
	if (S_ISDIR(st.st_mode)) {
		/* Read-only and empty: nothing under it can be seen or created. */
		if (mount("tmpfs", fdpath(fd), "tmpfs", MS_RDONLY, "size=0") < 0)
			fail("mount tmpfs on %s", path);
	} else {
		/*
		 * The container's /dev/null, not one opened at start-up: bind mount
		 * takes no source from another mount namespace or from the detached
		 * old root (EINVAL).
		 */
		int null = must_open("/dev/null", O_PATH, 0);
		if (fstat(null, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
			errno = ENODEV;
			fail("mask %s: /dev/null in root is not the null device", path);
		}
		if (mount(fdpath(null), fdpath(fd), NULL, MS_BIND, NULL) < 0)
			fail("mount /dev/null on %s", path);
		close(null);
	}
	close(fd);
}

static void remount_ro(int fd, const char *path)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		fail("statvfs %s", path);
	/* Inside a user namespace these can be locked on: dropping them would be EPERM. */
	unsigned long keep = (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
			     (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
			     (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
	if (mount(NULL, fdpath(fd), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
		fail("remount %s read-only", path);
}

void op_readonly(const struct op *o)
{
	const char *path = o->s[0];
	int fd = must_open(path, O_PATH, 1);

	if (fd < 0)
		return;
	if (mount(fdpath(fd), fdpath(fd), NULL, MS_BIND | MS_REC, NULL) < 0)
		fail("mount %s on itself", path);
	close(fd);
	/* fd named the mount below the new bind; a fresh walk lands on the bind. */
	fd = must_open(path, O_PATH, 0);
	remount_ro(fd, path);
	close(fd);
}

void op_readonlyroot(const struct op *o)
{
	(void)o;
	remount_ro(rootfd, "/");
}

void op_chdir(const struct op *o)
{
	int fd = must_open(o->s[0], O_PATH | O_DIRECTORY, 0);

	if (fchdir(fd) < 0)
		fail("chdir %s", o->s[0]);
	close(fd);
}
