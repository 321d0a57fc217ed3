// Shared helpers of the runt Node-API addon: error construction and argument
// checking. Every exported function follows the same rules: a bad argument
// throws a TypeError naming the function and the argument, a failed syscall
// throws an Error "<call>: <strerror>" with `errno`, `code` and `syscall`.
#ifndef RUNT_ADDON_H
#define RUNT_ADDON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

// Builds (without throwing) the Error for a failed call. `detail`, when not
// NULL, is appended on its own lines (used for the BPF verifier log).
napi_value errno_error(napi_env env, const char *call, int err, const char *detail);

// Throws errno_error(...) and returns NULL, so callers can `return throw_errno(...)`.
napi_value throw_errno(napi_env env, const char *call, int err);

// Throws a TypeError "<what> must be <expected>" and returns NULL.
napi_value throw_type(napi_env env, const char *what, const char *expected);

// Makes sure a Node-API failure surfaces as an exception and returns NULL. Node-API
// calls only fail on engine trouble (out of memory, a pending exception), so
// there is no point in distinguishing them further.
napi_value napi_failed(napi_env env);

#define NAPI_TRY(env, call)                                                                        \
  do {                                                                                             \
    if ((call) != napi_ok) return napi_failed(env);                                                \
  } while (0)

// Fetches exactly n arguments; missing ones read as undefined and then fail the
// type checks below with a clear message.
bool get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv);

// Argument readers: on a type mismatch they throw a TypeError naming `what`
// (e.g. "spawn: opts.execFd") and return false / NULL.
bool arg_int(napi_env env, napi_value v, const char *what, int32_t *out);
bool arg_bool(napi_env env, napi_value v, const char *what, bool *out);
// A JS string as a malloc'd UTF-8 C string. When `nul_ok` is false the string
// must not contain NUL (it is going to be a path or an argv entry, where an
// embedded NUL would silently truncate it).
char *arg_string(napi_env env, napi_value v, const char *what, bool nul_ok, size_t *len);
// A Uint8Array (a Buffer is one); the data stays owned by the JS engine and is
// valid for the duration of the call.
bool arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);

napi_value make_int(napi_env env, int64_t n);

// Starts a detached thread with every signal blocked, so the kernel never picks it
// for a process-directed signal meant for the JS runtime's handlers. Returns 0 or
// pthread_create's error.
int start_blocking_thread(void *(*fn)(void *), void *arg);

// Registration of each concern's functions onto `exports`.
bool register_fd(napi_env env, napi_value exports);
bool register_proc(napi_env env, napi_value exports);
bool register_bpf(napi_env env, napi_value exports);
bool register_seccomp(napi_env env, napi_value exports);
bool register_tty(napi_env env, napi_value exports);

// Adds one function property; false (with an exception pending) on failure.
bool export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb);

#endif
