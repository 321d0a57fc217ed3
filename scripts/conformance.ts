// The field's own suites, runt beside this machine's runc in one run: the OCI
// runtime-tools validation programs and runc's v1.1.5 integration suite (bats),
// both kept unchanged in ../shared/conformance. Prints a side-by-side table and the
// totals, writes OUT/results.json, and fails when runt fails a test runc passes
// here (or one of the files crun passes and runc fails), unless
// test/conformance/known-differences.txt gives the reason.
//
// A third part, schema, checks documents against the runtime-spec's own JSON schemas
// (../shared/oci-runtime-spec/schema; Debian's packaged copy is 1.0.2, too old):
// what `runt spec`, `runt spec --rootless` and `runt features` print, every config in
// test/fixtures/configs and test/fixtures/differential, and configs the schema must
// reject. Its "reference" column is the schema's answer (pass: valid), its "runt"
// column runt's own validator's; a row where either differs from what is expected
// counts as a regression.
//
//   bun scripts/conformance.ts [--runtime BIN] [--reference BIN] [--out DIR]
//                              [--suite oci|bats|schema] [NAME...]
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import Ajv, { type ValidateFunction } from "ajv-draft-04";
import { features } from "../src/container/features.ts";
import { CONTAINER_STATUSES, defaultSpec, validateConfig } from "../src/spec/index.ts";
import { brokenConfig, SCHEMA_REJECTS } from "../test/helpers/schema-cases.ts";
import { cgroupDirs, listDir } from "./host-state.ts";

const REPO = resolve(import.meta.dir, "..");
export const SHARED = resolve(REPO, "../shared/conformance");
/** The runtime-spec at the version runt implements; its schema/ is the schema part's. */
export const SPEC_DIR = resolve(REPO, "../shared/oci-runtime-spec");
const KNOWN = join(REPO, "test/conformance/known-differences.txt");

export type Outcome = "pass" | "fail" | "skip" | "missing";
export type Suite = "oci" | "bats" | "schema";

export interface Row {
  suite: Suite;
  name: string;
  reference: Outcome;
  runt: Outcome;
  /** What the row means for the test command. */
  verdict: "ok" | "regression" | "known" | "not required";
  reason?: string;
}

export interface Expectations {
  /** suite + name -> why runt may differ from runc there. */
  known: Map<string, string>;
  /** Files runt must pass although runc fails them here (crun passes them). */
  required: Map<string, string>;
}

const key = (suite: Suite, name: string) => `${suite} ${name}`;

/**
 * known-differences.txt: one entry a line, `SUITE NAME -- REASON` (a known difference)
 * or `require SUITE NAME -- REASON` (runt must pass it whatever runc does); # comments.
 */
export function parseExpectations(text: string): Expectations {
  const known = new Map<string, string>();
  const required = new Map<string, string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const m = /^(require\s+)?(oci|bats|schema)\s+(.+?)\s+--\s+(.+)$/.exec(line);
    if (!m) {
      throw new Error(`${KNOWN}:${i + 1}: expected "[require] oci|bats|schema NAME -- REASON"`);
    }
    (m[1] ? required : known).set(key(m[2] as Suite, m[3] as string), m[4] as string);
  });
  return { known, required };
}

/** oci-validation.sh's summary.txt: "PASS name ok=N" lines. */
export function parseOciSummary(text: string): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const line of text.split("\n")) {
    const m = /^(PASS|FAIL|SKIP) (\S+)/.exec(line);
    if (m) out.set(m[2] as string, m[1] === "PASS" ? "pass" : m[1] === "SKIP" ? "skip" : "fail");
  }
  return out;
}

/** bats --tap: "ok N name", "ok N name # skip why", "not ok N name". Repeated names get "#2". */
export function parseTap(text: string): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  // Through `script`, the lines end in CRLF.
  for (const line of text.split("\n").map((l) => l.replace(/\r$/, ""))) {
    const m = /^(ok|not ok) \d+ (.*?)( # skip.*)?$/.exec(line);
    if (!m) continue;
    let name = (m[2] as string).trim();
    for (let n = 2; out.has(name); n++) name = `${(m[2] as string).trim()} #${n}`;
    out.set(name, m[1] === "not ok" ? "fail" : m[3] ? "skip" : "pass");
  }
  return out;
}

export function compare(
  suite: Suite,
  reference: Map<string, Outcome>,
  runt: Map<string, Outcome>,
  exp: Expectations,
): Row[] {
  const names = [...new Set([...reference.keys(), ...runt.keys()])].sort();
  return names.map((name) => {
    const r = reference.get(name) ?? "missing";
    const t = runt.get(name) ?? "missing";
    const k = key(suite, name);
    const must = r === "pass" || exp.required.has(k);
    if (!must) return { suite, name, reference: r, runt: t, verdict: "not required" };
    if (t === "pass") return { suite, name, reference: r, runt: t, verdict: "ok" };
    const reason = exp.known.get(k);
    if (reason) return { suite, name, reference: r, runt: t, verdict: "known", reason };
    return { suite, name, reference: r, runt: t, verdict: "regression" };
  });
}

function sh(script: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync("bash", [join(SHARED, script), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 << 20,
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  if (r.status !== 0 && r.status !== 1) throw new Error(`${script} ${args[0]}: ${last}`);
  return last;
}

function runOci(bin: string, label: string, out: string, names: string[]): Map<string, Outcome> {
  // Both runtimes run the same build of the suite (it takes ~30 s to make).
  const built = join(out, "oci-suite");
  if (!existsSync(join(built, "suite/runtimetest"))) {
    rmSync(built, { recursive: true, force: true });
    sh("oci-validation.sh", ["/bin/true", built, "state"]);
  }
  const dir = join(out, `oci-${label}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(built, "suite"), join(dir, "suite"));
  console.error(`conformance: ${sh("oci-validation.sh", [bin, dir, ...names])} [${label}]`);
  return parseOciSummary(readFileSync(join(dir, "summary.txt"), "utf8"));
}

function runBats(bin: string, label: string, out: string, files: string[]): Map<string, Outcome> {
  const dir = join(out, `bats-${label}`);
  rmSync(dir, { recursive: true, force: true });
  // spec.bats reads runc's own go.mod; seccomp-notify* are left out by the script.
  const all = files.length
    ? files
    : spawnSync("ls", [join(SHARED, "runc-integration")], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((f) => f.endsWith(".bats") && !f.startsWith("seccomp-notify"));
  // One bound for the whole run: bats 1.8's BATS_TEST_TIMEOUT would fail the tests
  // that `wait` for their own background jobs (events.bats), its watchdog among them.
  // A test that hangs ends the run, and the tests after it count as failed.
  const last = sh("runc-bats.sh", [bin, dir, ...all], { BATS_TIMEOUT: "1500" });
  console.error(`conformance: ${last} [${label}]`);
  return parseTap(readFileSync(join(dir, "bats.tap"), "utf8"));
}

/**
 * The runtime as an engine that hard-codes runc finds it: a file named runc. runt names
 * itself after how it was invoked (as busybox does), so runc's help and version tests
 * read the name they expect; a hard link (or a copy), since the suites' scripts resolve
 * symlinks.
 */
function installedAsRunc(bin: string, out: string): string {
  const dir = join(out, "bin");
  const file = join(dir, "runc");
  mkdirSync(dir, { recursive: true });
  rmSync(file, { force: true });
  try {
    linkSync(bin, file);
  } catch {
    copyFileSync(bin, file);
    chmodSync(file, 0o755);
  }
  return file;
}

/**
 * runtime-tools calls the runtime without --root, and so do a few of runc's bats tests:
 * runc makes /run/runc and runt /run/runt (with its seccomp cache, @seccomp). A default
 * root a run made is removed after it, unless a container is still in it.
 */
function withStateRootsRestored<T>(run: () => T): T {
  const roots = ["/run/runc", "/run/runt"].filter((r) => !existsSync(r));
  try {
    return run();
  } finally {
    for (const r of roots) {
      if (listDir(r).every((e) => e === "@seccomp")) rmSync(r, { recursive: true, force: true });
      else console.error(`conformance: ${r} still holds containers: ${listDir(r).join(", ")}`);
    }
  }
}

/** Mount points in this mount namespace. */
function mountPoints(): Set<string> {
  const lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  return new Set(lines.map((l) => l.split(" ")[4] ?? "").filter(Boolean));
}

/**
 * runc leaves the mounts of a container without a mount namespace in the host's table
 * (runtime-tools' linux_ns_itype): whatever a run added under /tmp is detached after
 * it, deepest first, so the host ends as it began. Mounts that were there stay.
 */
function withMountsRestored<T>(what: string, run: () => T): T {
  const before = mountPoints();
  try {
    return run();
  } finally {
    const added = [...mountPoints()].filter((m) => !before.has(m) && m.startsWith("/tmp/"));
    for (const m of added.sort().reverse()) spawnSync("umount", ["-l", m]);
    if (added.length) console.error(`conformance: ${what} left ${added.length} mounts; detached`);
  }
}

/** Directories under dir, deepest first, dir last. */
function dirsDepthFirst(dir: string): string[] {
  const out: string[] = [];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(...dirsDepthFirst(join(dir, e.name)));
    }
  } catch {
    // Gone already.
  }
  return [...out, dir];
}

/**
 * The suites make cgroups they do not remove: runc's bats helpers mkdir a directory
 * for every controller /proc/cgroups lists (plain tmpfs directories on this hybrid
 * host) and leave the suite's parent cgroup; runtime-tools' relative-path tests nest
 * theirs (testdir/cgrouptest/...) below the caller's own cgroup, and a runtime removes
 * only the leaf it made, as runc does. Every cgroup directory a run added is removed
 * after it; what was there before stays.
 */
function withCgroupsRestored<T>(what: string, run: () => T): T {
  const before = cgroupDirs();
  const mounted = mountPoints();
  try {
    return run();
  } finally {
    const added = [...cgroupDirs()].filter((d) => !before.has(d) && !mounted.has(d));
    const top = added.filter((d) => before.has(dirname(d)));
    for (const dir of top) {
      for (const d of dirsDepthFirst(dir)) {
        try {
          rmdirSync(d);
        } catch (e) {
          console.error(
            `conformance: ${what} left ${d}, which cannot be removed: ${(e as Error).message}`,
          );
        }
      }
    }
    if (top.length) console.error(`conformance: ${what} left ${top.join(", ")}; removed`);
  }
}

/**
 * config-schema.json refers to the sections of other platforms; the spec copy in
 * ../shared carries only the Linux ones. Stand-ins accept any object.
 */
const OTHER_PLATFORMS = ["solaris", "windows", "vm", "zos", "freebsd"];

/**
 * The runtime-spec's schemas (draft-04) as one ajv, each under its file name, with
 * stand-ins for the other platforms' sections when they are absent.
 */
export function schemaAjv(files: [name: string, schema: object][]): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const [name, schema] of files) ajv.addSchema(schema, name);
  for (const platform of OTHER_PLATFORMS) {
    const name = `config-${platform}.json`;
    if (!files.some(([n]) => n === name)) ajv.addSchema({ [platform]: { type: "object" } }, name);
  }
  return ajv;
}

/** One document to check: its schema file, the outcome expected of both columns. */
export interface SchemaCase {
  name: string;
  /** A file of schema/, e.g. config-schema.json. */
  schema: string;
  /** What the schema and runt should both say of it. */
  want: "pass" | "fail";
  /** The document, or why it could not be had (runt failed to print it). */
  document: { value: unknown } | { error: string };
  /** runt's own answer (its validator's, or "pass" when runt printed the document). */
  runt: Outcome;
}

/** ajv's answer for one document, with its findings when it says no. */
export function schemaOutcome(
  ajv: Ajv,
  c: Pick<SchemaCase, "schema" | "document">,
): { outcome: Outcome; why?: string } {
  if ("error" in c.document) return { outcome: "missing", why: c.document.error };
  let validate: ValidateFunction | undefined;
  try {
    validate = ajv.getSchema(c.schema);
  } catch (e) {
    return { outcome: "missing", why: `${c.schema}: ${(e as Error).message}` };
  }
  if (!validate) return { outcome: "missing", why: `no schema ${c.schema}` };
  if (validate(c.document.value)) return { outcome: "pass" };
  const errors = validate.errors ?? [];
  const first = ajv.errorsText(errors.slice(0, 3), { separator: "; " });
  return {
    outcome: "fail",
    why: errors.length > 3 ? `${first}; ${errors.length - 3} more` : first,
  };
}

/**
 * A schema row: ok when the schema and runt both say what the case expects; else a
 * regression, unless known-differences.txt names it (`schema NAME -- REASON`).
 */
export function schemaRow(
  c: Pick<SchemaCase, "name" | "want" | "runt">,
  reference: Outcome,
  exp: Expectations,
): Row {
  const base = { suite: "schema" as const, name: c.name, reference, runt: c.runt };
  if (reference === c.want && c.runt === c.want) return { ...base, verdict: "ok" };
  const reason = exp.known.get(key("schema", c.name));
  if (reason) return { ...base, verdict: "known", reason };
  return { ...base, verdict: "regression" };
}

/** validateConfig's answer: "pass" when it accepts the config. */
function validatorOutcome(value: unknown): Outcome {
  try {
    validateConfig(value);
    return "pass";
  } catch {
    return "fail";
  }
}

/** What runt prints for args (run in a directory of its own), as JSON. */
function printed(bin: string, args: string[], file?: string): SchemaCase["document"] {
  const dir = mkdtempSync("/tmp/runt-schema-");
  try {
    const r = spawnSync(bin, args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) return { error: `runt ${args.join(" ")}: ${(r.stderr ?? "").trim()}` };
    return { value: JSON.parse(file ? readFileSync(join(dir, file), "utf8") : r.stdout) };
  } catch (e) {
    return { error: `runt ${args.join(" ")}: ${(e as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** *.json of dir as [dir's base name/file, parsed]. */
function jsonFiles(dir: string): [string, SchemaCase["document"]][] {
  const tag = dir.split("/").pop() ?? dir;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      try {
        return [`${tag}/${f}`, { value: JSON.parse(readFileSync(join(dir, f), "utf8")) }];
      } catch (e) {
        return [`${tag}/${f}`, { error: (e as Error).message }];
      }
    });
}

/** Every document the schema part checks (bin: the runt under test). */
function schemaCases(bin: string): SchemaCase[] {
  const config = "config-schema.json";
  const cases: SchemaCase[] = [];
  const byRunt = (name: string, schema: string, document: SchemaCase["document"]) =>
    cases.push({
      name,
      schema,
      want: "pass",
      document,
      runt: "error" in document ? "fail" : "pass",
    });
  byRunt("runt spec", config, printed(bin, ["spec"], "config.json"));
  byRunt("runt spec --rootless", config, printed(bin, ["spec", "--rootless"], "config.json"));
  byRunt("defaultSpec({ args })", config, { value: defaultSpec({ args: ["/bin/echo", "a b"] }) });
  byRunt("runt features", "features-schema.json", printed(bin, ["features"]));
  const host = {
    runtVersion: "0.1.0",
    specVersion: "1.3.0",
    libseccompVersion: "2.5.4",
    kernelRelease: "6.1.0-18-amd64",
  };
  byRunt("features(), libseccomp 2.5.4, kernel 6.1", "features-schema.json", {
    value: features(host),
  });
  byRunt("features(), no libseccomp, kernel 4.9", "features-schema.json", {
    value: features({ ...host, libseccompVersion: undefined, kernelRelease: "4.9.0" }),
  });
  for (const dir of ["configs", "differential"]) {
    for (const [name, document] of jsonFiles(join(REPO, "test/fixtures", dir))) {
      const runt = "error" in document ? "fail" : validatorOutcome(document.value);
      cases.push({ name, schema: config, want: "pass", document, runt });
    }
  }
  for (const [what, mutate] of SCHEMA_REJECTS) {
    const value = brokenConfig(mutate);
    cases.push({
      name: `rejects ${what}`,
      schema: config,
      want: "fail",
      document: { value },
      runt: validatorOutcome(value),
    });
  }
  // The statuses runt's state reports; paused (as every status but creating) needs a pid.
  const state = "state-schema.json";
  for (const status of CONTAINER_STATUSES) {
    cases.push({
      name: `state ${status}`,
      schema: state,
      want: "pass",
      document: { value: { ociVersion: "1.3.0", id: "c1", status, pid: 1, bundle: "/b" } },
      runt: "pass",
    });
  }
  cases.push({
    name: "rejects state paused without a pid",
    schema: state,
    want: "fail",
    document: { value: { ociVersion: "1.3.0", id: "c1", status: "paused", bundle: "/b" } },
    runt: "fail",
  });
  return cases;
}

/** The schema part: one row a document; each failure's findings on stderr. */
function runSchema(bin: string, exp: Expectations, names: string[]): Row[] {
  const dir = join(SPEC_DIR, "schema");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f): [string, object] => [f, JSON.parse(readFileSync(join(dir, f), "utf8"))]);
  const ajv = schemaAjv(files);
  const cases = schemaCases(bin).filter((c) => !names.length || names.includes(c.name));
  return cases.map((c) => {
    const { outcome, why } = schemaOutcome(ajv, c);
    const row = schemaRow(c, outcome, exp);
    if (row.verdict === "regression") {
      console.error(
        `conformance: schema ${c.name}: schema ${outcome}, runt ${c.runt}, want ${c.want}${why ? `: ${why}` : ""}`,
      );
    }
    return row;
  });
}

const SHOW: Record<Outcome, string> = { pass: "pass", fail: "FAIL", skip: "skip", missing: "-" };

export function table(rows: Row[], refName: string): string {
  const width = Math.min(90, Math.max(20, ...rows.map((r) => r.name.length)));
  const head = `${"test".padEnd(width)}  ${refName.padEnd(6)}  runt   verdict`;
  const lines = rows.map((r) => {
    const v = r.verdict === "known" ? `known: ${r.reason}` : r.verdict;
    return `${r.name.slice(0, width).padEnd(width)}  ${SHOW[r.reference].padEnd(6)}  ${SHOW[r.runt].padEnd(5)}  ${v}`;
  });
  return [head, ...lines].join("\n");
}

export function totals(rows: Row[], suite: Suite, refName: string): string {
  const of = rows.filter((r) => r.suite === suite);
  const count = (pick: (r: Row) => Outcome, o: Outcome) => of.filter((r) => pick(r) === o).length;
  const side = (name: string, pick: (r: Row) => Outcome) =>
    `${name} ${count(pick, "pass")} passed, ${count(pick, "fail")} failed, ${count(pick, "skip")} skipped`;
  const reg = of.filter((r) => r.verdict === "regression").length;
  return `${suite}: ${side(refName, (r) => r.reference)} | ${side("runt", (r) => r.runt)} | ${reg} regressions`;
}

function main(argv: string[]): number {
  const opt = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    argv.splice(i, 2);
    return v;
  };
  const given = resolve(opt("runtime") ?? join(REPO, "dist/runt"));
  const reference =
    opt("reference") ?? spawnSync("which", ["runc"], { encoding: "utf8" }).stdout.trim();
  const out = resolve(opt("out") ?? "/tmp/runt-conformance");
  const only = opt("suite") as Suite | undefined;
  const names = argv;
  const field = !only || only === "oci" || only === "bats";
  const schema = !only || only === "schema";
  const exp = parseExpectations(existsSync(KNOWN) ? readFileSync(KNOWN, "utf8") : "");
  const rows: Row[] = [];
  const started = Date.now();
  let failed = false;
  if (field && !existsSync(SHARED)) {
    console.log(`conformance: ${SHARED} is missing; the field's suites were not run`);
  } else if (field && !reference) {
    console.log("conformance: no runc to compare with; install it (apt-get install runc)");
    failed = true;
  } else if (field) {
    mkdirSync(out, { recursive: true });
    const runtime = installedAsRunc(given, out);
    if (!only || only === "oci") {
      const oci = (label: string, bin: string) =>
        withStateRootsRestored(() =>
          withCgroupsRestored(`oci/${label}`, () =>
            withMountsRestored(`oci/${label}`, () => runOci(bin, label, out, names)),
          ),
        );
      const ref = oci("reference", reference);
      const ours = oci("runt", runtime);
      rows.push(...compare("oci", ref, ours, exp));
    }
    if (!only || only === "bats") {
      const bats = (label: string, bin: string) =>
        withStateRootsRestored(() =>
          withCgroupsRestored(`bats/${label}`, () =>
            withMountsRestored(`bats/${label}`, () => runBats(bin, label, out, names)),
          ),
        );
      const ref = bats("reference", reference);
      const ours = bats("runt", runtime);
      rows.push(...compare("bats", ref, ours, exp));
    }
  }
  if (schema && !existsSync(join(SPEC_DIR, "schema"))) {
    console.log(`conformance: ${SPEC_DIR}/schema is missing; the schema checks were not run`);
  } else if (schema) {
    rows.push(...runSchema(given, exp, names));
  }
  if (!rows.length) return failed ? 1 : 0;
  const refName = reference.split("/").pop() || "runc";
  const fieldRows = rows.filter((r) => r.suite !== "schema");
  const schemaRows = rows.filter((r) => r.suite === "schema");
  if (fieldRows.length) console.log(table(fieldRows, refName));
  if (schemaRows.length) console.log(table(schemaRows, "schema"));
  for (const s of ["oci", "bats", "schema"] as Suite[]) {
    if (rows.some((r) => r.suite === s)) {
      console.log(totals(rows, s, s === "schema" ? "schema" : refName));
    }
  }
  console.log(`conformance: ${Math.round((Date.now() - started) / 1000)} s, results in ${out}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), JSON.stringify(rows, null, 1));
  return failed || rows.some((r) => r.verdict === "regression") ? 1 : 0;
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
