import { randomBytes } from "node:crypto";

export type IdPrefix = "usr" | "org" | "ba" | "prj" | "res" | "inv";

/** Prefixed, unguessable ids (`prj_…`): readable in logs, useless for enumerating other tenants. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}
