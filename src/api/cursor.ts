import type { Page, PageKey } from "../db/page.js";

// The cursor is opaque to callers: base64url of the last row's sort key. Only its shape is
// checked here; a well-formed key from another list simply pages that list from there.

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.at.toISOString(), key.id])).toString("base64url");
}

export function decodeCursor(token: string): PageKey | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [at, id] = parsed as unknown[];
  if (typeof at !== "string" || typeof id !== "string" || id.length === 0 || id.length > 100) {
    return undefined;
  }
  if (id.includes("\u0000")) return undefined;
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) return undefined;
  return { at: date, id };
}

/** A page as the API answers it: the rows presented, and the cursor of the next page. */
export function presentPage<Row, Item>(page: Page<Row>, present: (row: Row) => Item) {
  return {
    data: page.rows.map(present),
    next_cursor: page.next ? encodeCursor(page.next) : null,
  };
}

/** A page of cost groups ends at (projected amount, key): the order they are listed in. */
export function encodeCostCursor(key: { projected_amount: number; key: string }): string {
  return Buffer.from(JSON.stringify([key.projected_amount, key.key])).toString("base64url");
}

export function decodeCostCursor(
  token: string,
): { projected_amount: number; key: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [amount, key] = parsed as unknown[];
  if (!Number.isSafeInteger(amount) || typeof key !== "string" || key.length > 200)
    return undefined;
  return { projected_amount: amount as number, key };
}
