// runt as a library: what the CLI uses, for programs that run containers themselves.
export { Container, type ContainerState, DEFAULT_ROOT } from "./container/container.ts";
export type { CreateOptions } from "./container/create.ts";
export type { Status } from "./container/state.ts";
export { RuntError } from "./errors.ts";
export { type CompiledPlan, type CompileInput, compilePlan } from "./plan/compile.ts";
export type { InitPlan, PlanOp } from "./plan/plan.ts";
export { defaultSpec } from "./spec/default.ts";
export type { Spec } from "./spec/types.ts";
export { parseConfig, SpecError, validateConfig } from "./spec/validate.ts";
