/**
 * Text PostgreSQL cannot store faithfully: U+0000 (text refuses it) and lone UTF-16 surrogates
 * (JSON.parse makes them from `"\ud800"`; jsonb refuses them, text silently stores U+FFFD).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what is looked for
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
