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

/** The first string (value or object key) holding NUL or a lone surrogate, depth first. Pure. */
export function findUnstorableText(
  value: unknown,
  path: string[] = [],
): UnstorableText | undefined {
  if (typeof value === "string") {
    const match = unstorable.exec(value);
    if (!match) return undefined;
    return { path, reason: match[0] === "\u0000" ? "a NUL character" : "a lone UTF-16 surrogate" };
  }
  if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const inKey = findUnstorableText(key, [...path, key]);
      if (inKey) return inKey;
      const found = findUnstorableText(inner, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
