/* runt-init: runs the InitPlan that runt compiled (docs/plan-format.md). */
#ifndef RUNT_INIT_H
#define RUNT_INIT_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The plan's header, as encodePlan writes it (src/plan/encode.ts, src/plan/plan.ts). */
#define PLAN_MAGIC "RUNTPLAN"
#define PLAN_VERSION 1

/* Opcodes as in OPCODES, src/plan/encode.ts (test/unit/init-contract.test.ts checks). */
enum {
	OP_SETNS = 1, OP_UNSHARE, OP_SYNC, OP_WRITE, OP_FORK, OP_SETSID, OP_OPENROOT,
	OP_MOUNT, OP_SETATTR, OP_MKDIR, OP_MKNOD, OP_SYMLINK, OP_PIVOTROOT, OP_CHROOT,
	OP_MASK, OP_READONLY, OP_READONLYROOT, OP_HOSTNAME, OP_DOMAINNAME, OP_RLIMIT,
	OP_CHDIR, OP_UMASK, OP_CAPBOUNDING, OP_USER, OP_CAPS, OP_NONEWPRIVS,
	OP_OPENFIFO, OP_WAIT, OP_EXEC, OP_KEYRING,
	/* 31-39: exec, terminals, hooks. 40-49: seccomp, LSM labels, hardening. Each op
	 * added there takes its number explicitly; unused numbers have no opdef. */
	OP_PTY = 31, OP_HOOKSTATE = 32, OP_HOOK = 33, OP_CHROOTCLONE = 34,
	OP_SECCOMP = 40, OP_LSMLABEL = 41,
	/* 50-59: mount sources. */
	OP_BINDSOURCES = 50, OP_RECVSOURCES = 51,
	/* 60-69: scheduling, CPU and memory placement, the execution domain. */
	OP_SCHED = 60, OP_IOPRIO = 61, OP_CPUAFFINITY = 62, OP_MEMPOLICY = 63,
	OP_PERSONALITY = 64,
	/* 70-79: idmapped mounts, network devices (the helper's work). */
	OP_IDMAPMOUNT = 70, OP_NETDEVICE = 71, OP_LOOPBACKUP = 72,
	OP_MAX = 95
};

enum { MK_NONE, MK_DIR, MK_FILE, MK_COPYUP };

struct op {
	uint32_t code, argc;
	char **s;    /* argc strings, then NULL: exec's env is a ready envp */
	uint64_t *n; /* value of each numeric, boolean or mk argument */
};

/*
 * sig: one letter per argument. s string, n u64, i u32, b "0"/"1",
 * k none/dir/file/copyup; "*x" ends it with any number of x. opArgs in
 * src/plan/encode.ts writes the same list (test/unit/init-contract.test.ts checks).
 */
struct opdef {
	const char *name, *sig;
	void (*run)(const struct op *);
};

extern const struct opdef opdefs[OP_MAX + 1];
extern struct op *ops;
extern uint32_t nops;
extern int cur_op;     /* index of the running op, -1 before the first */
extern int syncfd, rootfd;

void load_plan(int fd);
int parse_u64(const char *s, uint64_t max, uint64_t *out);
/* Reports the running op as failed with errno, and exits. */
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 0))) void vfail(const char *fmt, va_list ap);
void sent_ready(void);
const char *fdpath(int fd); /* "/proc/self/fd/N", to hand an fd to mount(2) */

/* fs.c */
int in_root(const char *path, int flags);
void op_openroot(const struct op *), op_mount(const struct op *), op_setattr(const struct op *),
	op_mkdir(const struct op *), op_mknode(const struct op *), op_enterroot(const struct op *),
	op_mask(const struct op *), op_readonly(const struct op *),
	op_readonlyroot(const struct op *), op_chdir(const struct op *),
	op_bindsources(const struct op *), op_recvsources(const struct op *),
	op_chrootclone(const struct op *);
void make_target(const char *target, int mk); /* a missing mount target, as mk says */

/* helper-work.c, idmap.c, netdev.c: what the bind-source helper does with the host's
 * credentials, and the ops that take its results */
void helper_work(int sock, pid_t init, int joined), helper_receive(int sock);
int helper_result(int *step);
int idmap_make(const struct op *o, int *step), netdev_move(const struct op *o, pid_t init, int *step);
void op_idmapmount(const struct op *), op_netdevice(const struct op *),
	op_loopbackup(const struct op *);

/* proc.c */
void proc_init(void);
void op_rlimit(const struct op *), op_umask(const struct op *), op_capbounding(const struct op *),
	op_user(const struct op *), op_caps(const struct op *), op_nonewprivs(const struct op *),
	op_openfifo(const struct op *), op_wait(const struct op *), op_exec(const struct op *);

/* security.c */
void proc_fd_check(int fd, const char *path); /* fails unless fd is on procfs */
void seccomp_late(void);                      /* loads a late seccomp program, if any */
int proc_open_in_root(const char *path, int flags); /* /proc/... in root, no mount crossed */
/* fails unless a directory reached without symlinks */
void check_real_dir(const char *target, const char *type, int missing_ok);
void op_seccomp(const struct op *), op_lsmlabel(const struct op *);

/* sched.c, placement.c, persona.c. Sets are [first, last] pairs, ids <= SET_ID_MAX
 * (runc's MaxCPU: a sane bound for CPUs and NUMA nodes). */
#define SET_ID_MAX 65536
void op_sched(const struct op *), op_ioprio(const struct op *), op_cpuaffinity(const struct op *),
	op_mempolicy(const struct op *), op_personality(const struct op *);

/* tty.c */
void op_pty(const struct op *), op_hookstate(const struct op *), op_hook(const struct op *);

#endif
