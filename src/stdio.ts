// runt's own output on fds 1 and 2, written synchronously. process.stdout and
// process.stderr are not used: Bun builds a Node stream the first time either is
// touched (several milliseconds on every call that prints), and a stream reports a
// closed reader (`runt --debug run ... | head -1`) as an error event that ends the
// process between two steps of a verb, leaving a half-made container. runc goes on
// when its log output is gone; so does runt.
import { writeSync } from "node:fs";
import { errnoCode } from "./errors.ts";
import { sleepMs } from "./sleep.ts";

/** Writes all of text to fd; false when the reader is gone (EPIPE) or fd is closed. */
export function writeAll(fd: number, text: string): boolean {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      // A non-blocking descriptor shared with the caller: wait for room.
      if (errnoCode(e) === "EAGAIN") sleepMs(1);
      else if (errnoCode(e) === "EINTR") continue;
      else return false;
    }
  }
  return true;
}

/** Where the verbs print; a unit test replaces these to capture what main() prints. */
export const stdio = {
  out: (text: string): boolean => writeAll(1, text),
  err: (text: string): boolean => writeAll(2, text),
};
