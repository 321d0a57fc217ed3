// Where runt's own messages go, as runc's logrus does: a failure's message always
// reaches stderr; with --log FILE every entry also goes to FILE (created at start, as
// runc opens it), as text (`time="..." level=debug msg="..."`) or as the JSON lines
// containerd and podman read. --debug entries go to FILE when given, else to stderr in
// the same format.
import { appendFileSync, closeSync, openSync } from "node:fs";
import { stdio } from "../stdio.ts";

export type LogFormat = "text" | "json";

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
  /** Whether debug() writes anything: callers skip building costly messages. */
  readonly debugging: boolean;
}

/** One log entry in runc's layout (logrus's text and JSON formatters). */
export function formatEntry(format: LogFormat, level: string, msg: string, time: Date): string {
  const t = time.toISOString();
  return format === "json"
    ? `${JSON.stringify({ level, msg, time: t })}\n`
    : `time="${t}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export function makeLogger(
  file: string | undefined,
  format: LogFormat,
  debug: boolean,
  name = "runt",
): Logger {
  if (file) {
    // runc opens the log file (O_CREAT|O_APPEND) before anything else: an engine that
    // reads it after a failure finds it, even when nothing was written.
    try {
      closeSync(openSync(file, "a", 0o644));
    } catch {
      // Reported with the first entry that cannot be written.
    }
  }
  const write = (level: string, msg: string, plain: string | undefined) => {
    const line = formatEntry(format, level, msg, new Date());
    if (file) {
      try {
        appendFileSync(file, line);
      } catch {
        // A log file we cannot write must not hide the message itself.
        stdio.err(line);
      }
    } else if (format === "json" || level === "debug") {
      stdio.err(line);
      return;
    }
    if (plain !== undefined) stdio.err(`${plain}\n`);
  };
  return {
    error: (msg) => write("error", msg, msg),
    // Without a log file, a warning says what it is and who gives it.
    warn: (msg) => write("warning", msg, file ? undefined : `${name}: warning: ${msg}`),
    debug: (msg) => {
      if (debug) write("debug", msg, undefined);
    },
    debugging: debug,
  };
}

/**
 * --debug lines that say where the time goes: each names its phase and the
 * milliseconds since runt started and since the previous mark.
 */
export class Phases {
  private last: number;
  constructor(
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** Logs `msg (at N ms, +M ms)`. */
  mark(msg: string): void {
    if (!this.log.debugging) return;
    const t = this.now();
    this.log.debug(`${msg} (at ${t.toFixed(1)} ms, +${(t - this.last).toFixed(1)} ms)`);
    this.last = t;
  }
}
