// Errors a user can act on. Anything that is not a RuntError reaching the CLI is a bug
// in runt; it is still reported in one line, with the stack only under --debug.

export class RuntError extends Error {
  override name = "RuntError";
}

/** errno code of a Node/addon error, if any ("ENOENT", ...). */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String(e.code) : undefined;
}
