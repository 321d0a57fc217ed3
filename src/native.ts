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
  /** An fd of an executable (a sealed memfd): the child runs execveat(fd, "", AT_EMPTY_PATH). */
  execFd: number;
  argv: string[];
  env: string[];
  /** fds[i] is the parent's fd that becomes the child's fd i; -1 leaves fd i closed. */
  fds: number[];
}

/**
 * Every function throws an Error whose message is "<call>: <strerror>" and which
 * carries `errno` (number) and `code` ("EPERM", ...) when a syscall fails.
 */
export interface RuntAddon {
  /** memfd_create(name, MFD_CLOEXEC|MFD_ALLOW_SEALING), write data, and seal it
   * (F_SEAL_SEAL|SHRINK|GROW|WRITE) when seal is true. Returns the fd. */
  memfdFromBytes(name: string, data: Uint8Array, seal: boolean): number;
  /** socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC). */
  seqpacketPair(): [number, number];
  /** vfork-style spawn (no Bun/Node involvement); returns the child's pid. */
  spawn(opts: SpawnOptions): number;
  /** Blocking waitpid; with noHang returns null when the child still runs. */
  waitpid(pid: number, noHang: boolean): WaitResult | null;
  /** waitpid on a worker thread; resolves when the child ends. */
  waitpidAsync(pid: number): Promise<WaitResult>;
  /** send(fd, data) of one message. */
  send(fd: number, data: string): void;
  /** recv one message (blocking); "" on EOF. */
  recv(fd: number): string;
  mkfifo(path: string, mode: number): void;
  /** flock(fd, LOCK_EX or LOCK_SH [| LOCK_NB]); returns false when LOCK_NB and held. */
  flock(fd: number, exclusive: boolean, noBlock: boolean): boolean;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1). */
  setChildSubreaper(): void;
  /** bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program (8-byte insns). */
  bpfLoadDeviceProgram(insns: Uint8Array, license: string): number;
  /** bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) to the cgroup dir fd. */
  bpfAttachDevice(cgroupFd: number, progFd: number): void;
  /** Query the programs attached to a cgroup dir (BPF_CGROUP_DEVICE); returns prog ids. */
  bpfQueryDevice(cgroupFd: number): number[];
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
