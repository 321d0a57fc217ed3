// Terminals and fd passing: receiving the pty master from runt-init, handing it
// to an engine's console socket (as runc does), window sizes, raw mode, and a
// relay thread between runt's own terminal and the container's pty.
#include "addon.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define RECV_MAX (64 * 1024)

// recvWithFd(fd): one message and the fd passed with it (SCM_RIGHTS, made
// close-on-exec), as {data, fd}; fd is -1 when none came, data "" on EOF.
static napi_value recv_with_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t sock;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], "recvWithFd: fd", &sock))
    return NULL;
  char *buf = malloc(RECV_MAX);
  if (!buf) return throw_errno(env, "malloc", ENOMEM);
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  struct iovec iov = {.iov_base = buf, .iov_len = RECV_MAX};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf};
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  int err = errno;
  int fd = -1;
  for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (fd < 0) fd = got;
      else close(got); // only one is expected
    }
  }
  if (n >= 0 && (msg.msg_flags & MSG_TRUNC)) n = -1, err = EMSGSIZE;
  napi_value obj = NULL, data, jfd;
  if (n < 0) {
    if (fd >= 0) close(fd);
    throw_errno(env, "recvmsg", err);
  } else if (napi_create_object(env, &obj) != napi_ok ||
             napi_create_string_utf8(env, buf, (size_t)n, &data) != napi_ok ||
             napi_create_int32(env, fd, &jfd) != napi_ok ||
             napi_set_named_property(env, obj, "data", data) != napi_ok ||
             napi_set_named_property(env, obj, "fd", jfd) != napi_ok) {
    if (fd >= 0) close(fd);
    obj = NULL;
    napi_failed(env);
  }
  free(buf);
  return obj;
}

// sendFdToSocket(path, fd, data): connects to the AF_UNIX stream socket at path and
// sends data with fd attached to its first sendmsg (the rest follows plainly), then
// closes. It serves runc's console socket (data: the pty's name) and the seccomp
// listener (data: the container process state).
static napi_value send_fd_to_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  size_t len;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[1], "sendFdToSocket: fd", &fd))
    return NULL;
  char *path = arg_string(env, argv[0], "sendFdToSocket: path", false, NULL);
  if (!path) return NULL;
  char *data = arg_string(env, argv[2], "sendFdToSocket: data", true, &len);
  if (!data) {
    free(path);
    return NULL;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  const char *call = "connect";
  int err = 0, sock = -1;
  if (strlen(path) >= sizeof addr.sun_path) {
    err = ENAMETOOLONG;
    goto out;
  }
  strcpy(addr.sun_path, path);
  sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    call = "socket", err = errno;
    goto out;
  }
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
    err = errno;
    goto out;
  }
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  size_t off = 0;
  while (off < len) {
    struct iovec iov = {.iov_base = data + off, .iov_len = len - off};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (off == 0) {
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof cbuf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      call = "sendmsg", err = errno;
      goto out;
    }
    off += (size_t)n;
  }
out:
  if (sock >= 0) close(sock);
  free(path);
  free(data);
  if (err) return throw_errno(env, call, err);
  return NULL;
}

// getWinsize(fd): {rows, cols}, or null when fd is not a terminal.
static napi_value get_winsize(napi_env env, napi_callback_info info) {
  napi_value argv[1], obj, v;
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], "getWinsize: fd", &fd)) return NULL;
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) < 0) {
    NAPI_TRY(env, napi_get_null(env, &v));
    return v;
  }
  NAPI_TRY(env, napi_create_object(env, &obj));
  NAPI_TRY(env, napi_set_named_property(env, obj, "rows", make_int(env, ws.ws_row)));
  NAPI_TRY(env, napi_set_named_property(env, obj, "cols", make_int(env, ws.ws_col)));
  return obj;
}

// setWinsize(fd, rows, cols): TIOCSWINSZ; the foreground process group gets SIGWINCH.
static napi_value set_winsize(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, rows, cols;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[0], "setWinsize: fd", &fd) ||
      !arg_int(env, argv[1], "setWinsize: rows", &rows) ||
      !arg_int(env, argv[2], "setWinsize: cols", &cols))
    return NULL;
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return throw_errno(env, "ioctl(TIOCSWINSZ)", errno);
  return NULL;
}

// makeRaw(fd): puts the terminal in raw mode; returns the previous settings to
// hand back to restoreTerminal, or null when fd is not a terminal.
static napi_value make_raw(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], "makeRaw: fd", &fd)) return NULL;
  struct termios old, raw;
  if (tcgetattr(fd, &old) < 0) {
    NAPI_TRY(env, napi_get_null(env, &out));
    return out;
  }
  raw = old;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) < 0) return throw_errno(env, "tcsetattr", errno);
  void *data;
  NAPI_TRY(env, napi_create_buffer_copy(env, sizeof old, &old, &data, &out));
  return out;
}

static napi_value restore_terminal(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  uint8_t *data;
  size_t len;
  if (!get_args(env, info, 2, argv) || !arg_int(env, argv[0], "restoreTerminal: fd", &fd) ||
      !arg_bytes(env, argv[1], "restoreTerminal: saved", &data, &len))
    return NULL;
  struct termios t;
  if (len != sizeof t) return throw_type(env, "restoreTerminal: saved", "what makeRaw returned");
  memcpy(&t, data, sizeof t);
  if (tcsetattr(fd, TCSANOW, &t) < 0) return throw_errno(env, "tcsetattr", errno);
  return NULL;
}

// ---- relay -----------------------------------------------------------------

struct relay {
  int master, in, out;
  napi_deferred deferred;
  napi_threadsafe_function tsfn;
};

// Writes all of buf, waiting out EAGAIN (the fd may be non-blocking). -1 on error.
static int write_all(int fd, const char *buf, size_t len) {
  while (len) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      poll(&p, 1, 100);
      continue;
    }
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static void *relay_thread(void *arg) {
  struct relay *r = arg;
  char buf[16384];
  int in = r->in;
  for (;;) {
    struct pollfd p[2] = {{.fd = r->master, .events = POLLIN}, {.fd = in, .events = POLLIN}};
    int rc = poll(p, in >= 0 ? 2 : 1, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) break;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(r->master, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      // EIO: every holder of the slave has closed it, the session is over.
      if (n <= 0) break;
      if (write_all(r->out, buf, (size_t)n) < 0) break;
    }
    if (in >= 0 && p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) in = -1; // our input ended; the container's output still flows
      else if (write_all(r->master, buf, (size_t)n) < 0) break;
    }
  }
  napi_threadsafe_function tsfn = r->tsfn;
  napi_call_threadsafe_function(tsfn, r, napi_tsfn_blocking);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static void relay_settle(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)context;
  struct relay *r = data;
  if (env) {
    napi_value undef;
    if (napi_get_undefined(env, &undef) == napi_ok) napi_resolve_deferred(env, r->deferred, undef);
  }
  free(r);
}

// ptyRelay(master, in, out): copies in -> master and master -> out on a thread of
// its own until the pty's slave side is closed by everyone; resolves then. in may
// be -1 (nothing to send).
static napi_value pty_relay(napi_env env, napi_callback_info info) {
  napi_value argv[3], promise, name;
  int32_t master, in, out;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[0], "ptyRelay: master", &master) ||
      !arg_int(env, argv[1], "ptyRelay: in", &in) || !arg_int(env, argv[2], "ptyRelay: out", &out))
    return NULL;
  struct relay *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, "calloc", ENOMEM);
  r->master = master, r->in = in, r->out = out;
  if (napi_create_promise(env, &r->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "runt.ptyRelay", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, relay_settle,
                                      &r->tsfn) != napi_ok) {
    free(r);
    return napi_failed(env);
  }
  int err = start_blocking_thread(relay_thread, r);
  if (err) {
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    free(r);
    return throw_errno(env, "pthread_create", err);
  }
  return promise;
}

bool register_tty(napi_env env, napi_value exports) {
  return export_fn(env, exports, "recvWithFd", recv_with_fd) &&
         export_fn(env, exports, "sendFdToSocket", send_fd_to_socket) &&
         export_fn(env, exports, "getWinsize", get_winsize) &&
         export_fn(env, exports, "setWinsize", set_winsize) &&
         export_fn(env, exports, "makeRaw", make_raw) &&
         export_fn(env, exports, "restoreTerminal", restore_terminal) &&
         export_fn(env, exports, "ptyRelay", pty_relay);
}
