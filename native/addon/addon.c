// Module registration and the helpers every other file uses (errors, arguments).
#include "addon.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The errno name ("EPERM") for Error.code. glibc has had strerrorname_np since
// 2.32; the table only keeps other libcs (musl) building, with the names the
// TypeScript side actually looks at.
static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
#else
  switch (err) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ESRCH: return "ESRCH";
  case EINTR: return "EINTR";
  case EBADF: return "EBADF";
  case ECHILD: return "ECHILD";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case ENOTDIR: return "ENOTDIR";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ENOSPC: return "ENOSPC";
  case EPIPE: return "EPIPE";
  case ENOSYS: return "ENOSYS";
  case EMSGSIZE: return "EMSGSIZE";
  case ENOEXEC: return "ENOEXEC";
  default: return "EUNKNOWN";
  }
#endif
}

napi_value napi_failed(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending)
    napi_throw_error(env, NULL, "runt addon: internal Node-API call failed");
  return NULL;
}

napi_value errno_error(napi_env env, const char *call, int err, const char *detail) {
  char sbuf[128];
  const char *text = strerror_r(err, sbuf, sizeof sbuf); // GNU variant: returns the text
  size_t size = strlen(call) + strlen(text) + (detail ? strlen(detail) : 0) + 8;
  char *msg = malloc(size);
  if (!msg) return NULL;
  snprintf(msg, size, "%s: %s%s%s", call, text, detail ? "\n" : "", detail ? detail : "");

  napi_value js_msg, js_code, js_errno, js_call, error = NULL;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) == napi_ok &&
      napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &js_code) == napi_ok &&
      napi_create_int32(env, err, &js_errno) == napi_ok &&
      napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &js_call) == napi_ok &&
      napi_create_error(env, js_code, js_msg, &error) == napi_ok) {
    // Positive errno, as in C: callers compare with os.constants.errno.
    if (napi_set_named_property(env, error, "errno", js_errno) != napi_ok ||
        napi_set_named_property(env, error, "syscall", js_call) != napi_ok)
      error = NULL;
  }
  free(msg);
  return error;
}

napi_value throw_errno(napi_env env, const char *call, int err) {
  napi_value error = errno_error(env, call, err, NULL);
  if (!error || napi_throw(env, error) != napi_ok) return napi_failed(env);
  return NULL;
}

napi_value throw_type(napi_env env, const char *what, const char *expected) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s must be %s", what, expected);
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

bool get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_failed(env);
    return false;
  }
  return true;
}

bool arg_int(napi_env env, napi_value v, const char *what, int32_t *out) {
  napi_valuetype type;
  double d;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, v, &d) != napi_ok || !(d >= INT32_MIN && d <= INT32_MAX) ||
      (double)(int32_t)d != d) {
    throw_type(env, what, "an integer");
    return false;
  }
  *out = (int32_t)d;
  return true;
}

bool arg_bool(napi_env env, napi_value v, const char *what, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    throw_type(env, what, "a boolean");
    return false;
  }
  return true;
}

char *arg_string(napi_env env, napi_value v, const char *what, bool nul_ok, size_t *len) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) {
    throw_type(env, what, "a string");
    return NULL;
  }
  char *s = malloc(n + 1);
  if (!s) {
    throw_errno(env, "malloc", ENOMEM);
    return NULL;
  }
  if (napi_get_value_string_utf8(env, v, s, n + 1, &n) != napi_ok) {
    free(s);
    napi_failed(env);
    return NULL;
  }
  if (!nul_ok && strlen(s) != n) {
    free(s);
    throw_type(env, what, "a string without NUL characters");
    return NULL;
  }
  if (len) *len = n;
  return s;
}

bool arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *p;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    throw_type(env, what, "a Uint8Array");
    return false;
  }
  *data = p;
  return true;
}

napi_value make_int(napi_env env, int64_t n) {
  napi_value v;
  NAPI_TRY(env, napi_create_int64(env, n, &v));
  return v;
}

bool export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, name, fn) != napi_ok) {
    napi_failed(env);
    return false;
  }
  return true;
}

NAPI_MODULE_INIT() {
  if (!register_fd(env, exports) || !register_proc(env, exports) || !register_bpf(env, exports) ||
      !register_seccomp(env, exports) || !register_tty(env, exports))
    return NULL;
  return exports;
}

int start_blocking_thread(void *(*fn)(void *), void *arg) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int err = pthread_create(&thread, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return err;
}
