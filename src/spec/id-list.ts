// CPU and NUMA node lists ("0-3,7"), as process.execCPUAffinity and
// linux.memoryPolicy.nodes write them. runc's reading: spaces around an element and
// empty elements are allowed, ranges go upwards, ids are at most 65536.

import { describe, fail } from "./errors.ts";

/** Ids as [first, last] ranges in the order written. */
export type IdRanges = [first: number, last: number][];

/** runc's MaxCPU: a bound against a mask of absurd size, for CPUs and nodes alike. */
export const MAX_ID = 65536;

const ID = /^\d+$/;

/**
 * The ranges of `text`; [] when it is empty or blank (the field then asks for
 * nothing). `what` names the ids in errors ("CPU", "node").
 */
export function parseIdList(text: string, path: string, what: string): IdRanges {
  const out: IdRanges = [];
  if (text.trim() === "") return out;
  const list = `a ${what} list such as "0-3,7"`;
  const id = (s: string): number => {
    if (!ID.test(s)) fail(path, list, describe(text));
    const n = Number(s);
    if (n > MAX_ID) fail(path, `${what} numbers up to ${MAX_ID}`, s);
    return n;
  };
  for (const raw of text.split(",")) {
    const element = raw.trim();
    if (element === "") continue;
    const [a, b, ...more] = element.split("-");
    if (more.length) fail(path, list, describe(text));
    const first = id(a ?? "");
    const last = b === undefined ? first : id(b);
    if (first > last) fail(path, `ranges that go upwards (${last}-${first})`, describe(element));
    out.push([first, last]);
  }
  if (out.length === 0) fail(path, `at least one ${what}`, describe(text));
  return out;
}
