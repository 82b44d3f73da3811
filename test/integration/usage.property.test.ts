import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";
import { meteredType, usageMeters, writeTestCatalog } from "../support/usage-catalog.js";

// Every aggregation read from rollups equals a recompute from the raw events, exactly (MAX stays
// MAX, unique_count counts distinct values over the whole range, latest breaks ties on the id),
// however the events were split into batches, resent and sent concurrently, and after some of
// them were voided (a recompute counts the events still standing). "latest" is also checked
// against the events as generated: the value of the standing event with the greatest timestamp,
// of those at the same instant the one whose id is greatest in byte order — with events arriving
// newest first, many at one instant and at the edges of hours and days. And billed: the metered
// line of a "latest" price (seats) adds up that value of each resource, recomputed naively from
// the events sent.

interface GeneratedEvent {
  resource: number;
  meter: number;
  hour: number;
  /** Milliseconds into the hour: its first and last, or its middle. */
  offset: number;
  value: number | string;
  user: string;
  /** The id's distinguishing part: byte order differs from arrival order and from case order. */
  idKey: string;
  /** Events of the same resource and meter at the same instant, sent right after this one. */
  twins: { value: number | string; idKey: string }[];
}

const value = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc
    .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 999 }))
    .map(([whole, part]) => `${whole}.${String(part).padStart(3, "0")}`),
  fc.constantFrom(0.1, 0.2, 2.5, 1e-7),
);
const idKey = fc.constantFrom("A", "B", "a", "b", "0", "~", "e", "\u00e9");
const SEATS = usageMeters.findIndex((m) => m.aggregation === "latest");
const generatedEvent: fc.Arbitrary<GeneratedEvent> = fc.record({
  resource: fc.nat(2),
  // "latest" a third of the time more, so that its events often meet at one instant.
  meter: fc.oneof(
    { arbitrary: fc.nat(usageMeters.length - 1), weight: 2 },
    { arbitrary: fc.constant(SEATS), weight: 1 },
  ),
  // Ten days of hours from 2026-11-10. Or one of four hours: 30 and 31 (on 11-11, inside the
  // ragged range's first partial day), so that hours often hold several events and a void often
  // takes out an hour's max or latest but not all; 47 and 48, on either side of midnight.
  hour: fc.oneof(fc.nat(10 * 24 - 1), fc.constantFrom(30, 31, 47, 48)),
  // Few instants an hour, so that "latest" often ties on the timestamp.
  offset: fc.constantFrom(0, 1, 1_800_000, 3_599_999),
  value,
  user: fc.constantFrom("ada", "bob", "cy", "dee"),
  idKey,
  twins: fc.array(fc.record({ value, idKey }), { maxLength: 2 }),
});

/** A value as PostgreSQL's trim_scale(numeric)::text writes it. */
function decimalText(v: number | string): string {
  const text = typeof v === "number" ? v.toFixed(7) : v;
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** A quantity at 1 USD a unit, in cents rounded half up, from its decimal text exactly. */
function centsOf(quantity: string): number {
  const [whole, fraction = ""] = quantity.split(".");
  const digits = fraction.padEnd(3, "0");
  return Number(whole) * 100 + Number(digits.slice(0, 2)) + (Number(digits[2]) >= 5 ? 1 : 0);
}

/** The exact sum of decimal texts (at most 7 decimals), written as `decimalText` writes. */
function sumOf(values: string[]): string {
  const units = values.reduce((sum, v) => {
    const [whole, fraction = ""] = v.split(".");
    return sum + BigInt(whole as string) * 10_000_000n + BigInt(fraction.padEnd(7, "0"));
  }, 0n);
  const fraction = String(units % 10_000_000n)
    .padStart(7, "0")
    .replace(/0+$/, "");
  return `${units / 10_000_000n}${fraction ? `.${fraction}` : ""}`;
}

interface SentEvent {
  id: string;
  resource_id: string;
  event_name: string;
  value: number | string;
  timestamp: string;
  properties: { user: string };
}

/** Latest first: the greater timestamp, then the greater id in byte order (PostgreSQL's "C"). */
function newestFirst(a: SentEvent, b: SentEvent): number {
  const at = Date.parse(b.timestamp) - Date.parse(a.timestamp);
  if (at !== 0) return at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** "latest" over `events` as the catalog defines it, per hour or day and in total. */
function latestOf(options: {
  events: SentEvent[];
  granularity: "hour" | "day";
  range: { from: string; to: string };
}): { total: string | null; data: { start: string; value: string }[] } {
  const from = Date.parse(options.range.from);
  const to = Date.parse(options.range.to);
  const inRange = options.events
    .filter((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to)
    .sort(newestFirst);
  const size = options.granularity === "hour" ? 3_600_000 : 86_400_000;
  const buckets = new Map<number, string>();
  for (const e of inRange) {
    const start = Math.floor(Date.parse(e.timestamp) / size) * size;
    if (!buckets.has(start)) buckets.set(start, decimalText(e.value));
  }
  return {
    total: inRange[0] ? decimalText(inRange[0].value) : null,
    data: [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([start, v]) => ({ start: new Date(start).toISOString(), value: v })),
  };
}

const RECOMPUTE = {
  sum: "coalesce(trim_scale(sum(value)), 0)::text",
  count: "count(*)::text",
  max: "trim_scale(max(value))::text",
  latest: `trim_scale((array_agg(value ORDER BY "timestamp" DESC, event_id COLLATE "C" DESC))[1])::text`,
  unique_count: "count(DISTINCT properties->>'user')::text",
} as const;

describe.skipIf(!testDatabaseAvailable)("usage rollups equal a recompute from raw events", () => {
  let app: TestApp;
  let owner: ApiClient;
  let org: { id: string };
  const resources: string[] = [];
  let account: string;
  let run = 0;
  // Every event sent to the resources in any run (the recompute reads them all), and the voided.
  const sent: SentEvent[] = [];
  const voided = new Set<string>();

  beforeAll(async () => {
    // The usage catalog plus a seats-like price billed by the "latest" meter, 1 USD a seat.
    const catalogPath = await writeTestCatalog((catalog) => {
      catalog.meters = usageMeters;
      catalog.resource_types.push(
        meteredType({
          type: "seats",
          sku: "seat",
          eventName: "seats",
          price: { unit_amount: 100 },
        }),
      );
    });
    app = await startTestApp({ catalogPath });
    owner = (await app.signUp()).api;
    org = (await owner.post("/v1/organizations", { name: "Acme" })).body;
    const project = (await owner.post("/v1/projects", { name: "P", organization_id: org.id })).body;
    account = project.billing.billing_account_id;
    // Every meter's events go to every resource; their seats are also billed.
    for (const name of ["a", "b", "c"]) {
      const created = await owner.post("/v1/resources", {
        project_id: project.id,
        resource_type: "seats",
        sku: "seat",
        name,
      });
      resources.push(created.body.id);
    }
    app.clock.set("2026-11-20T12:00:00Z");
  }, 180_000);
  afterAll(async () => {
    await app?.close();
  });

  const recompute = async (options: {
    resourceId: string;
    eventName: string;
    aggregation: keyof typeof RECOMPUTE;
    granularity: "hour" | "day";
    range?: { from: string; to: string };
  }) => {
    const { from, to } = options.range ?? {
      from: "2000-01-01T00:00:00Z",
      to: "2100-01-01T00:00:00Z",
    };
    const where = `resource_id = $1 AND event_name = $2 AND voided_at IS NULL
       AND "timestamp" >= $3::timestamptz AND "timestamp" < $4::timestamptz`;
    const rows = await app.ctx.db.query<{ start: Date; value: string }>(
      `SELECT date_trunc($5, "timestamp", 'UTC') AS start, ${RECOMPUTE[options.aggregation]} AS value
       FROM ktrlplane.usage_events WHERE ${where}
       GROUP BY 1 ORDER BY 1`,
      [options.resourceId, options.eventName, from, to, options.granularity],
    );
    const total = await app.ctx.db.query<{ value: string | null }>(
      `SELECT ${RECOMPUTE[options.aggregation]} AS value FROM ktrlplane.usage_events WHERE ${where}`,
      [options.resourceId, options.eventName, from, to],
    );
    return {
      total: total[0]?.value ?? null,
      data: rows.map((r) => ({ start: new Date(r.start).toISOString(), value: r.value })),
    };
  };

  it("for every meter, per hour and per day, per resource and per organization", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(generatedEvent, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(59), { maxLength: 20 }),
        fc.array(fc.nat(59), { maxLength: 20 }),
        fc.boolean(),
        async (generated, batches, resent, voids, inOrder) => {
          run += 1;
          const events: SentEvent[] = generated
            .flatMap((g) => [g, ...g.twins.map((twin) => ({ ...g, ...twin }))])
            .map((g, i) => {
              const meter = usageMeters[g.meter] as (typeof usageMeters)[number];
              const at = new Date(Date.UTC(2026, 10, 10, g.hour) + g.offset);
              return {
                id: `run${run}-${g.idKey}-${i}`,
                resource_id: resources[g.resource] as string,
                event_name: meter.event_name,
                value: g.value,
                timestamp: at.toISOString(),
                properties: { user: g.user },
              };
            });
          sent.push(...events);
          // A third of the events arrive later, while the voids run (below): both write the
          // same hours' and days' rollups at once.
          const first = events.filter((_, i) => i % 3 !== 2);
          const later = events.filter((_, i) => i % 3 === 2);
          // Split into batches, plus resends of some events, all sent at once. Or, `inOrder`,
          // newest first, one batch after the other: each later batch holds older events, or
          // events at the same instant with smaller ids, which must not replace the latest.
          const ordered = inOrder ? [...first].sort(newestFirst) : first;
          const size = Math.ceil(ordered.length / batches);
          const sendings = Array.from({ length: batches }, (_, b) =>
            inOrder
              ? ordered.slice(b * size, (b + 1) * size)
              : ordered.filter((_, i) => i % batches === b),
          ).filter((batch) => batch.length > 0);
          const again = resent.map((i) => first[i % first.length]).filter((e) => e !== undefined);
          if (again.length > 0) sendings.push(again);
          const responses = [];
          if (inOrder) {
            for (const batch of sendings) {
              responses.push(await owner.post("/v1/usage", { events: batch }));
            }
          } else {
            responses.push(
              ...(await Promise.all(
                sendings.map((batch) => owner.post("/v1/usage", { events: batch })),
              )),
            );
          }
          const accepted = new Map<string, number>();
          for (const response of responses) {
            expect(response.status, JSON.stringify(response.body)).toBe(200);
            for (const outcome of response.body.events) {
              expect(["accepted", "duplicate"]).toContain(outcome.status);
              if (outcome.status === "accepted") {
                accepted.set(outcome.id, (accepted.get(outcome.id) ?? 0) + 1);
              }
            }
          }
          // Exactly once: every id accepted by exactly one sending, stored exactly once.
          expect([...accepted.values()].every((n) => n === 1)).toBe(true);
          expect(accepted.size).toBe(first.length);

          // Voids in two requests at once, some ids in both: each id is voided by one of them.
          const toVoid = voids.map((i) => (first[i % first.length] as { id: string }).id);
          const halves = [
            toVoid.filter((_, i) => i % 2 === 0),
            toVoid.filter((_, i) => i % 2 === 1 || i % 3 === 0),
          ].filter((ids) => ids.length > 0);
          const [lateResponse, ...voidings] = await Promise.all([
            later.length > 0 ? owner.post("/v1/usage", { events: later }) : undefined,
            ...halves.map((ids) => owner.post("/v1/usage/void", { ids })),
          ]);
          for (const id of toVoid) voided.add(id);
          if (lateResponse) {
            expect(lateResponse.status, JSON.stringify(lateResponse.body)).toBe(200);
            expect(lateResponse.body.accepted).toBe(later.length);
          }
          const stored = await app.ctx.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM ktrlplane.usage_events WHERE event_id LIKE $1",
            [`run${run}-%`],
          );
          expect(stored[0]?.n).toBe(events.length);
          if (toVoid.length > 0) {
            const voidedBy = new Map<string, number>();
            for (const response of voidings) {
              if (!response) continue;
              expect(response.status, JSON.stringify(response.body)).toBe(200);
              for (const outcome of response.body.events) {
                expect(["voided", "already_voided"]).toContain(outcome.status);
                if (outcome.status === "voided") {
                  voidedBy.set(outcome.id, (voidedBy.get(outcome.id) ?? 0) + 1);
                }
              }
            }
            expect([...voidedBy.values()].every((n) => n === 1)).toBe(true);
            expect(voidedBy.size).toBe(new Set(toVoid).size);
          }

          const standing = sent.filter((e) => !voided.has(e.id));
          const latestExpected = (options: {
            resourceId: string;
            granularity: "hour" | "day";
            range: { from: string; to: string };
          }) =>
            latestOf({
              events: standing.filter(
                (e) =>
                  e.resource_id === options.resourceId &&
                  e.event_name === usageMeters[SEATS]?.event_name,
              ),
              granularity: options.granularity,
              range: options.range,
            });

          // The seats line of the month so far bills each resource's latest standing seats
          // event, by the same rule, whatever hour or day rollups the read combines.
          const charges = await owner.get(`/v1/billing-accounts/${account}/charges`);
          expect(charges.status).toBe(200);
          const seats = sumOf(
            resources.map(
              (resourceId) =>
                latestExpected({
                  resourceId,
                  granularity: "day",
                  range: { from: "2026-11-01T00:00:00Z", to: "2026-11-20T12:00:00Z" },
                }).total ?? "0",
            ),
          );
          const seatsLine = charges.body.lines.find(
            (l: { resource_type: string }) => l.resource_type === "seats",
          );
          expect([seatsLine?.usage_quantity, seatsLine?.amount]).toEqual([seats, centsOf(seats)]);

          const touched = new Set(events.map((e) => `${e.resource_id} ${e.event_name}`));
          for (const key of touched) {
            const [resourceId, eventName] = key.split(" ") as [string, string];
            const aggregation = usageMeters.find((m) => m.event_name === eventName)
              ?.aggregation as keyof typeof RECOMPUTE;
            for (const granularity of ["hour", "day"] as const) {
              const range =
                granularity === "hour"
                  ? "from=2026-11-10T00:00:00Z&to=2026-11-20T00:00:00Z"
                  : "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z";
              const response = await owner.get(
                `/v1/resources/${resourceId}/usage?event_name=${eventName}&granularity=${granularity}&${range}`,
              );
              expect(response.status).toBe(200);
              const expected = await recompute({ resourceId, eventName, aggregation, granularity });
              expect({ total: response.body.total, data: response.body.data }).toEqual(expected);
              if (aggregation === "latest") {
                const range = { from: response.body.from, to: response.body.to };
                expect(expected).toEqual(latestExpected({ resourceId, granularity, range }));
              }
            }
          }
          // Whole days read day rollups alone; a range starting and ending inside days reads day
          // rollups for its whole days and hour rollups for the hours at its edges.
          const ragged = { from: "2026-11-11T05:00:00.000Z", to: "2026-11-18T19:00:00.000Z" };
          for (const range of [
            { from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z" },
            ragged,
          ]) {
            const totals = await owner.get(
              `/v1/organizations/${org.id}/usage?group_by=resource&limit=200&from=${range.from}&to=${range.to}`,
            );
            expect(totals.status).toBe(200);
            // Every resource × meter of the run with events in the range has its row…
            for (const key of touched) {
              const [resourceId, eventName] = key.split(" ") as [string, string];
              const aggregation = usageMeters.find((m) => m.event_name === eventName)
                ?.aggregation as keyof typeof RECOMPUTE;
              const held = await recompute({
                resourceId,
                eventName,
                aggregation: "count",
                granularity: "day",
                range,
              });
              const row = totals.body.data.find(
                (r: { resource_id: string; event_name: string }) =>
                  r.resource_id === resourceId && r.event_name === eventName,
              );
              if (held.total === "0") expect(row).toBeUndefined();
              else {
                const expected = await recompute({
                  resourceId,
                  eventName,
                  aggregation,
                  granularity: "day",
                  range,
                });
                expect(row?.value).toBe(expected.total);
                if (aggregation === "latest") {
                  expect(row?.value).toBe(
                    latestExpected({ resourceId, granularity: "day", range }).total,
                  );
                }
              }
            }
            // …and every row equals its recompute.
            for (const row of totals.body.data) {
              const aggregation = row.aggregation as keyof typeof RECOMPUTE;
              const expected = await recompute({
                resourceId: row.resource_id,
                eventName: row.event_name,
                aggregation,
                granularity: "day",
                range,
              });
              expect(row.value).toBe(expected.total);
            }
          }
          // An hourly series over a ragged range: its total reads day rows for the whole days.
          for (const key of touched) {
            const [resourceId, eventName] = key.split(" ") as [string, string];
            const aggregation = usageMeters.find((m) => m.event_name === eventName)
              ?.aggregation as keyof typeof RECOMPUTE;
            const response = await owner.get(
              `/v1/resources/${resourceId}/usage?event_name=${eventName}&granularity=hour&from=${ragged.from}&to=${ragged.to}`,
            );
            expect(response.status).toBe(200);
            const expected = await recompute({
              resourceId,
              eventName,
              aggregation,
              granularity: "hour",
              range: ragged,
            });
            expect({ total: response.body.total, data: response.body.data }).toEqual(expected);
            if (aggregation === "latest") {
              expect(expected).toEqual(
                latestExpected({ resourceId, granularity: "hour", range: ragged }),
              );
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 600_000);
});
