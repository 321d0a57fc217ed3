/*
 * Idmapped bind mounts (mounts[].uidMappings, "idmap", "ridmap"), as runc 1.2+ makes
 * them: the source is cloned with open_tree(OPEN_TREE_CLONE), given MOUNT_ATTR_IDMAP
 * with a user namespace that carries the mapping, and moved onto its target.
 *
 * The clone and the attribute need the host's credentials (CAP_SYS_ADMIN over the
 * source's filesystem), which the init lost with its user namespace: the privileged
 * helper makes the trees (idmap_make, from helper-work.c) and sends them; the
 * idmapMount op, at its place among the mounts, moves the one made for it.
 */
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "init.h"

enum { STEP_OPEN_TREE = 1, STEP_USERNS_OPEN, STEP_USERNS_MAKE, STEP_SETATTR };

static int write_map(pid_t pid, const char *file, const char *map)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* One write: the kernel takes a whole map at once, and only once. */
	ssize_t n = write(fd, map, strlen(map));
	int err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(map) ? 0 : -1;
}

/* A user namespace with these maps, held by a child only until its nsfs fd is open. */
static int make_userns(const char *uidmap, const char *gidmap)
{
	int hold[2], fd = -1, err;

	if (pipe2(hold, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		char c;

		close(hold[1]);
		/* Wait for EOF: the namespace lives as long as this process or an fd of it. */
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(hold[0]);
	if (pid > 0 && !write_map(pid, "uid_map", uidmap) && !write_map(pid, "gid_map", gidmap)) {
		char path[64];

		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	err = errno;
	close(hold[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	errno = err;
	return fd;
}

/*
 * In the helper, in the container's mount namespace: the idmapped tree for one
 * idmapMount op, or -1 with errno and *step saying which call failed.
 */
int idmap_make(const struct op *o, int *step)
{
	const char *src = o->s[0], *userns = o->s[5];
	int rec = o->n[3], ridmap = o->n[4];
	int tree = syscall(SYS_open_tree, AT_FDCWD, src,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));

	*step = STEP_OPEN_TREE;
	if (tree < 0)
		return -1;
	*step = *userns ? STEP_USERNS_OPEN : STEP_USERNS_MAKE;
	int ns = *userns ? open(userns, O_RDONLY | O_CLOEXEC) : make_userns(o->s[6], o->s[7]);
	if (ns >= 0) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = ns};

		*step = STEP_SETATTR;
		/* ridmap: every mount of an rbind's tree, not only its top. */
		if (!syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0),
			     &attr, sizeof attr)) {
			close(ns);
			return tree;
		}
	}
	int err = errno;
	if (ns >= 0)
		close(ns);
	close(tree);
	errno = err;
	return -1;
}

/* source, target, mk, recursive, ridmap, userns, uidMap, gidMap */
void op_idmapmount(const struct op *o)
{
	const char *src = o->s[0], *target = o->s[1];
	int step, tree = helper_result(&step);

	if (tree < 0) {
		switch (step) {
		case STEP_OPEN_TREE:
			fail("open_tree %s", src);
		case STEP_USERNS_OPEN:
			fail("open user namespace %s for the idmapped mount of %s", o->s[5], src);
		case STEP_USERNS_MAKE:
			fail("make a user namespace with the mapping for %s", src);
		case STEP_SETATTR:
			if (errno == EINVAL)
				fail("mount_setattr MOUNT_ATTR_IDMAP on %s (does its filesystem support "
				     "idmapped mounts on this kernel?)", src);
			fail("mount_setattr MOUNT_ATTR_IDMAP on %s", src);
		}
		fail("idmapped mount of %s: the privileged helper could not join the container "
		     "(idmapped mounts need runt run as root)", src);
	}
	int fd = in_root(target, O_PATH);
	if (fd < 0 && errno == ENOENT && o->n[2] != MK_NONE)
		make_target(target, o->n[2]);
	if (fd < 0 && (fd = in_root(target, O_PATH)) < 0)
		fail("openat2 %s in root", target);
	if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		fail("move_mount idmapped %s on %s", src, target);
	close(tree);
	close(fd);
}
