// The suite's frame: one containerd (both runtime handlers) and its kubelet per test
// file, and scenarios that run with runc, then runt, and compare what each saw.
import { expect, test } from "bun:test";
import { Cri, criSkipReason, type Handler } from "./env.ts";
import { Kubelet } from "./kubelet.ts";

export { type Handler, type Msg, type Pod, RpcError } from "./kubelet.ts";
export type { Kubelet };

/** The suite's one containerd (both handlers) and its kubelet; undefined when skipped. */
export function criSuite(tag: string): {
  skip: string | undefined;
  k: () => Kubelet;
  setup: () => Promise<void>;
  teardown: () => Promise<void>;
} {
  const skip = criSkipReason();
  if (skip) console.warn(`CRI e2e (${tag}) skipped: ${skip}`);
  let cri: Cri | undefined;
  let kubelet: Kubelet | undefined;
  return {
    skip,
    k: () => kubelet as Kubelet,
    setup: async () => {
      if (skip) return;
      cri = new Cri(tag);
      await cri.setup();
      kubelet = new Kubelet(cri);
    },
    teardown: async () => {
      await kubelet?.cleanup();
      await cri?.teardown();
    },
  };
}

/**
 * One scenario, with runc then runt, each through the same containerd: `check` holds
 * for runc's observation (so the scenario itself is right), and runt's must equal
 * runc's. Every pod made is removed after each runtime's turn.
 */
export function scenarioFor(suite: ReturnType<typeof criSuite>) {
  return <T>(
    title: string,
    observe: (k: Kubelet, h: Handler) => Promise<T>,
    check?: (v: T) => void,
    opts: { skip?: string; timeoutMs?: number } = {},
  ) => {
    const skip = suite.skip ?? opts.skip;
    if (opts.skip) console.warn(`CRI scenario "${title}" skipped: ${opts.skip}`);
    test.skipIf(skip !== undefined)(
      title,
      async () => {
        const k = suite.k();
        const run = async (h: Handler) => {
          try {
            return await observe(k, h);
          } finally {
            await k.cleanup();
          }
        };
        const runc = await run("runc");
        if (check) check(runc);
        const runt = await run("runt");
        expect({ runtime: "runt", saw: runt }).toEqual({ runtime: "runt", saw: runc });
      },
      opts.timeoutMs ?? 120_000,
    );
  };
}
