// The OCI runtime-spec side of runt: config.json types, validation, defaults.

export { type DefaultSpecOptions, defaultSpec, OCI_VERSION } from "./default.ts";
export * from "./enums.ts";
export { describe, SpecError } from "./errors.ts";
export { U64_MAX, u64 } from "./numbers.ts";
export type * from "./types.ts";
export { refuseUnsupported, UNSUPPORTED, type Unsupported } from "./unsupported.ts";
export {
  parseConfig,
  parseJson,
  type ValidSpec,
  validateConfig,
  validateProcessFile,
  validateResourcesFile,
} from "./validate.ts";
