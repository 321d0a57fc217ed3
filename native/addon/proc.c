// Processes: spawn (vfork-style, safe in a multi-threaded runtime), waitpid on
// the main thread or on a helper thread, and the child-subreaper flag.
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

// clone3's argument, as far as CLONE_INTO_CGROUP needs it (CLONE_ARGS_SIZE_VER2).
struct runt_clone_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  uint64_t set_tid, set_tid_size, cgroup;
};

// ---- spawn -----------------------------------------------------------------

// Everything the child needs, prepared by the parent. With CLONE_VM the child
// runs in the parent's memory, so it must not allocate or take locks: it only
// reads this struct and makes raw, async-signal-safe calls. It reports a
// failure by writing fail_call/fail_errno here; CLONE_VFORK guarantees the
// parent reads them only after the child has exec'd or exited.
struct spawn_ctx {
  int exec_fd;
  char **argv;
  char **envp;
  const int *fds; // fds[i]: parent fd that becomes child fd i, or -1
  int *high;      // scratch: where fds[i] was parked before being moved to i
  int nfds;
  // The cgroup v2 directory to start in: clone3(CLONE_INTO_CGROUP) when cgroup_fd >= 0;
  // where the kernel lacks it, the child writes itself into cgroup_procs instead.
  int cgroup_fd;
  const char *cgroup_procs;
  // A child that does not share our memory (clone3) reports on this pipe (>= nfds).
  int err_fd;
  const char *fail_call;
  int fail_errno;
};

struct spawn_report {
  int err;
  char call[48];
};

static int spawn_fail(struct spawn_ctx *c, const char *call) {
  c->fail_call = call;
  c->fail_errno = errno;
  if (c->err_fd >= 0) {
    struct spawn_report r = {.err = errno};
    strncpy(r.call, call, sizeof r.call - 1);
    if (write(c->err_fd, &r, sizeof r) < 0) {
      // Nothing more to say: the parent sees a child that exited before exec.
    }
  }
  _exit(127);
}

static int spawn_child(void *arg) {
  struct spawn_ctx *c = arg;
  int n = c->nfds;

  // Park every source fd (and the exec fd) at n or above first. F_DUPFD returns a
  // free slot, so a parked copy never aliases a source still to be parked, and
  // since it is >= n the dup2()s into 0..n-1 below cannot overwrite it. That is
  // what makes overlapping maps like [4, 3, 0] or fds[i] == i correct.
  if (c->cgroup_procs) {
    int fd = open(c->cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) return spawn_fail(c, "write cgroup.procs");
    close(fd);
  }
  int exec_fd = fcntl(c->exec_fd, F_DUPFD_CLOEXEC, n);
  if (exec_fd < 0) return spawn_fail(c, "fcntl(F_DUPFD_CLOEXEC)");
  for (int i = 0; i < n; i++) {
    if (c->fds[i] < 0) continue;
    c->high[i] = fcntl(c->fds[i], F_DUPFD_CLOEXEC, n);
    if (c->high[i] < 0) return spawn_fail(c, "fcntl(F_DUPFD_CLOEXEC)");
  }
  // dup2 clears FD_CLOEXEC on the new fd: exactly the listed fds survive exec.
  for (int i = 0; i < n; i++) {
    if (c->fds[i] < 0)
      close(i);
    else if (dup2(c->high[i], i) < 0)
      return spawn_fail(c, "dup2");
  }
  // Bun and Node open everything CLOEXEC, but a library or an engine-inherited
  // fd may not be: mark all of n.. close-on-exec. Marking rather than closing
  // keeps the parked exec fd usable by execveat. Kernels before 5.11 lack
  // CLOSE_RANGE_CLOEXEC; there we rely on the CLOEXEC convention alone.
  if (close_range((unsigned)n, ~0U, CLOSE_RANGE_CLOEXEC) < 0 && errno != ENOSYS &&
      errno != EINVAL)
    return spawn_fail(c, "close_range");

  // Handlers installed by the JS runtime are reset by exec anyway, but ignored
  // signals (SIGPIPE in Bun/Node) and the blocked mask would be inherited by the
  // container: reset every disposition, then unblock. The parent blocked all
  // signals around clone(), so no parent handler can run on this thread's copy
  // of the parent's memory before the reset. Errors (SIGKILL, SIGSTOP, glibc's
  // internal signals) are expected and harmless.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < _NSIG; sig++) sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  execveat(exec_fd, "", c->argv, c->envp, AT_EMPTY_PATH);
  return spawn_fail(c, "execveat");
}

static void free_strv(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

// A JS string[] as a NULL-terminated char*[] (for argv/envp).
static char **arg_strv(napi_env env, napi_value arr, const char *what, bool non_empty) {
  bool is_array = false;
  uint32_t len = 0;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, arr, &len) != napi_ok || (non_empty && len == 0)) {
    throw_type(env, what, non_empty ? "a non-empty array of strings" : "an array of strings");
    return NULL;
  }
  char **v = calloc((size_t)len + 1, sizeof *v);
  if (!v) {
    throw_errno(env, "calloc", ENOMEM);
    return NULL;
  }
  for (uint32_t i = 0; i < len; i++) {
    napi_value item;
    if (napi_get_element(env, arr, i, &item) != napi_ok) {
      napi_failed(env);
      free_strv(v);
      return NULL;
    }
    if (!(v[i] = arg_string(env, item, what, false, NULL))) {
      free_strv(v);
      return NULL;
    }
  }
  return v;
}

static int *arg_fd_map(napi_env env, napi_value arr, int *count) {
  const char *what = "spawn: opts.fds";
  bool is_array = false;
  uint32_t len = 0;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, arr, &len) != napi_ok || len > 65536) {
    throw_type(env, what, "an array of fds (integers >= -1)");
    return NULL;
  }
  int *fds = calloc(len ? len : 1, sizeof *fds);
  if (!fds) {
    throw_errno(env, "calloc", ENOMEM);
    return NULL;
  }
  for (uint32_t i = 0; i < len; i++) {
    napi_value item;
    int32_t fd = 0;
    if (napi_get_element(env, arr, i, &item) != napi_ok) {
      napi_failed(env);
      free(fds);
      return NULL;
    }
    if (!arg_int(env, item, what, &fd) || fd < -1) {
      if (fd < -1) throw_type(env, what, "an array of fds (integers >= -1)");
      free(fds);
      return NULL;
    }
    fds[i] = fd;
  }
  *count = (int)len;
  return fds;
}

static bool get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  if (napi_get_named_property(env, obj, name, out) != napi_ok) {
    napi_failed(env);
    return false;
  }
  return true;
}

// Starts the child in the cgroup v2 directory c->cgroup_fd, so that it never has
// to migrate there: a write to cgroup.procs takes the kernel's cgroup threadgroup
// lock for writing, which waits for an RCU grace period (5-14 ms measured here on
// every container start). The child is a fork-style copy (clone3 with CLONE_VM needs
// a hand-made stack switch); it reports on a pipe until exec closes it. Returns -1
// with c->fail_call unset where the kernel has no CLONE_INTO_CGROUP (before 5.7):
// the caller then spawns the usual way, the child writing cgroup.procs itself.
static pid_t clone_into_cgroup(struct spawn_ctx *c) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    c->fail_call = "pipe2", c->fail_errno = errno;
    return -1;
  }
  // Above every fd the child maps, so that its dup2()s leave the pipe alone.
  c->err_fd = fcntl(p[1], F_DUPFD_CLOEXEC, c->nfds);
  close(p[1]);
  if (c->err_fd < 0) {
    c->fail_call = "fcntl(F_DUPFD_CLOEXEC)", c->fail_errno = errno;
    close(p[0]);
    return -1;
  }
  struct runt_clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_INTO_CGROUP;
  a.exit_signal = SIGCHLD;
  a.cgroup = (uint64_t)c->cgroup_fd;
  long pid = syscall(SYS_clone3, &a, sizeof a);
  if (pid == 0) {
    c->cgroup_procs = NULL;
    spawn_child(c);
  }
  int clone_err = errno;
  close(c->err_fd);
  c->err_fd = -1;
  if (pid < 0) {
    close(p[0]);
    // ENOSYS: no clone3; E2BIG/EINVAL: no cgroup field or flag. Anything else is the
    // cgroup's own answer (EACCES, EBUSY, EOPNOTSUPP), as a write would get it.
    if (clone_err != ENOSYS && clone_err != E2BIG && clone_err != EINVAL)
      c->fail_call = "clone3 into the cgroup", c->fail_errno = clone_err;
    return -1;
  }
  c->cgroup_procs = NULL;
  struct spawn_report r;
  ssize_t got;
  while ((got = read(p[0], &r, sizeof r)) < 0 && errno == EINTR) {
  }
  close(p[0]);
  if (got == (ssize_t)sizeof r) {
    r.call[sizeof r.call - 1] = 0;
    // A static copy: fail_call outlives this frame and the report names few calls.
    static __thread char call[sizeof r.call];
    memcpy(call, r.call, sizeof call);
    c->fail_call = call, c->fail_errno = r.err;
  }
  return (pid_t)pid;
}

// The child only makes a handful of plain syscalls (fcntl, dup2, sigaction,
// execveat): a few KiB of stack at most.
#define SPAWN_STACK (64 * 1024)

static napi_value spawn_fn(napi_env env, napi_callback_info info) {
  napi_value argv[1], v_exec, v_argv, v_env, v_fds;
  napi_valuetype type;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_object)
    return throw_type(env, "spawn: opts", "an object");
  if (!get_prop(env, argv[0], "execFd", &v_exec) || !get_prop(env, argv[0], "argv", &v_argv) ||
      !get_prop(env, argv[0], "env", &v_env) || !get_prop(env, argv[0], "fds", &v_fds))
    return NULL;

  struct spawn_ctx c = {.cgroup_fd = -1, .err_fd = -1};
  napi_value result = NULL;
  char *cgroup = NULL, *procs = NULL;
  void *stack = MAP_FAILED;
  int32_t exec_fd;
  if (!arg_int(env, v_exec, "spawn: opts.execFd", &exec_fd)) return NULL;
  c.exec_fd = exec_fd;
  if (!(c.argv = arg_strv(env, v_argv, "spawn: opts.argv", true))) goto out;
  if (!(c.envp = arg_strv(env, v_env, "spawn: opts.env", false))) goto out;
  if (!(c.fds = arg_fd_map(env, v_fds, &c.nfds))) goto out;
  napi_value v_cgroup;
  bool has_cgroup = false;
  if (napi_has_named_property(env, argv[0], "cgroup", &has_cgroup) != napi_ok) {
    napi_failed(env);
    goto out;
  }
  if (has_cgroup) {
    if (!get_prop(env, argv[0], "cgroup", &v_cgroup) ||
        !(cgroup = arg_string(env, v_cgroup, "spawn: opts.cgroup", false, NULL)))
      goto out;
    size_t len = strlen(cgroup) + sizeof "/cgroup.procs";
    if (!(procs = malloc(len))) {
      throw_errno(env, "malloc", ENOMEM);
      goto out;
    }
    snprintf(procs, len, "%s/cgroup.procs", cgroup);
    c.cgroup_procs = procs;
    c.cgroup_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.cgroup_fd < 0) {
      throw_errno(env, "open the cgroup", errno);
      goto out;
    }
  }
  if (!(c.high = calloc(c.nfds ? (size_t)c.nfds : 1, sizeof *c.high))) {
    throw_errno(env, "calloc", ENOMEM);
    goto out;
  }
  stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
               -1, 0);
  if (stack == MAP_FAILED) {
    throw_errno(env, "mmap", errno);
    goto out;
  }

  // Block every signal on this thread across clone(): the child starts with this
  // mask and keeps it until it has reset the dispositions (see spawn_child).
  // Only this thread is suspended by CLONE_VFORK; Bun's other threads run on.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = c.cgroup_fd >= 0 ? clone_into_cgroup(&c) : -1;
  if (pid < 0 && c.cgroup_fd >= 0 && c.fail_call) {
    // clone3 itself refused the cgroup (its error, not the kernel's age).
  } else if (pid < 0) {
    pid = clone(spawn_child, (char *)stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
    if (pid < 0) c.fail_call = "clone", c.fail_errno = errno;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);

  if (pid < 0) {
    throw_errno(env, c.fail_call, c.fail_errno);
  } else if (c.fail_call) {
    // The child _exit()ed before exec: reap it so no zombie is left behind.
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    throw_errno(env, c.fail_call, c.fail_errno);
  } else {
    result = make_int(env, pid);
  }

out:
  if (c.cgroup_fd >= 0) close(c.cgroup_fd);
  free(cgroup);
  free(procs);
  if (stack != MAP_FAILED) munmap(stack, SPAWN_STACK);
  free(c.high);
  free((void *)c.fds);
  free_strv(c.argv);
  free_strv(c.envp);
  return result;
}

// ---- waitpid ---------------------------------------------------------------

static napi_value wait_result(napi_env env, pid_t pid, int status) {
  napi_value obj, code, sig, js_null;
  NAPI_TRY(env, napi_create_object(env, &obj));
  NAPI_TRY(env, napi_get_null(env, &js_null));
  code = sig = js_null;
  if (WIFEXITED(status))
    NAPI_TRY(env, napi_create_int32(env, WEXITSTATUS(status), &code));
  else if (WIFSIGNALED(status))
    NAPI_TRY(env, napi_create_int32(env, WTERMSIG(status), &sig));
  NAPI_TRY(env, napi_set_named_property(env, obj, "pid", make_int(env, pid)));
  NAPI_TRY(env, napi_set_named_property(env, obj, "exitCode", code));
  NAPI_TRY(env, napi_set_named_property(env, obj, "signal", sig));
  return obj;
}

static pid_t waitpid_retry(pid_t pid, int *status, int flags) {
  pid_t r;
  do r = waitpid(pid, status, flags);
  while (r < 0 && errno == EINTR);
  return r;
}

// waitpid(pid, noHang): blocks the JS thread unless noHang; null when noHang and
// the child still runs. Without WUNTRACED only exits and kills are reported.
static napi_value waitpid_fn(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid;
  bool no_hang;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[0], "waitpid: pid", &pid) ||
      !arg_bool(env, argv[1], "waitpid: noHang", &no_hang))
    return NULL;
  int status = 0;
  pid_t r = waitpid_retry(pid, &status, no_hang ? WNOHANG : 0);
  if (r < 0) return throw_errno(env, "waitpid", errno);
  if (r == 0) {
    napi_value js_null;
    NAPI_TRY(env, napi_get_null(env, &js_null));
    return js_null;
  }
  return wait_result(env, r, status);
}

// waitpidAsync runs waitpid on a thread of its own rather than as napi async
// work: a container can live for days, and parking a libuv pool thread (4 in
// Node) per container would starve fs and crypto work. The thread hands the
// result back through a threadsafe function, which also keeps the event loop
// alive while the wait is pending.
struct wait_job {
  pid_t pid;
  pid_t got;
  int status;
  int err;
  napi_deferred deferred;
  napi_threadsafe_function tsfn;
};

static void wait_settle(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)context;
  struct wait_job *job = data;
  if (env) { // NULL when the environment is being torn down
    if (job->got < 0) {
      napi_value error = errno_error(env, "waitpid", job->err, NULL);
      if (error) napi_reject_deferred(env, job->deferred, error);
    } else {
      napi_value result = wait_result(env, job->got, job->status);
      if (result) napi_resolve_deferred(env, job->deferred, result);
    }
  }
  free(job);
}

static void *wait_thread(void *arg) {
  struct wait_job *job = arg;
  job->got = waitpid_retry(job->pid, &job->status, 0);
  job->err = errno;
  napi_threadsafe_function tsfn = job->tsfn; // job belongs to wait_settle after the call
  napi_call_threadsafe_function(tsfn, job, napi_tsfn_blocking);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value waitpid_async(napi_env env, napi_callback_info info) {
  napi_value argv[1], promise, name;
  int32_t pid;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], "waitpidAsync: pid", &pid))
    return NULL;
  struct wait_job *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, "calloc", ENOMEM);
  job->pid = pid;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "runt.waitpid", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, wait_settle,
                                      &job->tsfn) != napi_ok) {
    free(job); // a created-but-unsettled promise is simply garbage
    return napi_failed(env);
  }
  int err = start_blocking_thread(wait_thread, job);
  if (err) {
    napi_release_threadsafe_function(job->tsfn, napi_tsfn_abort);
    napi_value error = errno_error(env, "pthread_create", err, NULL);
    if (error) napi_reject_deferred(env, job->deferred, error);
    free(job);
  }
  return promise;
}

// setChildSubreaper(): orphaned descendants (a container's PID 1 once the
// intermediate init exits) are re-parented to us instead of to the host's init,
// so runt can still wait for them.
static napi_value set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return throw_errno(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
  return NULL;
}

bool register_proc(napi_env env, napi_value exports) {
  return export_fn(env, exports, "spawn", spawn_fn) &&
         export_fn(env, exports, "waitpid", waitpid_fn) &&
         export_fn(env, exports, "waitpidAsync", waitpid_async) &&
         export_fn(env, exports, "setChildSubreaper", set_child_subreaper);
}
