// Hooks as plan ops. prestart and createRuntime run in runt (the runtime namespace)
// when the init reaches `sync hooks-createRuntime`; createContainer and startContainer
// run in the container's namespaces, so runt-init runs them (the `hook` op).
import type { Hook, Spec } from "../spec/types.ts";
import type { PlanOp, Step } from "./plan.ts";

export const RUNTIME_HOOKS_SYNC = "hooks-createRuntime";

function hookOp(h: Hook): PlanOp {
  return {
    op: "hook",
    path: h.path,
    args: h.args?.length ? h.args : [h.path],
    env: h.env ?? [],
    timeout: h.timeout ?? 0,
  };
}

/** Before pivot_root: prestart and createRuntime (runt), then createContainer (init, in
 * the rootfs as its working directory). */
export function createHookOps(spec: Spec): Step[] {
  const hooks = spec.hooks ?? {};
  const out: Step[] = [];
  if (hooks.prestart?.length || hooks.createRuntime?.length) {
    out.push(["hooks.createRuntime", { op: "sync", tag: RUNTIME_HOOKS_SYNC }]);
  }
  const cc = hooks.createContainer ?? [];
  if (cc.length) {
    // In the rootfs, as runc runs them (its hooks.bats binds onto ./lib/...).
    out.push(["hooks.createContainer", { op: "chdir", path: "/" }]);
    out.push(["hooks.createContainer", { op: "hookState", status: "created" }]);
  }
  for (const [i, h] of cc.entries()) out.push([`hooks.createContainer[${i}]`, hookOp(h)]);
  return out;
}

/** The state for startContainer must be fetched before `wait`: after it runt is gone. */
export function startHookStateOps(spec: Spec): Step[] {
  const sc = spec.hooks?.startContainer ?? [];
  return sc.length ? [["hooks.startContainer", { op: "hookState", status: "created" }]] : [];
}

/** After `wait`, before the user's process: startContainer, in the container. */
export function startHookOps(spec: Spec): Step[] {
  return (spec.hooks?.startContainer ?? []).map((h, i) => [
    `hooks.startContainer[${i}]`,
    hookOp(h),
  ]);
}
