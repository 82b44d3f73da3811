import { invalidRequest } from "./errors.js";

/**
 * A subset of Stripe's search query language: clauses `field:'value'` (exact), `field~'value'`
 * (substring), `-field:'value'` (negation), `metadata['key']:'value'`, numeric `created>123`,
 * joined all by `AND` or all by `OR` (Stripe does not allow mixing them either).
 */
export type FieldReader = (field: string, key?: string) => string | number | null | undefined;

interface Clause {
  negate: boolean;
  field: string;
  key: string | undefined;
  op: ":" | "~" | ">" | "<" | ">=" | "<=";
  value: string;
}

const CLAUSE =
  /^(-?)([a-z_]+)(?:\[(?:'([^']*)'|"([^"]*)")\])?\s*(:|~|>=|<=|>|<)\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))$/;

function parseClause(text: string): Clause {
  const match = CLAUSE.exec(text.trim());
  if (match === null) {
    throw invalidRequest(
      `Invalid search query: could not parse '${text.trim()}'`,
      undefined,
      "query",
    );
  }
  return {
    negate: match[1] === "-",
    field: match[2] as string,
    key: match[3] ?? match[4],
    op: match[5] as Clause["op"],
    value: match[6] ?? match[7] ?? match[8] ?? "",
  };
}

export function compileQuery(
  query: string,
  allowedFields: readonly string[],
): (read: FieldReader) => boolean {
  const hasAnd = /\sAND\s/.test(query);
  const hasOr = /\sOR\s/.test(query);
  if (hasAnd && hasOr) {
    throw invalidRequest("Search queries cannot mix AND and OR.", undefined, "query");
  }
  const clauses = query.split(hasOr ? /\sOR\s/ : /\sAND\s/).map(parseClause);
  for (const clause of clauses) {
    if (!allowedFields.includes(clause.field)) {
      throw invalidRequest(
        `Field '${clause.field}' is an unsupported search field.`,
        undefined,
        "query",
      );
    }
  }
  const test = (clause: Clause, read: FieldReader): boolean => {
    const actual = read(clause.field, clause.key);
    let result: boolean;
    if (actual === null || actual === undefined) result = false;
    else if (clause.op === ":") result = String(actual) === clause.value;
    else if (clause.op === "~") result = String(actual).includes(clause.value);
    else {
      const a = Number(actual);
      const b = Number(clause.value);
      result =
        clause.op === ">"
          ? a > b
          : clause.op === "<"
            ? a < b
            : clause.op === ">="
              ? a >= b
              : a <= b;
    }
    return clause.negate ? !result : result;
  };
  return (read) =>
    hasOr ? clauses.some((c) => test(c, read)) : clauses.every((c) => test(c, read));
}
