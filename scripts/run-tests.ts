// Runs the whole suite and ends with the line CI reads: "N passed, N failed".
// Checks: biome, tsc, `bun test` over test/ (unit, integration, e2e), then the field's
// suites beside runc and the runtime-spec schema checks (scripts/conformance.ts): each
// test runc passes here, and each document checked against the schema, counts once.
// `--no-conformance` leaves the field's suites out; names after it go to bun test.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { type HostState, hostChanges, hostState } from "./host-state.ts";

const bin = (name: string) => `node_modules/.bin/${name}`;
let passed = 0;
let failed = 0;

/** The host as a step left it: every change since `before` is one failure, named. */
function hostAfter(step: string, before: HostState): HostState {
  const now = hostState();
  for (const change of hostChanges(before, now)) {
    failed++;
    console.log(`host changed by ${step}: ${change}`);
  }
  return now;
}

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

const argv = process.argv.slice(2);
const conformance = !argv.includes("--no-conformance") && argv.length === 0;
const args = argv.filter((a) => a !== "--no-conformance");
let host = hostState();
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
host = hostAfter("bun test", host);

if (conformance) {
  const out = "/tmp/runt-conformance";
  const file = `${out}/results.json`;
  rmSync(file, { force: true });
  const c = spawnSync(bin("bun"), ["run", "scripts/conformance.ts", "--out", out], {
    stdio: "inherit",
  });
  if (existsSync(file) && c.status !== null) {
    const rows: { verdict: string }[] = JSON.parse(readFileSync(file, "utf8"));
    for (const r of rows) {
      if (r.verdict === "ok" || r.verdict === "known") passed++;
      else if (r.verdict === "regression") failed++;
    }
  } else if (c.status !== 0) {
    failed++;
    console.log("check failed: conformance (no results)");
  }
  hostAfter("the conformance run", host);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
