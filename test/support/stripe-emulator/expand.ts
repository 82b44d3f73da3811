import { invalidRequest } from "./errors.js";
import type { EmulatorState } from "./state.js";

/** Fields Stripe leaves out unless asked for with `expand[]` (e.g. a price's `tiers`). */
const INCLUDABLE: Record<string, readonly string[]> = { price: ["tiers"] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Applies `expand[]` to a response: ids at the named paths are replaced by the objects, lists
 * are walked through `data`, and includable fields are dropped unless their path was named.
 * Paths are at most four levels deep, as on Stripe.
 */
export function applyExpansions(
  body: unknown,
  expand: readonly string[],
  state: EmulatorState,
): unknown {
  for (const path of expand) {
    const segments = path.split(".");
    if (segments.length > 4) {
      throw invalidRequest(
        `You cannot expand more than 4 levels of a property. Property: ${path}`,
        undefined,
        "expand",
      );
    }
    expandPath(body, segments, path, state);
  }
  stripIncludable(body, "", new Set(expand));
  return body;
}

function expandPath(
  node: unknown,
  segments: string[],
  fullPath: string,
  state: EmulatorState,
): void {
  if (Array.isArray(node)) {
    for (const element of node) expandPath(element, segments, fullPath, state);
    return;
  }
  if (!isObject(node) || segments.length === 0) return;
  const [head, ...rest] = segments as [string, ...string[]];
  const includable = INCLUDABLE[String(node.object)] ?? [];
  if (rest.length === 0 && includable.includes(head)) return;
  if (!(head in node)) {
    throw invalidRequest(`This property cannot be expanded (${fullPath}).`, undefined, "expand");
  }
  let value = node[head];
  if (typeof value === "string") {
    const found = state.findById(value);
    if (found === undefined) {
      throw invalidRequest(`This property cannot be expanded (${fullPath}).`, undefined, "expand");
    }
    value = structuredClone(found);
    node[head] = value;
  }
  expandPath(value, rest, fullPath, state);
}

function stripIncludable(node: unknown, path: string, expand: ReadonlySet<string>): void {
  if (Array.isArray(node)) {
    for (const element of node) stripIncludable(element, path, expand);
    return;
  }
  if (!isObject(node)) return;
  for (const field of INCLUDABLE[String(node.object)] ?? []) {
    const fieldPath = path === "" ? field : `${path}.${field}`;
    if (!expand.has(fieldPath)) delete node[field];
  }
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === "object" && value !== null) {
      stripIncludable(value, path === "" ? key : `${path}.${key}`, expand);
    }
  }
}
