// Build-time facts, imported `with { type: "macro" }`: Bun runs these while bundling
// (and when it transpiles the source for `bun test`) and inlines the result, so the
// binary answers --version without running git.
import { spawnSync } from "node:child_process";

/** `git describe --always --dirty` of the checkout being built, or "unknown". */
export function gitCommit(): string {
  try {
    const r = spawnSync("git", ["-C", import.meta.dir, "describe", "--always", "--dirty"], {
      encoding: "utf8",
      timeout: 5000,
    });
    const out = r.status === 0 ? r.stdout.trim() : "";
    return out || "unknown";
  } catch {
    return "unknown";
  }
}
