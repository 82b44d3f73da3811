import { ParamError } from "./errors.js";

/**
 * A decoded form value. Stripe's wire format (`a[b][0][c]=x`) has no types: every leaf is a
 * string, and arrays are objects with numeric keys until a schema says otherwise. We keep it
 * that way here so that `metadata[0]=x` stays a metadata key and does not turn into an array.
 */
export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Splits `items[0][price]` into `["items", "0", "price"]`; `expand[]` gives `["expand", ""]`. */
function splitKey(raw: string): string[] {
  const open = raw.indexOf("[");
  if (open === -1) return [raw];
  const segments = [raw.slice(0, open)];
  const rest = raw.slice(open);
  const pattern = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (let match = pattern.exec(rest); match !== null; match = pattern.exec(rest)) {
    if (match.index !== consumed) break;
    segments.push(match[1] ?? "");
    consumed = match.index + match[0].length;
  }
  if (consumed !== rest.length) {
    throw new ParamError(`Invalid parameter name: ${raw}`, { param: raw });
  }
  return segments;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    throw new ParamError(`Invalid URL encoding: ${component}`);
  }
}

/**
 * Parses an `application/x-www-form-urlencoded` body or query string the way Stripe reads it:
 * bracketed keys nest, `[]` appends (the next free index), a later scalar for the same key wins.
 */
export function parseForm(body: string): FormObject {
  const root: FormObject = {};
  if (body.length === 0) return root;
  for (const pair of body.split("&")) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf("=");
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    const segments = splitKey(rawKey);
    let node = root;
    for (let i = 0; i < segments.length; i++) {
      let segment = segments[i] ?? "";
      if (segment === "" && i > 0) segment = String(Object.keys(node).length);
      const last = i === segments.length - 1;
      if (last) {
        if (typeof node[segment] === "object") {
          throw new ParamError(`Invalid value for ${rawKey}: it is also used as a hash`, {
            param: rawKey,
          });
        }
        node[segment] = value;
        break;
      }
      const next = node[segment];
      if (next === undefined) {
        const created: FormObject = {};
        node[segment] = created;
        node = created;
      } else if (typeof next === "string") {
        throw new ParamError(`Invalid hash for ${rawKey}: it is also used as a scalar`, {
          param: rawKey,
        });
      } else {
        node = next;
      }
    }
  }
  return root;
}

/** Merges query-string params under body params (the SDK sends GET/DELETE params in the query). */
export function mergeParams(query: FormObject, body: FormObject): FormObject {
  return { ...query, ...body };
}

/** Renders a parameter path the way Stripe names it in errors: `items[0][price]`. */
export function paramPath(parent: string, key: string): string {
  return parent === "" ? key : `${parent}[${key}]`;
}
