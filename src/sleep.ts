// A synchronous sleep for the bounded retry loops of a CLI that runs one task and exits.
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block the thread for ms milliseconds. */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
