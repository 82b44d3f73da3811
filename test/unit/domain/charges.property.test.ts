import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  calendarMonthOf,
  epochSeconds,
  periodSeconds,
} from "../../../src/domain/billing-period.js";
import { computeCharges, type LedgerInterval } from "../../../src/domain/charges.js";
import {
  type PriceBook,
  type PriceVersion,
  priceBookOf,
  priceVersion,
} from "../../../src/domain/price-versions.js";
import { type Price, type PriceTier, periodAmount, priceKey } from "../../../src/domain/pricing.js";
import { rational, roundHalfUp } from "../../../src/domain/rational.js";

// Late January so that generated windows cross into February (28 days) and March (31).
const BASE_MS = Date.UTC(2026, 0, 20);
const SPAN_S = 70 * 86400;
const at = (seconds: number, ms = 0) => new Date(BASE_MS + seconds * 1000 + ms);
const SKUS = ["s0", "s1"];

const tiersArb: fc.Arbitrary<PriceTier[]> = fc
  .array(
    fc.record({
      step: fc.integer({ min: 1, max: 4 }),
      unit_amount: fc.nat(5000),
      flat_amount: fc.option(fc.nat(2000), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((raw) => {
    let upTo = 0;
    return raw.map(({ step, unit_amount, flat_amount }, i): PriceTier => {
      upTo += step;
      const tier: PriceTier = { up_to: i === raw.length - 1 ? null : upTo, unit_amount };
      if (flat_amount !== undefined) tier.flat_amount = flat_amount;
      return tier;
    });
  });

function priceArb(sku: string, options: { perUnitOnly?: boolean } = {}): fc.Arbitrary<Price> {
  const base = { resource_type: "vm", sku, currency: "usd", interval: "month" } as const;
  const perUnit = fc
    .nat(50_000)
    .map((unit_amount): Price => ({ ...base, billing_model: "per_unit", unit_amount }));
  if (options.perUnitOnly) return perUnit;
  return fc.oneof(
    perUnit,
    fc.tuple(fc.constantFrom("graduated" as const, "volume" as const), tiersArb).map(
      ([tiers_mode, tiers]): Price => ({
        ...base,
        billing_model: "tiered",
        unit_amount: null,
        tiers_mode,
        tiers,
      }),
    ),
    fc.constant<Price>({ ...base, billing_model: "free", unit_amount: null }),
  );
}

function pricesArb(options: { perUnitOnly?: boolean } = {}): fc.Arbitrary<PriceBook> {
  return fc.tuple(...SKUS.map((sku) => priceArb(sku, options))).map((ps) => priceBookOf(ps));
}

const MAX_VERSIONS = 3;

/**
 * One to three versions per price; each later one moves earlier resources at an instant within
 * the span (whole seconds, as stored), or never (grandfathered).
 */
function versionedPricesArb(): fc.Arbitrary<PriceBook> {
  const versionsArb = (sku: string) =>
    fc.array(fc.tuple(priceArb(sku), fc.option(fc.nat(SPAN_S), { nil: null })), {
      minLength: 1,
      maxLength: MAX_VERSIONS,
    });
  return fc.tuple(...SKUS.map(versionsArb)).map(
    (perSku) =>
      new Map(
        perSku.map((versions) => [
          priceKey(versions[0]?.[0] as Price),
          versions.map(
            ([price, move], i): PriceVersion => ({
              version: i + 1,
              price,
              created_at: at(0),
              effective_from: i === 0 || move === null ? null : at(move),
              grandfathered: i > 0 && move === null,
            }),
          ),
        ]),
      ),
  );
}

interface RawInterval {
  resource: number;
  account: number;
  sku: number;
  version: number;
  start: number;
  startMs: number;
  length: number | null;
}

const rawIntervalArb: fc.Arbitrary<RawInterval> = fc.record({
  resource: fc.nat(7),
  account: fc.nat(2),
  sku: fc.nat(SKUS.length - 1),
  version: fc.integer({ min: 1, max: MAX_VERSIONS }),
  start: fc.nat(SPAN_S),
  startMs: fc.nat(999),
  length: fc.option(fc.nat(SPAN_S), { nil: null }),
});

/** An interval at a version the book has (the recorded one capped at the price's latest). */
function toInterval(r: RawInterval, book?: PriceBook): LedgerInterval {
  const sku = SKUS[r.sku] as string;
  const versions = book?.get(priceKey({ resource_type: "vm", sku }))?.length ?? 1;
  return {
    resource_id: `r${r.resource}`,
    project_id: `p${r.resource % 3}`,
    billing_account_id: `a${r.account}`,
    resource_type: "vm",
    sku,
    price_version: Math.min(r.version, versions),
    started_at: at(r.start, r.startMs),
    ended_at: r.length === null ? null : at(r.start + r.length, r.startMs),
  };
}

/** The naive version rule: the highest of the recorded one and every move that has come. */
function naiveVersionAt(book: PriceBook, i: LedgerInterval, t: number): number {
  let version = i.price_version;
  for (const v of book.get(priceKey(i)) ?? []) {
    if (v.effective_from && epochSeconds(v.effective_from) <= t && v.version > version) {
      version = v.version;
    }
  }
  return version;
}

const windowArb = fc.tuple(fc.nat(SPAN_S), fc.nat(SPAN_S), fc.nat(SPAN_S)).map(([a, b, c]) => {
  const [from, now, to] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
  return { from: at(from), now: at(now), to: at(to) };
});

const sum = (xs: { amount: number }[]) => xs.reduce((s, x) => s + x.amount, 0);

/** The obvious O(n²) reading of the rules, as an oracle for line amounts and quantities. */
function referenceLines(options: {
  intervals: LedgerInterval[];
  prices: PriceBook;
  from: Date;
  to: Date;
  openUntil: Date;
}): Map<string, { amount: number; quantity_at_end: number }> {
  const fromS = epochSeconds(options.from);
  const toS = epochSeconds(options.to);
  const openS = epochSeconds(options.openUntil);
  const pieces = new Map<string, { s: number; e: number }[]>();
  const months = new Map<string, { startS: number; endS: number; price: Price }>();
  // Every instant the version of some interval may change at.
  const moves = [...options.prices.values()]
    .flat()
    .flatMap((v) => (v.effective_from ? [epochSeconds(v.effective_from)] : []));
  for (const i of options.intervals) {
    const s = Math.max(epochSeconds(i.started_at), fromS);
    const e = Math.min(i.ended_at ? epochSeconds(i.ended_at) : openS, toS);
    for (let t = s; t < e; ) {
      const month = calendarMonthOf(new Date(t * 1000));
      const version = naiveVersionAt(options.prices, i, t);
      const next = Math.min(e, epochSeconds(month.end), ...moves.filter((m) => m > t));
      const key = `${i.billing_account_id}|${priceKey(i)}|${version}|${month.start.toISOString()}`;
      months.set(key, {
        startS: epochSeconds(month.start),
        endS: epochSeconds(month.end),
        price: priceVersion(options.prices, i, version).price,
      });
      pieces.set(key, [...(pieces.get(key) ?? []), { s: t, e: next }]);
      t = next;
    }
  }
  const out = new Map<string, { amount: number; quantity_at_end: number }>();
  for (const [key, ps] of pieces) {
    const m = months.get(key) as { startS: number; endS: number; price: Price };
    const times = [...new Set(ps.flatMap((p) => [p.s, p.e]))].sort((a, b) => a - b);
    let num = 0n;
    for (let k = 0; k + 1 < times.length; k++) {
      const t0 = times[k] as number;
      const q = ps.filter((p) => p.s <= t0 && t0 < p.e).length;
      num +=
        BigInt(periodAmount({ price: m.price, quantity: q })) *
        BigInt((times[k + 1] as number) - t0);
    }
    const last = Math.min(m.endS, toS, openS);
    out.set(key, {
      amount: roundHalfUp(rational(num, m.endS - m.startS)),
      quantity_at_end: ps.filter((p) => p.s < last && p.e >= last).length,
    });
  }
  return out;
}

describe("computeCharges properties", () => {
  it("matches the naive reading of the rules, line by line, price versions and their moves included", () => {
    fc.assert(
      fc.property(
        fc.array(rawIntervalArb, { maxLength: 25 }),
        versionedPricesArb(),
        windowArb,
        (raw, prices, w) => {
          const input = {
            intervals: raw.map((r) => toInterval(r, prices)),
            prices,
            from: w.from,
            to: w.to,
            openUntil: w.now,
          };
          const c = computeCharges(input);
          const expected = referenceLines(input);
          const actual = new Map(
            c.lines.map((l) => [
              `${l.billing_account_id}|${priceKey(l)}|${l.price_version}|${l.period.start.toISOString()}`,
              { amount: l.amount, quantity_at_end: l.quantity_at_end },
            ]),
          );
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("(a) shares sum to their lines and lines to the total, exactly", () => {
    fc.assert(
      fc.property(
        fc.array(rawIntervalArb, { maxLength: 25 }),
        versionedPricesArb(),
        windowArb,
        fc.boolean(),
        (raw, prices, w, projected) => {
          const c = computeCharges({
            intervals: raw.map((r) => toInterval(r, prices)),
            prices,
            from: w.from,
            to: w.to,
            openUntil: projected ? w.to : w.now,
          });
          expect(sum(c.lines)).toBe(c.total);
          expect(sum(c.shares)).toBe(c.total);
          // Also per account and price, since shares aggregate lines over months.
          for (const account of ["a0", "a1", "a2"]) {
            for (const sku of SKUS) {
              const match = (x: { billing_account_id: string; sku: string }) =>
                x.billing_account_id === account && x.sku === sku;
              expect(sum(c.shares.filter(match))).toBe(sum(c.lines.filter(match)));
            }
          }
          expect(c.shares.every((s) => s.amount >= 0 && Number.isInteger(s.amount))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("(b) splitting an interval at any instant onto the same account changes nothing", () => {
    fc.assert(
      fc.property(
        fc.array(rawIntervalArb, { minLength: 1, maxLength: 20 }),
        versionedPricesArb(),
        windowArb,
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(999),
        (raw, prices, w, pick, fraction, ms) => {
          const intervals = raw.map((r) => toInterval(r, prices));
          const k = pick % intervals.length;
          const original = intervals[k] as LedgerInterval;
          for (const openUntil of [w.now, w.to]) {
            // A switch happens at an instant that has passed: an open interval is cut no later
            // than openUntil (cutting it later would leave a closed interval ending in the future).
            const startMs = original.started_at.getTime();
            const endMs = (original.ended_at ?? openUntil).getTime();
            const cut = new Date(
              Math.max(
                startMs,
                Math.min(endMs, startMs + Math.floor((endMs - startMs) * fraction) + ms),
              ),
            );
            const split = [
              ...intervals.slice(0, k),
              { ...original, ended_at: cut },
              { ...original, started_at: cut },
              ...intervals.slice(k + 1),
            ];
            const window = { prices, from: w.from, to: w.to, openUntil };
            const before = computeCharges({ ...window, intervals });
            const after = computeCharges({ ...window, intervals: split });
            expect(after.total).toBe(before.total);
            expect(after.lines).toEqual(before.lines);
            expect(after.shares).toEqual(before.shares);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("(c) projected ≥ accrued, line by line, when nothing has ended in the future", () => {
    fc.assert(
      fc.property(
        fc.array(rawIntervalArb, { maxLength: 25 }),
        versionedPricesArb(),
        windowArb,
        (raw, prices, w) => {
          const nowS = (w.now.getTime() - BASE_MS) / 1000;
          // A ledger written up to `now`: nothing starts or ends after it.
          const intervals = raw.map((r) => {
            const start = r.start % (nowS + 1);
            const length = r.length === null ? null : Math.min(r.length, nowS - start);
            return toInterval({ ...r, start, startMs: 0, length }, prices);
          });
          const window = { intervals, prices, from: w.from, to: w.to };
          const accrued = computeCharges({ ...window, openUntil: w.now });
          const projected = computeCharges({ ...window, openUntil: w.to });
          expect(projected.total).toBeGreaterThanOrEqual(accrued.total);
          for (const line of accrued.lines) {
            const twin = projected.lines.find(
              (l) =>
                l.billing_account_id === line.billing_account_id &&
                l.sku === line.sku &&
                l.price_version === line.price_version &&
                l.period.start.getTime() === line.period.start.getTime(),
            );
            expect(twin?.amount).toBeGreaterThanOrEqual(line.amount);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("(d) grouped by project, shares sum to the total and stay within rounding of each project's exact cost", () => {
    fc.assert(
      fc.property(
        fc.array(rawIntervalArb, { maxLength: 25 }),
        pricesArb({ perUnitOnly: true }),
        windowArb,
        (raw, prices, w) => {
          const intervals = raw.map((r) => toInterval(r));
          const c = computeCharges({ intervals, prices, from: w.from, to: w.to, openUntil: w.to });
          const byProject = new Map<string, number>();
          for (const s of c.shares)
            byProject.set(s.project_id, (byProject.get(s.project_id) ?? 0) + s.amount);
          expect([...byProject.values()].reduce((a, b) => a + b, 0)).toBe(c.total);

          // Exact per_unit cost of a project, computed interval by interval, month by month.
          const fromS = epochSeconds(w.from);
          const toS = epochSeconds(w.to);
          const exact = new Map<string, number>();
          const pieces = new Map<string, Set<string>>();
          for (const i of intervals) {
            const unit = priceVersion(prices, i, 1).price.unit_amount as number;
            const s = Math.max(epochSeconds(i.started_at), fromS);
            const e = Math.min(i.ended_at ? epochSeconds(i.ended_at) : toS, toS);
            for (let t = s; t < e; ) {
              const month = calendarMonthOf(new Date(t * 1000));
              const end = Math.min(e, epochSeconds(month.end));
              exact.set(
                i.project_id,
                (exact.get(i.project_id) ?? 0) + (unit * (end - t)) / periodSeconds(month),
              );
              const lineKey = `${i.billing_account_id}|${i.resource_type}|${i.sku}|${month.start.getTime()}`;
              pieces.set(i.project_id, (pieces.get(i.project_id) ?? new Set()).add(lineKey));
              t = end;
            }
          }
          // Each project's part of a line is within 1.5 units of its exact value: < 0.5 from
          // the line's single rounding, spread pro rata, and < 1 from the largest remainder among
          // projects, however many resources the project has on the line.
          for (const [project, value] of exact) {
            const bound = 1.5 * (pieces.get(project)?.size ?? 0) + 1e-6;
            expect(Math.abs((byProject.get(project) ?? 0) - value)).toBeLessThanOrEqual(bound);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("(e) cutting an interval where it moves to a later version, as the pass writes it, changes nothing", () => {
    fc.assert(
      fc.property(
        fc.array(rawIntervalArb, { minLength: 1, maxLength: 20 }),
        versionedPricesArb(),
        windowArb,
        fc.nat(),
        (raw, prices, w, pick) => {
          const intervals = raw.map((r) => toInterval(r, prices));
          const k = pick % intervals.length;
          const original = intervals[k] as LedgerInterval;
          // The first move this interval makes after it starts and before it ends (if any).
          const startS = epochSeconds(original.started_at);
          const endS = original.ended_at ? epochSeconds(original.ended_at) : Infinity;
          const move = (prices.get(priceKey(original)) ?? [])
            .filter(
              (v) =>
                v.effective_from &&
                v.version > original.price_version &&
                epochSeconds(v.effective_from) > startS &&
                epochSeconds(v.effective_from) < endS,
            )
            .sort(
              (a, b) => (a.effective_from?.getTime() ?? 0) - (b.effective_from?.getTime() ?? 0),
            )[0];
          if (!move?.effective_from) return;
          const cutAt = move.effective_from;
          const cut = [
            ...intervals.slice(0, k),
            { ...original, ended_at: cutAt },
            {
              ...original,
              started_at: cutAt,
              price_version: naiveVersionAt(prices, original, epochSeconds(cutAt)),
            },
            ...intervals.slice(k + 1),
          ];
          for (const openUntil of [w.now, w.to]) {
            // The pass cuts a move once its instant has come: never past what an open row runs to.
            if (original.ended_at === null && cutAt.getTime() > openUntil.getTime()) continue;
            const window = { prices, from: w.from, to: w.to, openUntil };
            const before = computeCharges({ ...window, intervals });
            const after = computeCharges({ ...window, intervals: cut });
            expect(after.lines).toEqual(before.lines);
            expect(after.shares).toEqual(before.shares);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
