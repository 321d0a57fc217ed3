// cgroup v2 device control: on cgroup v2 the devices allow-list is a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup. The
// TypeScript side builds the instructions; this file only loads, attaches and
// lists programs.
#include "addon.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

#define LOG_SIZE (64 * 1024)
#define LOG_TAIL_LINES 8

// The last few lines of a verifier log: the reason for a rejection is at the end
// ("R0 !read_ok", "invalid insn idx ..."), the rest is the instruction trace.
static const char *log_tail(char *log) {
  size_t end = strnlen(log, LOG_SIZE - 1);
  log[end] = '\0';
  while (end > 0 && log[end - 1] == '\n') log[--end] = '\0';
  int lines = 0;
  size_t start = end;
  while (start > 0 && !(log[start - 1] == '\n' && ++lines == LOG_TAIL_LINES)) start--;
  return log + start;
}

static napi_value load_device_program(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint8_t *insns;
  size_t len;
  if (!get_args(env, info, 2, argv) ||
      !arg_bytes(env, argv[0], "bpfLoadDeviceProgram: insns", &insns, &len))
    return NULL;
  if (len == 0 || len % sizeof(struct bpf_insn) != 0)
    return throw_type(env, "bpfLoadDeviceProgram: insns",
                      "a non-empty Uint8Array of 8-byte instructions");
  char *license = arg_string(env, argv[1], "bpfLoadDeviceProgram: license", false, NULL);
  if (!license) return NULL;

  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t)insns;
  attr.insn_cnt = (uint32_t)(len / sizeof(struct bpf_insn));
  attr.license = (uintptr_t)license;
  // A name makes the program recognisable in `bpftool cgroup show`.
  memcpy(attr.prog_name, "runt_devices", sizeof "runt_devices");

  // First without a log: it is cheap, and a too-small log buffer can itself
  // fail a load (ENOSPC). Only a rejected program is loaded again with the log.
  int fd = sys_bpf(BPF_PROG_LOAD, &attr);
  int err = errno;
  napi_value result = NULL;
  if (fd >= 0) {
    result = make_int(env, fd);
  } else if (err != EACCES && err != EINVAL) {
    throw_errno(env, "bpf(BPF_PROG_LOAD)", err);
  } else {
    char *log = calloc(1, LOG_SIZE);
    if (log) {
      attr.log_buf = (uintptr_t)log;
      attr.log_size = LOG_SIZE;
      attr.log_level = 1;
      fd = sys_bpf(BPF_PROG_LOAD, &attr);
    }
    if (fd >= 0) { // a transient failure the second attempt did not hit
      result = make_int(env, fd);
    } else {
      napi_value error = errno_error(env, "bpf(BPF_PROG_LOAD)", err,
                                     log && log[0] ? log_tail(log) : NULL);
      if (!error || napi_throw(env, error) != napi_ok) napi_failed(env);
    }
    free(log);
  }
  free(license);
  return result;
}

static napi_value attach_device(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t cgroup_fd, prog_fd;
  if (!get_args(env, info, 2, argv) ||
      !arg_int(env, argv[0], "bpfAttachDevice: cgroupFd", &cgroup_fd) ||
      !arg_int(env, argv[1], "bpfAttachDevice: progFd", &prog_fd))
    return NULL;
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cgroup_fd;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  // ALLOW_MULTI: a program below (or a nested runtime's) must not replace or be
  // refused by ours; all attached programs have to allow an access.
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0) return throw_errno(env, "bpf(BPF_PROG_ATTACH)", errno);
  return NULL;
}

// Ids of the device programs attached directly to the cgroup (not inherited).
static napi_value query_device(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t cgroup_fd;
  if (!get_args(env, info, 1, argv) ||
      !arg_int(env, argv[0], "bpfQueryDevice: cgroupFd", &cgroup_fd))
    return NULL;
  uint32_t cap = 16, *ids = NULL;
  union bpf_attr attr;
  for (;;) {
    uint32_t *grown = realloc(ids, cap * sizeof *ids);
    if (!grown) {
      free(ids);
      return throw_errno(env, "realloc", ENOMEM);
    }
    ids = grown;
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t)cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uintptr_t)ids;
    attr.query.prog_cnt = cap;
    if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) break;
    // ENOSPC: more programs than room; prog_cnt now holds the real count (which
    // may still grow before the next try, hence the loop).
    if (errno != ENOSPC || attr.query.prog_cnt <= cap) {
      int err = errno;
      free(ids);
      return throw_errno(env, "bpf(BPF_PROG_QUERY)", err);
    }
    cap = attr.query.prog_cnt;
  }
  napi_value arr = NULL, id;
  if (napi_create_array_with_length(env, attr.query.prog_cnt, &arr) != napi_ok) arr = NULL;
  for (uint32_t i = 0; arr && i < attr.query.prog_cnt; i++)
    if (napi_create_uint32(env, ids[i], &id) != napi_ok || napi_set_element(env, arr, i, id) != napi_ok)
      arr = NULL;
  free(ids);
  return arr ? arr : napi_failed(env);
}

bool register_bpf(napi_env env, napi_value exports) {
  return export_fn(env, exports, "bpfLoadDeviceProgram", load_device_program) &&
         export_fn(env, exports, "bpfAttachDevice", attach_device) &&
         export_fn(env, exports, "bpfQueryDevice", query_device);
}
