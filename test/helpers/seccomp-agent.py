#!/usr/bin/env python3
# A minimal seccomp agent for the tests: listens on argv[1], takes one container
# process state with the seccomp notify fd (SCM_RIGHTS), writes the state to
# argv[2], then answers every notification with -EDOM and appends "nr <n>" lines
# to argv[2].nrs until the filter has no users left.
import errno
import fcntl
import socket
import struct
import sys

NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif), 80 bytes
NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes

path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
while True:
    more = conn.recv(65536)
    if not more:
        break
    msg += more
conn.close()
with open(out, "wb") as f:
    f.write(msg)
with open(out + ".nrs", "w") as nrs:
    nrs.write(f"fds {len(fds)}\n")
    nrs.flush()
    if not fds:
        sys.exit(1)
    fd = fds[0]
    while True:
        buf = bytearray(80)
        try:
            fcntl.ioctl(fd, NOTIF_RECV, buf)
        except OSError:
            break  # ENOENT: the container is gone
        nid, _pid, _flags = struct.unpack_from("=QII", buf, 0)
        (nr,) = struct.unpack_from("=i", buf, 16)
        nrs.write(f"nr {nr}\n")
        nrs.flush()
        resp = bytearray(struct.pack("=QqiI", nid, 0, -errno.EDOM, 0))
        try:
            fcntl.ioctl(fd, NOTIF_SEND, resp)
        except OSError:
            pass
