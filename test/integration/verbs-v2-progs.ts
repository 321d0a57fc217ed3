// Run by verbs.test.ts inside its private cgroup2 mount namespace: prints how
// many device programs are attached to the cgroup directory given.
import { closeSync, constants, openSync } from "node:fs";
import { native } from "../../src/native.ts";

const dir = process.argv[2] ?? "";
const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
try {
  console.log(native().bpfQueryDevice(fd).length);
} finally {
  closeSync(fd);
}
