import { ParamError } from "./errors.js";
import { type FormObject, type FormValue, paramPath } from "./form-encoding.js";

/**
 * A tiny schema for Stripe's form parameters. Each endpoint declares the parameters it accepts;
 * anything else is a 400 `parameter_unknown` naming the full path (`items[0][foo]`), which is
 * how Stripe tells a client that it sent a field this API version does not know.
 */
export interface Parser<T, Required extends boolean = false> {
  readonly required: Required;
  parse(value: FormValue, path: string): T;
}

type Shape = Record<string, Parser<unknown, boolean>>;
type ValueOf<P> = P extends Parser<infer T, boolean> ? T : never;
type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Parser<unknown, true> ? K : never;
}[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type Parsed<S extends Shape> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

function parser<T>(parse: (value: FormValue, path: string) => T): Parser<T> {
  return { required: false, parse };
}

export function required<T>(inner: Parser<T, boolean>): Parser<T, true> {
  return { required: true, parse: inner.parse };
}

export const str = (): Parser<string> =>
  parser((value, path) => {
    if (typeof value !== "string") {
      throw new ParamError(`Invalid string: ${path} must be a string, not a hash`, {
        code: "parameter_invalid_string",
        param: path,
      });
    }
    return value;
  });

export const int = (min?: number, max?: number): Parser<number> =>
  parser((value, path) => {
    if (typeof value !== "string" || !/^-?\d+$/.test(value)) {
      throw new ParamError(`Invalid integer: ${String(value)}`, {
        code: "parameter_invalid_integer",
        param: path,
      });
    }
    const n = Number(value);
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      throw new ParamError(
        `Invalid ${path}: must be ${min === undefined ? "" : `at least ${min}`}${
          min !== undefined && max !== undefined ? " and " : ""
        }${max === undefined ? "" : `at most ${max}`}`,
        { param: path },
      );
    }
    return n;
  });

export const decimalString = (): Parser<string> =>
  parser((value, path) => {
    if (typeof value !== "string" || !/^\d+(\.\d{1,12})?$/.test(value)) {
      throw new ParamError(`Invalid decimal: ${String(value)}`, {
        code: "parameter_invalid_string",
        param: path,
      });
    }
    return value;
  });

export const bool = (): Parser<boolean> =>
  parser((value, path) => {
    if (value === "true") return true;
    if (value === "false") return false;
    throw new ParamError(`Invalid boolean: ${String(value)}`, { param: path });
  });

export const oneOf = <const V extends string>(...values: V[]): Parser<V> =>
  parser((value, path) => {
    if (typeof value === "string" && (values as string[]).includes(value)) return value as V;
    throw new ParamError(`Invalid ${path}: must be one of ${values.join(", ")}`, {
      param: path,
    });
  });

/** `""` means "unset" for many Stripe parameters (e.g. `default_payment_method=`). */
export const emptyable = <T>(inner: Parser<T, boolean>): Parser<T | null> =>
  parser((value, path) => (value === "" ? null : inner.parse(value, path)));

/** Any value, unchecked: for free-form hashes we store but never interpret (addresses, ...). */
export const anything = (): Parser<FormValue> => parser((value) => value);

/** Arrays arrive as objects with numeric keys (`items[0]`, `expand[]`); order follows the index. */
export const arr = <T>(inner: Parser<T, boolean>): Parser<T[]> =>
  parser((value, path) => {
    if (value === "") return [];
    if (typeof value === "string") {
      throw new ParamError(`Invalid array: ${path} must be an array`, { param: path });
    }
    const keys = Object.keys(value);
    if (!keys.every((k) => /^\d+$/.test(k))) {
      throw new ParamError(`Invalid array: ${path} must be an array`, { param: path });
    }
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) =>
        inner.parse(value[String(index)] as FormValue, paramPath(path, String(index))),
      );
  });

export const obj = <S extends Shape>(shape: S): Parser<Parsed<S>> =>
  parser((value, path) => parseObject(shape, value, path));

/**
 * Metadata: up to 50 keys, keys ≤ 40 chars, values ≤ 500 chars. A value of `""` unsets the key;
 * `metadata=""` clears them all (returned as `null`).
 */
export const metadata = (): Parser<Record<string, string> | null> =>
  parser((value, path) => {
    if (value === "") return null;
    if (typeof value === "string") {
      throw new ParamError("Invalid object: metadata must be a hash", { param: path });
    }
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      const keyPath = paramPath(path, key);
      if (typeof v !== "string") {
        throw new ParamError(`Invalid string: ${keyPath} must be a string`, { param: keyPath });
      }
      if (key.length > 40) {
        throw new ParamError(`Metadata keys can have up to 40 characters: ${key}`, {
          param: keyPath,
        });
      }
      if (v.length > 500) {
        throw new ParamError(`Metadata values can have up to 500 characters: ${key}`, {
          param: keyPath,
        });
      }
      out[key] = v;
    }
    if (Object.keys(out).length > 50) {
      throw new ParamError("Metadata can have up to 50 keys", { param: path });
    }
    return out;
  });

export function parseObject<S extends Shape>(shape: S, value: FormValue, path: string): Parsed<S> {
  if (typeof value === "string") {
    throw new ParamError(`Invalid object: ${path} must be a hash`, { param: path });
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = shape[key];
    const keyPath = paramPath(path, key);
    if (field === undefined) {
      throw new ParamError(`Received unknown parameter: ${keyPath}`, {
        code: "parameter_unknown",
        param: keyPath,
      });
    }
    out[key] = field.parse(v, keyPath);
  }
  for (const [key, field] of Object.entries(shape)) {
    if (field.required && out[key] === undefined) {
      throw new ParamError(`Missing required param: ${paramPath(path, key)}.`, {
        code: "parameter_missing",
        param: paramPath(path, key),
      });
    }
  }
  return out as Parsed<S>;
}

/** Every Stripe endpoint accepts `expand[]`. */
const common = { expand: arr(str()) };

/** Parses the top-level parameters of a request against an endpoint's shape. */
export function parseParams<S extends Shape>(
  shape: S,
  params: FormObject,
): Parsed<S & typeof common> {
  return parseObject<S & typeof common>({ ...common, ...shape }, params, "");
}

/** Applies a metadata update to existing metadata the way Stripe merges it. */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string> | null | undefined,
): Record<string, string> {
  if (update === undefined) return current;
  if (update === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === "") delete next[key];
    else next[key] = value;
  }
  return next;
}

/** The list parameters every list endpoint accepts. */
export const listShape = {
  limit: int(1, 100),
  starting_after: str(),
  ending_before: str(),
};
