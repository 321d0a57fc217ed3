// Where runt's own messages go: stderr always gets a failure's message; with --log
// the entry also goes to that file, as text or as the JSON lines containerd reads.
import { appendFileSync } from "node:fs";

export type LogFormat = "text" | "json";

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export function makeLogger(file: string | undefined, format: LogFormat, debug: boolean): Logger {
  const line = (level: string, msg: string): string => {
    const time = new Date().toISOString();
    return format === "json"
      ? `${JSON.stringify({ level, msg, time })}\n`
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
  };
  const write = (level: string, msg: string, toStderr: boolean) => {
    if (file) {
      try {
        appendFileSync(file, line(level, msg));
      } catch {
        // A log file we cannot write must not hide the message itself.
        process.stderr.write(line(level, msg));
      }
    } else if (format === "json") {
      process.stderr.write(line(level, msg));
      return;
    }
    if (toStderr) process.stderr.write(`${msg}\n`);
  };
  return {
    error: (msg) => write("error", msg, true),
    warn: (msg) => write("warning", msg, !file),
    debug: (msg) => {
      if (debug) write("debug", msg, false);
    },
  };
}
