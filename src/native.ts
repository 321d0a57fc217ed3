// The only module that loads the Node-API addon (native/addon). Everything the
// TypeScript side needs from the kernel that node: APIs do not offer goes here.
export interface WaitResult {
  pid: number;
  /** Exit code when the process exited, else null. */
  exitCode: number | null;
  /** Signal number when the process was killed by a signal, else null. */
  signal: number | null;
}

export interface SpawnOptions {
  /** An fd of an ELF executable (a sealed memfd): the child runs execveat(fd, "", AT_EMPTY_PATH).
   * The fd may be close-on-exec; that is why a `#!` script fails here (ENOENT). */
  execFd: number;
  /** Non-empty; argv[0] is what the program sees as its name. */
  argv: string[];
  /** "KEY=value" entries, the complete environment (nothing is inherited). */
  env: string[];
  /** fds[i] is the parent's fd that becomes the child's fd i; -1 leaves fd i closed.
   * Sources may overlap targets (e.g. a swap). Every other fd is closed at exec. */
  fds: number[];
  /** A cgroup v2 directory the child starts in (clone3 CLONE_INTO_CGROUP; else it joins). */
  cgroup?: string;
}

/** What the addon throws (or rejects with) when a syscall fails. */
export interface NativeError extends Error {
  /** Positive errno, as in C (compare with os.constants.errno), unlike Node's negative uv errno. */
  errno: number;
  /** The errno name: "EPERM", "ENOENT", ... */
  code: string;
  /** The failing call, as at the start of the message: "execveat", "bpf(BPF_PROG_LOAD)", ... */
  syscall: string;
}

/**
 * Every function throws a NativeError whose message is "<call>: <strerror>" when a
 * syscall fails, and a TypeError naming the function and argument
 * ("spawn: opts.fds must be ...") when an argument has the wrong type.
 */
export interface RuntAddon {
  /** memfd_create(name, MFD_CLOEXEC|MFD_ALLOW_SEALING), write data, and seal it
   * (F_SEAL_SEAL|SHRINK|GROW|WRITE) when seal is true. Returns the fd. */
  memfdFromBytes(name: string, data: Uint8Array, seal: boolean): number;
  /** socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC). */
  seqpacketPair(): [number, number];
  /** vfork-style spawn (clone(CLONE_VM|CLONE_VFORK), no Bun/Node involvement); returns the
   * child's pid. The child starts with all signal dispositions at SIG_DFL and an empty signal
   * mask. A failure in the child before or at exec is thrown here ("execveat: Exec format
   * error", "fcntl(F_DUPFD_CLOEXEC): Bad file descriptor" for a bad fds entry), and that child
   * is already reaped. */
  spawn(opts: SpawnOptions): number;
  /** Blocking waitpid; with noHang returns null when the child still runs. */
  waitpid(pid: number, noHang: boolean): WaitResult | null;
  /** waitpid on a thread of its own (not the libuv pool: a container may run for days);
   * resolves when the child ends, rejects with a NativeError. Keeps the event loop alive. */
  waitpidAsync(pid: number): Promise<WaitResult>;
  /** send(fd, data) of one message (UTF-8), MSG_NOSIGNAL: a gone peer throws EPIPE. */
  send(fd: number, data: string): void;
  /** recv one message (blocking, up to 64 KiB; a longer one throws EMSGSIZE); "" on EOF.
   * An empty message also reads as "", so the protocol must not send one. */
  recv(fd: number): string;
  /** mkfifo(path, mode); the mode is subject to the umask. */
  mkfifo(path: string, mode: number): void;
  /** flock(fd, LOCK_EX or LOCK_SH [| LOCK_NB]); returns false when LOCK_NB and held. */
  flock(fd: number, exclusive: boolean, noBlock: boolean): boolean;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1). */
  setChildSubreaper(): void;
  /** bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program (8-byte insns); returns a
   * close-on-exec prog fd. When the verifier rejects the program, the error message carries
   * the last lines of the verifier log after the first line. */
  bpfLoadDeviceProgram(insns: Uint8Array, license: string): number;
  /** bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) to the cgroup dir fd. */
  bpfAttachDevice(cgroupFd: number, progFd: number): void;
  /** Query the programs attached to a cgroup dir (BPF_CGROUP_DEVICE); returns prog ids. */
  bpfQueryDevice(cgroupFd: number): number[];
  /** Compile a seccomp profile in the line format of src/seccomp/compile.ts with libseccomp;
   * returns the BPF program and the names (one a line) libseccomp does not know. */
  seccompCompile(profile: string): { bpf: Uint8Array; skipped: string; lastSyscalls: string };
  /** The libseccomp version, "2.5.4". */
  seccompVersion(): string;
  /** recvmsg one message and the fd passed with it (SCM_RIGHTS, close-on-exec); fd is -1
   * when none came, data "" on EOF. */
  recvWithFd(fd: number): { data: string; fd: number };
  /** poll(POLLIN): true once fd is readable or hung up, false after timeoutMs. */
  pollIn(fd: number, timeoutMs: number): boolean;
  /** Connect to the AF_UNIX stream socket at path, send data with fd attached (SCM_RIGHTS)
   * and close: runc's console socket protocol, and the seccomp listener's. */
  sendFdToSocket(path: string, fd: number, data: string): void;
  /** TIOCGWINSZ; null when fd is not a terminal. */
  getWinsize(fd: number): { rows: number; cols: number } | null;
  /** TIOCSWINSZ. */
  setWinsize(fd: number, rows: number, cols: number): void;
  /** Raw mode (cfmakeraw); returns the previous termios for restoreTerminal, null if not a tty. */
  makeRaw(fd: number): Uint8Array | null;
  restoreTerminal(fd: number, saved: Uint8Array): void;
  /** Copies in -> master and master -> out on a thread until the pty's slave is closed by
   * every holder; in may be -1. */
  ptyRelay(master: number, input: number, output: number): Promise<void>;
}

let loaded: RuntAddon | undefined;

/** Load the addon once. bun build --compile embeds the .node file. */
export function native(): RuntAddon {
  if (!loaded) {
    // A literal require, so that bun build --compile embeds the addon.
    loaded = require("../native/build/runt.node") as RuntAddon;
  }
  return loaded;
}
