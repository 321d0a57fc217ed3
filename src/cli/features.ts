import { release } from "node:os";
import { features as buildFeatures } from "../container/features.ts";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import { stdio } from "../stdio.ts";
import type { Verb } from "./context.ts";

/** runc's layout: the features JSON indented by four spaces. */
export function featuresVerb(runtVersion: string, specVersion: string): Verb {
  return {
    name: "features",
    summary: "print the features this runtime supports, as JSON",
    usage: "",
    flags: [],
    run(_ctx, _f, args) {
      if (args.length) throw new RuntError(`features: unexpected argument "${args[0]}"`);
      let libseccompVersion: string | undefined;
      try {
        libseccompVersion = native().seccompVersion();
      } catch {
        libseccompVersion = undefined;
      }
      const f = buildFeatures({
        runtVersion,
        specVersion,
        libseccompVersion,
        kernelRelease: release(),
      });
      stdio.out(`${JSON.stringify(f, null, 4)}\n`);
      return 0;
    },
  };
}
