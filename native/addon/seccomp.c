// Seccomp: a profile compiled to classic BPF with libseccomp (the init only loads
// the bytes), and the fd passing a SCMP_ACT_NOTIFY profile needs: the listener fd
// the init sends over the sync socket, handed on to the engine's listenerPath.
#include "addon.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// Appends s (with a newline) to a growing buffer; false on ENOMEM.
static bool append(char **buf, size_t *len, const char *s) {
  size_t n = strlen(s);
  char *p = realloc(*buf, *len + n + 2);
  if (!p) return false;
  memcpy(p + *len, s, n);
  p[*len + n] = '\n';
  p[*len + n + 1] = 0;
  *buf = p;
  *len += n + 1;
  return true;
}

// The filter's architectures (the native one first) and, for each, the largest
// syscall number the profile names: runt's ENOSYS stub answers ENOSYS above it.
struct last_syscalls {
  unsigned n;
  uint32_t arch[16];
  int last[16];
};

static void note_syscall(struct last_syscalls *ls, const char *name) {
  for (unsigned i = 0; i < ls->n; i++) {
    int nr = seccomp_syscall_resolve_name_arch(ls->arch[i], name);
    if (nr != __NR_SCMP_ERROR && nr > ls->last[i]) ls->last[i] = nr;
  }
}

// One line of the profile text (see src/seccomp/compile.ts):
//   default ACTION | arch NAME | name NAME | rule NAME ACTION [INDEX OP VALUE VALUETWO]...
// Returns NULL on success, else a static description; *err is the errno (0: bad text).
static const char *apply_line(scmp_filter_ctx ctx, char *line, char **skipped, size_t *skipped_len,
                              struct last_syscalls *ls, int *err) {
  char *save = NULL, *word = strtok_r(line, " ", &save);
  *err = 0;
  if (!word) return NULL;
  if (!strcmp(word, "name")) {
    // Named by the profile but adding no rule (its action is the default one).
    char *name = strtok_r(NULL, " ", &save);
    if (!name) return "short name line";
    note_syscall(ls, name);
    return NULL;
  }
  if (!strcmp(word, "arch")) {
    char *name = strtok_r(NULL, " ", &save);
    if (!name) return "short arch line";
    uint32_t arch = seccomp_arch_resolve_name(name);
    if (!arch) {
      // Unknown to this libseccomp: skipped like an unknown syscall, reported as "arch NAME".
      char buf[64];
      snprintf(buf, sizeof buf, "arch %s", name);
      if (!append(skipped, skipped_len, buf)) return *err = ENOMEM, "malloc";
      return NULL;
    }
    int r = seccomp_arch_add(ctx, arch);
    if (r < 0 && r != -EEXIST) return *err = -r, "seccomp_arch_add";
    bool known = false;
    for (unsigned i = 0; i < ls->n; i++) known |= ls->arch[i] == arch;
    if (!known && ls->n < 16) {
      ls->arch[ls->n] = arch;
      ls->last[ls->n++] = 0;
    }
    return NULL;
  }
  if (strcmp(word, "rule")) return "unknown line";
  char *name = strtok_r(NULL, " ", &save), *act = strtok_r(NULL, " ", &save);
  if (!name || !act) return "short rule";
  struct scmp_arg_cmp args[6];
  unsigned n = 0;
  for (char *w; (w = strtok_r(NULL, " ", &save));) {
    char *op = strtok_r(NULL, " ", &save), *v1 = strtok_r(NULL, " ", &save),
         *v2 = strtok_r(NULL, " ", &save);
    if (!op || !v1 || !v2 || n >= 6) return "bad argument condition";
    args[n].arg = (unsigned)strtoul(w, NULL, 10);
    args[n].op = (enum scmp_compare)strtoul(op, NULL, 10);
    args[n].datum_a = strtoull(v1, NULL, 10);
    args[n].datum_b = strtoull(v2, NULL, 10);
    n++;
  }
  note_syscall(ls, name);
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) {
    // Unknown to libseccomp on these architectures: skipped, as runc does.
    if (!append(skipped, skipped_len, name)) return *err = ENOMEM, "malloc";
    return NULL;
  }
  int r = seccomp_rule_add_array(ctx, (uint32_t)strtoul(act, NULL, 10), nr, n, args);
  if (r < 0) return *err = -r, "seccomp_rule_add";
  return NULL;
}

// seccompCompile(text): { bpf: Uint8Array, skipped: string, lastSyscalls: string }
// (skipped: names, one a line; lastSyscalls: "AUDIT_ARCH NR" lines, the native arch first).
static napi_value seccomp_compile(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char *text = arg_string(env, argv[0], "seccompCompile: profile", false, NULL);
  if (!text) return NULL;
  char *save = NULL, *first = strtok_r(text, "\n", &save), *skipped = NULL, *rest;
  size_t skipped_len = 0;
  napi_value result = NULL;
  scmp_filter_ctx ctx = NULL;
  int memfd = -1;
  struct last_syscalls ls = {.n = 1, .arch = {seccomp_arch_native()}, .last = {0}};
  if (!first || strncmp(first, "default ", 8)) {
    throw_type(env, "seccompCompile: profile", "a profile starting with `default ACTION`");
    goto out;
  }
  if (!(ctx = seccomp_init((uint32_t)strtoul(first + 8, NULL, 10)))) {
    throw_errno(env, "seccomp_init", EINVAL);
    goto out;
  }
  // A binary tree of syscalls: a long profile costs log(n) compares, not n.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  while ((rest = strtok_r(NULL, "\n", &save))) {
    char copy[4096];
    int err;
    snprintf(copy, sizeof copy, "%s", rest);
    const char *why = apply_line(ctx, rest, &skipped, &skipped_len, &ls, &err);
    if (why) {
      char detail[4200];
      snprintf(detail, sizeof detail, "%s: %s", why, copy);
      napi_value e = errno_error(env, "seccompCompile", err ? err : EINVAL, detail);
      if (e) napi_throw(env, e);
      goto out;
    }
  }
  memfd = memfd_create("runt-seccomp", MFD_CLOEXEC);
  if (memfd < 0) {
    throw_errno(env, "memfd_create", errno);
    goto out;
  }
  int r = seccomp_export_bpf(ctx, memfd);
  if (r < 0) {
    throw_errno(env, "seccomp_export_bpf", -r);
    goto out;
  }
  off_t size = lseek(memfd, 0, SEEK_END);
  napi_value bpf, names, obj, lasts;
  char last_text[16 * 24] = "";
  for (unsigned i = 0; i < ls.n; i++) {
    size_t used = strlen(last_text);
    snprintf(last_text + used, sizeof last_text - used, "%u %d\n", ls.arch[i], ls.last[i]);
  }
  void *data;
  if (size < 0) {
    throw_errno(env, "lseek", errno);
    goto out;
  }
  if (napi_create_buffer(env, (size_t)size, &data, &bpf) != napi_ok) {
    napi_failed(env);
    goto out;
  }
  if (pread(memfd, data, (size_t)size, 0) != size) {
    throw_errno(env, "pread", errno ? errno : EIO);
    goto out;
  }
  if (napi_create_string_utf8(env, skipped ? skipped : "", NAPI_AUTO_LENGTH, &names) != napi_ok ||
      napi_create_object(env, &obj) != napi_ok ||
      napi_set_named_property(env, obj, "bpf", bpf) != napi_ok ||
      napi_set_named_property(env, obj, "skipped", names) != napi_ok ||
      napi_create_string_utf8(env, last_text, NAPI_AUTO_LENGTH, &lasts) != napi_ok ||
      napi_set_named_property(env, obj, "lastSyscalls", lasts) != napi_ok) {
    napi_failed(env);
    goto out;
  }
  result = obj;
out:
  if (memfd >= 0) close(memfd);
  if (ctx) seccomp_release(ctx);
  free(skipped);
  free(text);
  return result;
}

// seccompVersion(): "major.minor.micro" of the libseccomp in use (part of the cache key).
static napi_value libseccomp_version(napi_env env, napi_callback_info info) {
  (void)info;
  const struct scmp_version *v = seccomp_version();
  char buf[48];
  napi_value s;
  snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
  NAPI_TRY(env, napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &s));
  return s;
}

bool register_seccomp(napi_env env, napi_value exports) {
  return export_fn(env, exports, "seccompCompile", seccomp_compile) &&
         export_fn(env, exports, "seccompVersion", libseccomp_version);
}
