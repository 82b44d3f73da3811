/**
 * Text PostgreSQL cannot store faithfully: U+0000 (text refuses it) and lone UTF-16 surrogates
 * (JSON.parse makes them from `"\ud800"`; jsonb refuses them, text silently stores U+FFFD).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what is looked for
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A JSON text can only produce NUL or a lone surrogate through a `\u0000` or `\uD800`–`\uDFFF`
 * escape: a raw control character is not valid JSON, and the UTF-8 decoder turns an encoded
 * surrogate into U+FFFD. Text without such an escape needs no walk of what it parses to (a walk of
 * a 10,000-event usage batch costs ~10 ms; this test ~0.5 ms). A false alarm, such as an escaped
 * backslash before `u0000`, only means the walk runs.
 */
const unstorableEscape = /\\u(?:0000|[dD][89a-fA-F])/;

/** Bodies parsed from text with no such escape: known to hold only storable text. */
const storableBodies = new WeakSet<object>();

/** `JSON.parse`, noting when the text cannot have made unstorable strings. */
export function parseJsonBody(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (value && typeof value === "object" && !unstorableEscape.test(text)) storableBodies.add(value);
  return value;
}

/** Whether `value` is a body `parseJsonBody` made from text without an unstorable escape. */
export function parsedFromStorableText(value: unknown): boolean {
  return typeof value === "object" && value !== null && storableBodies.has(value);
}

export interface UnstorableText {
  /** Where it is: object keys and array indexes from the root, e.g. `["project", "name"]`. */
  path: string[];
  reason: "a NUL character" | "a lone UTF-16 surrogate";
}

/**
 * The first string (value or object key) holding NUL or a lone surrogate, depth first. Pure, and
 * iterative: a body nested a hundred thousand levels deep cannot overflow the stack.
 */
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  // Paths are linked to their parent and spelled out only for a hit: deep input stays linear.
  type At = { key: string; parent: At | undefined } | undefined;
  const pathOf = (at: At): string[] => {
    const path: string[] = [];
    for (let node = at; node; node = node.parent) path.push(node.key);
    return path.reverse();
  };
  const stack: Array<{ value: unknown; at: At }> = [{ value, at: undefined }];
  while (stack.length > 0) {
    const { value: current, at } = stack.pop() as { value: unknown; at: At };
    if (typeof current === "string") {
      const match = unstorable.exec(current);
      if (match) {
        return {
          path: pathOf(at),
          reason: match[0] === "\u0000" ? "a NUL character" : "a lone UTF-16 surrogate",
        };
      }
    } else if (current && typeof current === "object") {
      // Pushed in reverse so that the first key is looked at first; a key before its value.
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [key, inner] = entries[i] as [string, unknown];
        const child = { key, parent: at };
        stack.push({ value: inner, at: child });
        stack.push({ value: key, at: child });
      }
    }
  }
  return undefined;
}
