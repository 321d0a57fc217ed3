// Runs the whole suite and ends with the line CI reads: "N passed, N failed".
// Checks: biome, tsc, then `bun test` over test/ (unit and integration).
import { spawnSync } from "node:child_process";

const bin = (name: string) => `node_modules/.bin/${name}`;
let passed = 0;
let failed = 0;

function check(name: string, cmd: string, args: string[]): void {
  const r = spawnSync(bin(cmd), args, { stdio: "inherit" });
  if (r.status === 0) passed++;
  else {
    failed++;
    console.log(`check failed: ${name}`);
  }
}

check("biome", "biome", ["check", "."]);
check("tsc", "tsc", ["--noEmit", "-p", "."]);

const args = process.argv.slice(2);
const t = spawnSync(
  bin("bun"),
  ["test", "--timeout", "60000", ...(args.length ? args : ["test/"])],
  {
    stdio: ["inherit", "inherit", "pipe"],
    encoding: "utf8",
  },
);
// bun test reports to stderr; pass it through and read its totals.
process.stderr.write(t.stderr ?? "");
const pass = /^\s*(\d+) pass$/m.exec(t.stderr ?? "");
const fail = /^\s*(\d+) fail$/m.exec(t.stderr ?? "");
passed += Number(pass?.[1] ?? 0);
failed += Number(fail?.[1] ?? 0);
if (t.status !== 0 && !fail) failed++;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
