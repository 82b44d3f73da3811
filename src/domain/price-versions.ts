import { calendarMonthOf, epochSeconds } from "./billing-period.js";
import { AppError } from "./errors.js";
import { type Price, priceKey } from "./pricing.js";

/**
 * One version of a catalog price. A price that changes in the catalog becomes a new version:
 * new resources take it at once (from `created_at`), resources billed at an earlier version move
 * to it at `effective_from`, or never when it is null (`grandfathered`, or the first version,
 * which has nothing before it). Versions are never edited once they bill: the past never changes.
 */
export interface PriceVersion {
  version: number;
  price: Price;
  /** When it was recorded: resources created from then on take it. */
  created_at: Date;
  /** When resources on earlier versions move to it; null: they never do. */
  effective_from: Date | null;
  grandfathered: boolean;
}

/** Every version of every price the ledger may refer to (archived ones too), by `priceKey`, in
 * ascending version order. */
export type PriceBook = ReadonlyMap<string, readonly PriceVersion[]>;

type PriceRef = { resource_type: string; sku: string };

/** A book of one version per price (version 1), as a catalog file states them before any history. */
export function priceBookOf(prices: Iterable<Price>, at: Date = new Date(0)): PriceBook {
  const book = new Map<string, PriceVersion[]>();
  for (const price of prices) {
    book.set(priceKey(price), [
      { version: 1, price, created_at: at, effective_from: null, grandfathered: false },
    ]);
  }
  return book;
}

/** The version new resources take: the latest one. */
export function latestVersion(book: PriceBook, ref: PriceRef): PriceVersion | undefined {
  return book.get(priceKey(ref))?.at(-1);
}

/** One version of one price; a ledger row naming a version the book lacks is a bug (500). */
export function priceVersion(book: PriceBook, ref: PriceRef, version: number): PriceVersion {
  const found = book.get(priceKey(ref))?.find((v) => v.version === version);
  if (!found) {
    throw new AppError({
      code: "internal",
      message: `no price ${priceKey(ref)} version ${version}`,
      details: { resource_type: ref.resource_type, sku: ref.sku, price_version: version },
    });
  }
  return found;
}

/** (instant in epoch seconds, version) for every version that existing resources move to. */
const movesCache = new WeakMap<readonly PriceVersion[], { at: number; version: number }[]>();

function movesOf(versions: readonly PriceVersion[]): { at: number; version: number }[] {
  let moves = movesCache.get(versions);
  if (!moves) {
    moves = versions
      .filter((v) => v.effective_from !== null)
      .map((v) => ({ at: epochSeconds(v.effective_from as Date), version: v.version }))
      .sort((a, b) => a.at - b.at || a.version - b.version);
    movesCache.set(versions, moves);
  }
  return moves;
}

/**
 * The version a resource recorded at `version` is billed at, at `at`: the highest of its own and
 * of every later version whose `effective_from` has come. It never goes down.
 */
export function versionAt(options: {
  book: PriceBook;
  ref: PriceRef;
  version: number;
  at: Date;
}): number {
  const at = epochSeconds(options.at);
  let version = options.version;
  for (const move of movesOf(options.book.get(priceKey(options.ref)) ?? [])) {
    if (move.at > at) break;
    if (move.version > version) version = move.version;
  }
  return version;
}

/** The version a resource recorded at `version` ends up at once every scheduled move has come. */
export function finalVersion(options: { book: PriceBook; ref: PriceRef; version: number }): number {
  let version = options.version;
  for (const move of movesOf(options.book.get(priceKey(options.ref)) ?? [])) {
    if (move.version > version) version = move.version;
  }
  return version;
}

/**
 * [start, end) (epoch seconds) of a ledger interval recorded at `version`, cut where it moves to a
 * later version: the stretches and the version each is billed at. A pass writes these cuts into
 * the ledger once they are due (`planVersionMoves`); until it has, and for projections past now,
 * charges cut here the same way, so the amounts never depend on when the pass ran.
 */
export function versionSegments(options: {
  book: PriceBook;
  ref: PriceRef;
  version: number;
  start: number;
  end: number;
}): { version: number; start: number; end: number }[] {
  const { start, end } = options;
  const segments: { version: number; start: number; end: number }[] = [];
  let version = options.version;
  let from = start;
  for (const move of movesOf(options.book.get(priceKey(options.ref)) ?? [])) {
    if (move.at >= end) break;
    if (move.version <= version) continue;
    if (move.at > from) {
      segments.push({ version, start: from, end: move.at });
      from = move.at;
    }
    version = move.version;
  }
  segments.push({ version, start: from, end });
  return segments;
}

/**
 * A move of existing resources to a later version that is due at `now`: every ledger row of the
 * price at an earlier version that is open at `effective_from` is cut there (see `ledger.ts`).
 */
export interface VersionMove {
  resource_type: string;
  sku: string;
  version: number;
  effective_from: Date;
}

/** The plan of the pass: the moves due at `now`, oldest instant first, among those not done yet. */
export function planVersionMoves(options: {
  book: PriceBook;
  now: Date;
  done: (move: VersionMove) => boolean;
}): VersionMove[] {
  const moves: VersionMove[] = [];
  for (const versions of options.book.values()) {
    for (const v of versions) {
      if (v.effective_from === null || v.effective_from.getTime() > options.now.getTime()) continue;
      const move = {
        resource_type: v.price.resource_type,
        sku: v.price.sku,
        version: v.version,
        effective_from: v.effective_from,
      };
      if (!options.done(move)) moves.push(move);
    }
  }
  return moves.sort(
    (a, b) =>
      a.effective_from.getTime() - b.effective_from.getTime() ||
      priceKey(a).localeCompare(priceKey(b)) ||
      a.version - b.version,
  );
}

/** How a changed price reaches existing resources, as the catalog states it. */
export interface PriceSchedule {
  /** Existing resources move at this instant (default: the start of the next billing period). */
  effective_from?: Date;
  /** Existing resources never move: they stay on the version they were created at. */
  grandfathered?: boolean;
}

/**
 * The instant existing resources move to a version recorded at `recordedAt` (null: never). An
 * instant already past when it is recorded is taken as `recordedAt`: what was billed before the
 * version existed never changes. Instants are whole seconds, as proration is.
 */
export function effectiveInstant(options: { schedule: PriceSchedule; recordedAt: Date }): {
  effective_from: Date | null;
  clamped: boolean;
} {
  const { schedule, recordedAt } = options;
  if (schedule.grandfathered) return { effective_from: null, clamped: false };
  const earliest = Math.ceil(recordedAt.getTime() / 1000) * 1000;
  if (!schedule.effective_from) {
    return { effective_from: calendarMonthOf(recordedAt).end, clamped: false };
  }
  const stated = Math.ceil(schedule.effective_from.getTime() / 1000) * 1000;
  return stated >= earliest
    ? { effective_from: new Date(stated), clamped: false }
    : { effective_from: new Date(earliest), clamped: true };
}

/** Versions whose move of existing resources is still ahead at `now`. */
export function scheduledVersions(versions: readonly PriceVersion[], now: Date): PriceVersion[] {
  return versions.filter(
    (v) => v.effective_from !== null && v.effective_from.getTime() > now.getTime(),
  );
}

/**
 * The stretches of time between the instants where resources of one price move to later versions,
 * each with the highest version moved to by its start (0 before any): a row recorded at version v
 * is billed, within a stretch, at max(v, moved_to) — what `versionSegments` cuts, as a table a
 * query can join. Starts and ends are epoch seconds; the first and last stretches are unbounded
 * (±MAX_SAFE_INTEGER).
 */
export function versionEpochs(
  versions: readonly PriceVersion[],
): { start: number; end: number; moved_to: number }[] {
  const epochs: { start: number; end: number; moved_to: number }[] = [];
  let start = -Number.MAX_SAFE_INTEGER;
  let movedTo = 0;
  for (const move of movesOf(versions)) {
    if (move.at > start) {
      epochs.push({ start, end: move.at, moved_to: movedTo });
      start = move.at;
    }
    movedTo = Math.max(movedTo, move.version);
  }
  epochs.push({ start, end: Number.MAX_SAFE_INTEGER, moved_to: movedTo });
  return epochs;
}
