import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Every route of /openapi.json, called with generated hostile ids, bodies, queries and headers:
// never a 5xx, every error is problem+json, and a refused request writes nothing.

interface Operation {
  method: string;
  path: string;
  bodyKeys: string[];
  queryKeys: string[];
}

const tables = [
  "users",
  "api_tokens",
  "organizations",
  "billing_accounts",
  "projects",
  "memberships",
  "resources",
  "billing_intervals",
  "billing_account_changes",
  "audit_events",
  "idempotency_keys",
  "billing_account_sync",
  "stripe_customers",
  "stripe_prices",
  "stripe_webhook_events",
];

/** Every byte percent-encoded: any string (lone surrogates become U+FFFD) is a valid URL part. */
const percent = (value: string) =>
  [...Buffer.from(value, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "Dept \ud800",
    "\udc00",
    "\u{1F680}",
    "x".repeat(300),
    "y".repeat(20_000),
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%n%x",
    "<script>alert(1)</script>",
    "1e309",
    "-1",
    "NaN",
    "usd",
    "USD",
    "jpy",
    "inherit",
    "separate",
    "graph",
    "standard",
    "free",
    "owner",
    "viewer",
    "2026-11-10T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01",
    "a@b.c",
  ),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, 0.5, -0.0001),
  fc.double(),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Bodies: objects shaped like the route's schema with hostile values, or raw hostile text. */
const bodyFor = (operation: Operation) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .record({
          known: fc.dictionary(fc.constantFrom(...operation.bodyKeys, "name"), hostileValue, {
            maxKeys: Math.max(1, operation.bodyKeys.length),
          }),
          extra: fc.dictionary(hostileString, hostileValue, { maxKeys: 1 }),
          withExtra: fc.boolean(),
        })
        .map(({ known, extra, withExtra }) =>
          JSON.stringify(withExtra ? { ...extra, ...known } : known),
        ),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "{",
        "null",
        "[]",
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        `${"[".repeat(50_000)}${"]".repeat(50_000)}`,
        `{"name":${"1".repeat(400)}}`,
        '{"name":"a","name":"b"}',
        '{"name":"\\ud800"}',
        '{"name":"\\u0000"}',
        "\ufeff{}",
        "not json",
      ),
    },
  );

describe.skipIf(!testDatabaseAvailable)("every route, hostile input", () => {
  let app: TestApp;
  let token: string;
  let operations: Operation[];
  let ids: string[];

  beforeAll(async () => {
    app = await startTestApp();
    const signed = await app.signUp({ name: "Fuzz Owner" });
    token = signed.token;
    const api = signed.api;
    const project = await api.post("/v1/projects", { name: "fuzzed" });
    const resource = await api.post("/v1/resources", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "target",
    });
    const organization = (await api.get("/v1/organizations")).body.data[0];
    ids = [
      project.body.id,
      resource.body.id,
      organization.id,
      organization.primary_billing_account_id,
      signed.user.id,
    ];
    const document = (await app.client().get("/openapi.json")).body;
    operations = [];
    for (const [path, methods] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(methods)) {
        const schema = operation.requestBody?.content?.["application/json"]?.schema;
        operations.push({
          method: method.toUpperCase(),
          path,
          bodyKeys: Object.keys(schema?.properties ?? {}),
          queryKeys: (operation.parameters ?? [])
            .filter((p: { in: string }) => p.in === "query")
            .map((p: { name: string }) => p.name),
        });
      }
    }
    expect(operations.length).toBeGreaterThan(20);
  });

  afterAll(async () => {
    await app?.close();
  });

  const counts = async () => {
    const rows = await app.ctx.db.query<{ t: string; n: number }>(
      tables
        .map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ktrlplane.${t}`)
        .join(" UNION ALL "),
    );
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
  };

  it("never a 5xx, errors are problem+json, refusals write nothing", async () => {
    const seen: Record<string, number> = {};
    const request = fc.nat().chain((n) => {
      const operation = operations[n % operations.length] as Operation;
      return fc.record({
        operation: fc.constant(operation),
        id: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...ids) },
          { weight: 2, arbitrary: hostileString.map(percent) },
          {
            weight: 1,
            arbitrary: fc.constantFrom("%00", "%ff", "%ED%A0%80", "..", "a".repeat(200)),
          },
        ),
        body: fc.option(bodyFor(operation), { nil: undefined, freq: 4 }),
        query: fc.dictionary(fc.constantFrom(...operation.queryKeys, "limit", "x"), hostileString, {
          maxKeys: 3,
        }),
        contentType: fc.constantFrom(
          "application/json",
          "application/json",
          "application/json",
          "application/json; charset=utf-16",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
        ),
        auth: fc.oneof(
          { weight: 4, arbitrary: fc.constant("valid") },
          { weight: 1, arbitrary: fc.constantFrom("none", "Bearer ", "Bearer x", "Basic abc") },
        ),
        idempotencyKey: fc.option(fc.string({ unit: "grapheme-ascii", maxLength: 300 })),
      });
    });

    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const { operation } = input;
        const path = operation.path.replace(/\{\w+\}/g, () => input.id);
        const query = Object.entries(input.query)
          .map(([k, v]) => `${percent(k)}=${percent(v)}`)
          .join("&");
        const url = `${app.url}${path}${query ? `?${query}` : ""}`;
        const headers: Record<string, string> = {};
        if (input.body !== undefined) headers["content-type"] = input.contentType;
        if (input.auth === "valid") headers.authorization = `Bearer ${token}`;
        else if (input.auth !== "none") headers.authorization = input.auth;
        if (input.idempotencyKey !== null) headers["idempotency-key"] = input.idempotencyKey;
        const withBody = input.body !== undefined && !["GET", "DELETE"].includes(operation.method);

        const failures: string[] = [];
        const before = await counts();
        const response = await fetch(url, {
          method: operation.method,
          headers,
          ...(withBody ? { body: input.body } : {}),
        });
        const text = await response.text();
        seen[`${operation.method} ${operation.path} ${response.status}`] =
          (seen[`${operation.method} ${operation.path} ${response.status}`] ?? 0) + 1;
        const label = `${operation.method} ${path} ${JSON.stringify(input).slice(0, 400)} → ${response.status} ${text.slice(0, 300)}`;
        if (response.status >= 500) failures.push(`5xx: ${label}`);
        if (response.status >= 400) {
          const type = response.headers.get("content-type") ?? "";
          if (!type.startsWith("application/problem+json"))
            failures.push(`not a problem: ${label}`);
          else {
            const problem = JSON.parse(text);
            if (problem.status !== response.status || typeof problem.code !== "string") {
              failures.push(`malformed problem: ${label}`);
            }
          }
          const after = await counts();
          const changed = Object.keys(before).filter((t) => before[t] !== after[t]);
          if (changed.length > 0) failures.push(`refused but wrote ${changed.join(",")}: ${label}`);
        }
        // Thrown, so that fast-check shrinks it and reports the request and the answer.
        if (failures.length > 0) throw new Error(failures.join("\n"));
      }),
      { numRuns: 250, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000) },
    );
    if (process.env.FUZZ_DEBUG) console.log(seen);
  }, 120_000);
});
