// File-descriptor calls: sealed memfds, seqpacket sockets, fifos, flock.
// Every fd created here is close-on-exec: the only way an fd reaches a child is
// spawn()'s explicit fd map.
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

// memfdFromBytes(name, data, seal): the init binary runs from a sealed memfd, so a
// container process cannot reopen and overwrite it through /proc/PID/exe.
static napi_value memfd_from_bytes(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint8_t *data;
  size_t len;
  bool seal;
  if (!get_args(env, info, 3, argv) || !arg_bytes(env, argv[1], "memfdFromBytes: data", &data, &len) ||
      !arg_bool(env, argv[2], "memfdFromBytes: seal", &seal))
    return NULL;
  char *name = arg_string(env, argv[0], "memfdFromBytes: name", false, NULL);
  if (!name) return NULL;

  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  free(name);
  if (fd < 0) return throw_errno(env, "memfd_create", errno);

  for (size_t off = 0; off < len;) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "write", err);
    }
    off += (size_t)n;
  }
  // F_SEAL_SEAL last of all, in the same call: nobody can lift the others later.
  if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "fcntl(F_ADD_SEALS)", err);
  }
  return make_int(env, fd);
}

// seqpacketPair(): the runt <-> runt-init channel. SEQPACKET keeps message
// boundaries, so one send() is one JSON message, and a peer's exit reads as EOF.
static napi_value seqpacket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return throw_errno(env, "socketpair", errno);
  napi_value arr, a, b;
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok ||
      napi_create_int32(env, sv[0], &a) != napi_ok || napi_create_int32(env, sv[1], &b) != napi_ok ||
      napi_set_element(env, arr, 0, a) != napi_ok || napi_set_element(env, arr, 1, b) != napi_ok) {
    close(sv[0]);
    close(sv[1]);
    return napi_failed(env);
  }
  return arr;
}

// send(fd, data): one message. MSG_NOSIGNAL: a dead peer is an EPIPE error here,
// not a SIGPIPE for the whole runtime.
static napi_value send_msg(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  size_t len;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[0], "send: fd", &fd)) return NULL;
  char *data = arg_string(env, argv[1], "send: data", true, &len);
  if (!data) return NULL;
  ssize_t n;
  do n = send(fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  int err = errno;
  free(data);
  if (n < 0) return throw_errno(env, "send", err);
  // A SEQPACKET send is all or nothing; a short count means a stream socket.
  if ((size_t)n != len) return throw_errno(env, "send", EMSGSIZE);
  return NULL;
}

#define RECV_MAX (64 * 1024)

// recv(fd): one message as a string, "" on EOF. recvmsg rather than recv so a
// message longer than the buffer is an error instead of silently cut JSON.
static napi_value recv_msg(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], "recv: fd", &fd)) return NULL;
  char *buf = malloc(RECV_MAX);
  if (!buf) return throw_errno(env, "malloc", ENOMEM);
  struct iovec iov = {.iov_base = buf, .iov_len = RECV_MAX};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  ssize_t n;
  do n = recvmsg(fd, &msg, 0);
  while (n < 0 && errno == EINTR);
  int err = errno;
  if (n >= 0 && (msg.msg_flags & MSG_TRUNC)) n = -1, err = EMSGSIZE;
  napi_value str = NULL;
  if (n < 0)
    throw_errno(env, "recv", err);
  else if (napi_create_string_utf8(env, buf, (size_t)n, &str) != napi_ok)
    napi_failed(env);
  free(buf);
  return str;
}

static napi_value mkfifo_fn(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t mode;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[1], "mkfifo: mode", &mode)) return NULL;
  char *path = arg_string(env, argv[0], "mkfifo: path", false, NULL);
  if (!path) return NULL;
  int rc = mkfifo(path, (mode_t)mode);
  int err = errno;
  free(path);
  if (rc < 0) return throw_errno(env, "mkfifo", err);
  return NULL;
}

// flock(fd, exclusive, noBlock): true when taken, false when LOCK_NB found it held.
static napi_value flock_fn(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  bool exclusive, no_block;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[0], "flock: fd", &fd) ||
      !arg_bool(env, argv[1], "flock: exclusive", &exclusive) ||
      !arg_bool(env, argv[2], "flock: noBlock", &no_block))
    return NULL;
  int op = (exclusive ? LOCK_EX : LOCK_SH) | (no_block ? LOCK_NB : 0);
  int rc;
  do rc = flock(fd, op);
  while (rc < 0 && errno == EINTR);
  napi_value result;
  if (rc < 0 && errno == EWOULDBLOCK && no_block) {
    NAPI_TRY(env, napi_get_boolean(env, false, &result));
    return result;
  }
  if (rc < 0) return throw_errno(env, "flock", errno);
  NAPI_TRY(env, napi_get_boolean(env, true, &result));
  return result;
}

// pollIn(fd, timeoutMs): true once fd is readable (or hung up), false after timeoutMs.
// runt's waits on runt-init go through it, so none of them can block forever.
static napi_value poll_in(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t fd, ms;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[0], "pollIn: fd", &fd) ||
      !arg_int(env, argv[1], "pollIn: timeoutMs", &ms))
    return NULL;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int n;
  do n = poll(&p, 1, ms);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "poll", errno);
  NAPI_TRY(env, napi_get_boolean(env, n > 0, &result));
  return result;
}

bool register_fd(napi_env env, napi_value exports) {
  return export_fn(env, exports, "memfdFromBytes", memfd_from_bytes) &&
         export_fn(env, exports, "seqpacketPair", seqpacket_pair) &&
         export_fn(env, exports, "send", send_msg) && export_fn(env, exports, "recv", recv_msg) &&
         export_fn(env, exports, "mkfifo", mkfifo_fn) && export_fn(env, exports, "flock", flock_fn) &&
         export_fn(env, exports, "pollIn", poll_in);
}
