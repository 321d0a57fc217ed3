// Run by documents.test.ts: the library's Container.create with a spec object (no
// config.json), as a program embedding runt calls it. argv: state root, id, bundle,
// the spec as JSON. Exits 0 once created, or 1 with the error on stderr.
import { Container, type Spec } from "../../src/index.ts";

const [root, id, bundle, json] = process.argv.slice(2);
if (!root || !id || !bundle || !json) {
  process.stderr.write("usage: create-spec-object.ts ROOT ID BUNDLE SPEC-JSON\n");
  process.exit(2);
}
try {
  Container.create({ root, id, bundle, spec: JSON.parse(json) as Spec });
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
