// JSON.parse says what went wrong but not where. When it fails, this scanner walks
// the text once more (RFC 8259 grammar) to find the first offending character, so
// the error can name a line and column. It runs only on the failure path.

export interface JsonErrorPosition {
  line: number;
  column: number;
  /** What was found there, e.g. `"}"` or "end of input". */
  found: string;
}

class Stop {
  constructor(readonly at: number) {}
}

/** Where `text` stops being valid JSON; undefined if it is valid (or too deep to tell). */
export function locateJsonError(text: string): JsonErrorPosition | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) throw new Stop(i);
    i++;
  };
  const literal = (word: string) => {
    for (const ch of word) expect(ch);
  };
  const digits = () => {
    const start = i;
    while (i < text.length && (text[i] as string) >= "0" && (text[i] as string) <= "9") i++;
    if (i === start) throw new Stop(i);
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw new Stop(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Stop(i);
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) throw new Stop(i + k);
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else throw new Stop(i);
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        expect(":");
        value();
        ws();
        if (text[i] !== ",") break;
        i++;
      }
      expect("}");
      return;
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] !== ",") break;
        i++;
      }
      expect("]");
      return;
    }
    if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else throw new Stop(i);
  };

  try {
    value();
    ws();
    if (i < text.length) throw new Stop(i);
    return undefined;
  } catch (e) {
    // Anything else (say, a stack overflow on absurd nesting): no position to give.
    return e instanceof Stop ? position(text, e.at) : undefined;
  }
}

function position(text: string, at: number): JsonErrorPosition {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < at; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  const ch = text.codePointAt(at);
  let found = "end of input";
  if (ch !== undefined) {
    found =
      ch < 0x20
        ? `character U+${ch.toString(16).padStart(4, "0")}`
        : JSON.stringify(String.fromCodePoint(ch));
  }
  return { line, column: at - lineStart + 1, found };
}
