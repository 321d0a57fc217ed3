// Preloaded into every `bun test` (bunfig.toml): a test after which a host device node
// (/dev/null, /dev/zero, ...) has another owner, group or mode fails, naming itself.
// runt must never change a host file's owner; crun 1.8 chowns /dev/null in a
// user-namespace container with /dev/null as stdio, and so would a runt bug.
import { afterEach, beforeEach, expect } from "bun:test";
import { deviceChanges, deviceNodes } from "../../scripts/host-state.ts";

let before = new Map<string, string>();

beforeEach(() => {
  before = deviceNodes();
});

afterEach(() => {
  const changes = deviceChanges(before, deviceNodes());
  expect(changes, "the host's device nodes after this test").toEqual([]);
});
