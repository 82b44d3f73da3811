import { type RawBuilder, sql } from "kysely";
import type { FlatLineWeight } from "../domain/flat-line-shares.js";
import type { PriceRef } from "../domain/flat-rates.js";
import type { Database, Queryable } from "./database.js";
import { rows, sqlb, textFields } from "./typed.js";

/** What the ledger's shares and the invoices' frozen shares can be summed by. */
export type ShareColumn = "project_id" | "resource_type" | "resource_id" | "billing_account_id";

/** The largest bigint: a product below it is exact in bigint arithmetic. */
const maxBigint = "9223372036854775807";

/** One month's stretch [from, to) of the ledger to charge on some accounts (epoch seconds). */
export interface LedgerMonthSegment {
  billing_account_ids: string[];
  from: number;
  to: number;
  month_start: number;
  month_seconds: number;
}

/** What the ledger's flat charges are read for: one month's stretch per segment and account. */
export interface FlatLedgerOptions {
  db: Queryable;
  segments: LedgerMonthSegment[];
  rates: (PriceRef & { version: number; unit_amount: number })[];
  epochs: (PriceRef & { start: number; end: number; moved_to: number })[];
  /** Open intervals run to here for the accrued amounts, and to `projectedUntil` for the projected. */
  accruedUntil: number;
  projectedUntil: number;
  /**
   * Only this resource's intervals: each line is then the resource's own charge (its seconds
   * alone, rounded once), read by the resource's index whatever the size of its accounts.
   */
  resourceId?: string | undefined;
}

/**
 * The ledger's charges at flat prices (see `flatRates`) summed by a column that holds whole lines
 * or projects (type, account, project), once with open intervals running to `accruedUntil` and
 * once to `projectedUntil` (epoch seconds), in one statement. The arithmetic is
 * `computeCharges`' to the unit: a line per (account, price, version, month) is
 * round-half-up(unit_amount × Σ seconds / month seconds), split over projects by the largest
 * remainders of their seconds (`splitByProjectThenResource`), ties to the smallest id in
 * code-unit order. Only the sums leave the database. By resource, see `flatLineWeights`.
 */
export async function flatShareSums(
  options: FlatLedgerOptions & { column: Exclude<ShareColumn, "resource_id"> },
): Promise<{ key: string; amount: number; projected_amount: number }[]> {
  const { column } = options;
  // Grouped by type or by account, a group holds whole lines (a line is one account's month at
  // one price version), and a line's shares sum to it: the lines alone answer, with no split of
  // each over its projects.
  const wholeLines = column === "resource_type" || column === "billing_account_id";
  const pieces = flatPieces({ ...options, detail: wholeLines ? "line" : "project", column });
  if (!pieces) return [];
  const lineSums = sql`line AS (
      SELECT seg_no, resource_type, sku, version, min(key) AS key, sum(accrued) AS accrued,
        sum(projected) AS projected
      FROM piece WHERE projected > 0
      GROUP BY seg_no, resource_type, sku, version
    )
    SELECT l.key,
      sum(div(2 * r.unit_amount::numeric * l.accrued + s.month_seconds, 2 * s.month_seconds))::bigint
        AS amount,
      sum(div(2 * r.unit_amount::numeric * l.projected + s.month_seconds, 2 * s.month_seconds))::bigint
        AS projected_amount
    FROM line l
    JOIN rate r USING (resource_type, sku, version)
    JOIN seg s USING (seg_no)
    GROUP BY l.key`;
  // A line is (segment row, rate row): one account's month at one price version, numbered by
  // that pair of ordinals so that the window sorts compare two integers before the remainder.
  // Each weight row carries both modes, accrued and projected: the ranking sorts the rows once per
  // mode instead of one ranking over twice as many. A line's totals come from its own small
  // aggregate, joined back, not from a window over a sort. Only the projects' weights are read
  // and ranked (~40 rows a line at 10k resources in 20 projects).
  const projectShareSums = sql`weight AS (
      SELECT w.*, r.rate_no, r.unit_amount, s.month_seconds
      FROM (
        SELECT project_id, seg_no, resource_type, sku, version, min(key) AS key,
          sum(accrued)::bigint AS accrued, sum(projected)::bigint AS projected
        FROM piece WHERE projected > 0
        GROUP BY project_id, seg_no, resource_type, sku, version
      ) w
      JOIN rate r USING (resource_type, sku, version)
      JOIN seg s USING (seg_no)
    ), line AS MATERIALIZED (
      SELECT l.seg_no, l.rate_no, l.accrued_seconds::bigint, l.projected_seconds::bigint,
        l.accrued_amount::bigint, l.projected_amount::bigint,
        l.accrued_amount * l.accrued_seconds <= ${maxBigint}::numeric AS accrued_fits,
        l.projected_amount * l.projected_seconds <= ${maxBigint}::numeric AS projected_fits
      FROM (
        SELECT seg_no, rate_no, sum(accrued) AS accrued_seconds, sum(projected) AS projected_seconds,
          div(2 * unit_amount::numeric * sum(accrued) + month_seconds, 2 * month_seconds)
            AS accrued_amount,
          div(2 * unit_amount::numeric * sum(projected) + month_seconds, 2 * month_seconds)
            AS projected_amount
        FROM weight GROUP BY seg_no, rate_no, unit_amount, month_seconds
      ) l
    ), project_share AS (${largestRemainders()})
    SELECT key, sum(accrued_share)::bigint AS amount, sum(projected_share)::bigint AS projected_amount
    FROM project_share GROUP BY key`;
  return runFlatStatement({
    db: options.db,
    query: sql<{ key: string; amount: number; projected_amount: number }>`${pieces.ctes},
      ${wholeLines ? lineSums : projectShareSums}`,
    hashJoins: !wholeLines,
  });
}

/** One flat line's weights, as `flatLineWeights` reads them. */
export interface FlatLineWeights {
  unit_amount: number;
  month_seconds: number;
  /**
   * Its resources' seconds in parts of ~1/8 of its resources, each decoded when called: a line
   * of 10k resources decoded at once held the event loop for up to 7 ms under load.
   */
  parts: (() => FlatLineWeight[])[];
}

/**
 * The ledger's flat lines with every resource's seconds in each (accrued and projected), for a
 * split by resource: the database finds and counts the seconds, the domain splits each line
 * (`flatLineShares`). Ranking every resource of every line in SQL (window functions over sorts
 * of 20k rows a month) took most of a year-long query by resource. The weights leave the
 * database as text, per line, source (the intervals; the monthly rollup) and eighth of the
 * resources, which decodes several times faster than as rows; the lines' rates and months are
 * matched here.
 */
export async function flatLineWeights(options: FlatLedgerOptions): Promise<FlatLineWeights[]> {
  const pieces = flatPieces({ ...options, detail: "resource", column: "resource_id" });
  if (!pieces) return [];
  // Ids are a prefix and base64url (src/db/ids.ts): a space never occurs in one.
  const found = await runFlatStatement({
    db: options.db,
    query: sql<{
      // Ordinality is a bigint, which arrives as text.
      seg_no: string;
      resource_type: string;
      sku: string;
      version: number;
      whole_month: boolean;
      weights: string;
    }>`
      ${pieces.ctes}
      SELECT seg_no, resource_type, sku, version,
        false AS whole_month,
        string_agg(resource_id || ' ' || project_id || ' ' || accrued || ' ' || projected, ' ')
          AS weights
      FROM piece WHERE projected > 0
      GROUP BY seg_no, resource_type, sku, version, hashtext(resource_id) & 7
      UNION ALL
      SELECT seg_no, resource_type, sku, version,
        true,
        -- A whole month's seconds are accrued and projected alike: sent once.
        string_agg(resource_id || ' ' || project_id || ' ' || seconds, ' ')
      FROM month_piece
      GROUP BY seg_no, resource_type, sku, version, hashtext(resource_id) & 7`,
    hashJoins: true,
    // It only groups, by line: PostgreSQL, which cannot count the rows of its CTEs, takes them
    // for a few and sorts 10k rows a line to group them, where hashing them is 10–20 % faster.
    hashAggregates: true,
  });
  const unitAmounts = new Map(
    options.rates.map((r) => [lineKey({ ...r, seg_no: 0 }), r.unit_amount] as const),
  );
  const lines = new Map<string, FlatLineWeights>();
  for (const row of found) {
    const segNo = Number(row.seg_no);
    const key = lineKey({ ...row, seg_no: segNo });
    const unit = unitAmounts.get(lineKey({ ...row, seg_no: 0 }));
    // A metered version has no rate: its stretches bill usage, not time.
    if (unit === undefined) continue;
    const part = () => decodeWeights(row);
    const line = lines.get(key);
    if (line) {
      line.parts.push(part);
      continue;
    }
    lines.set(key, {
      unit_amount: unit,
      month_seconds: (pieces.seg[segNo - 1] as LedgerMonthSegment).month_seconds,
      parts: [part],
    });
  }
  return [...lines.values()];
}

function lineKey(line: { seg_no: number; resource_type: string; sku: string; version: number }) {
  return `${line.seg_no} ${line.resource_type} ${line.sku} ${line.version}`;
}

function decodeWeights(options: { whole_month: boolean; weights: string }): FlatLineWeight[] {
  const stride = options.whole_month ? 3 : 4;
  const fields = textFields({ text: options.weights, perRow: stride });
  const weights: FlatLineWeight[] = [];
  for (let i = 0; i < fields.length; i += stride) {
    const accrued = Number(fields[i + 2]);
    weights.push({
      resource_id: fields[i] as string,
      project_id: fields[i + 1] as string,
      accrued,
      projected: options.whole_month ? accrued : Number(fields[i + 3]),
    });
  }
  return weights;
}

/**
 * The statement's common part, up to `piece`: each row the seconds of one interval (or of one
 * resource's whole month from the monthly rollup) in one segment, at the version its epoch
 * bills, accrued and projected. Undefined when there is nothing to read. The answer grows with
 * the resources billed in the segments, not with the ledger's history: a segment that is a whole
 * month no version move cuts reads its closed intervals' seconds from their monthly rollup
 * (`ledger_month_seconds`, migration 025: ~one row per resource and account) and only its open
 * intervals from the ledger; another segment reads its closed intervals by their end.
 * `detail` says what the rollup's rows are summed to before they meet their segment: nothing
 * (by resource), the project and the line, or the line.
 */
function flatPieces(
  options: FlatLedgerOptions & { detail: "resource" | "project" | "line"; column: ShareColumn },
): { ctes: RawBuilder<unknown>; seg: (LedgerMonthSegment & { id: string })[] } | undefined {
  const { segments, rates, epochs, detail } = options;
  const seg = segments.flatMap((s) => s.billing_account_ids.map((id) => ({ ...s, id })));
  if (seg.length === 0 || rates.length === 0) return undefined;
  // Byte order ("C") for the key the answer is grouped by: the same groups, without a locale's
  // comparison on each (tens of times slower on PGlite).
  const groupKey = sql`i.${sql.ref(options.column)} COLLATE "C"`;
  const rolled = seg.map((s) => readsRollup({ segment: s, epochs }));
  const raw = seg.filter((_, n) => !rolled[n]);
  const to = Math.max(...seg.map((s) => s.to));
  const accountIds = [...new Set(seg.map((s) => s.id))];
  const onlyResource =
    options.resourceId === undefined ? sql`` : sql`AND resource_id = ${options.resourceId}`;
  // Closed intervals are read from the ledger only for the segments the rollup does not hold.
  const closed =
    raw.length === 0
      ? sql``
      : sql`SELECT billing_account_id, resource_type COLLATE "C" AS resource_type,
          sku COLLATE "C" AS sku, price_version, resource_id COLLATE "C" AS resource_id, project_id COLLATE "C" AS project_id,
          ${epochSecond(sql`started_at`)} AS start_s, ${epochSecond(sql`ended_at`)} AS end_s
        FROM ktrlplane.billing_intervals
        WHERE billing_account_id = ANY(${[...new Set(raw.map((s) => s.id))]}::text[])
          AND ended_at > to_timestamp(${Math.min(...raw.map((s) => s.from))})
          AND started_at < to_timestamp(${Math.max(...raw.map((s) => s.to))}) ${onlyResource}
        UNION ALL`;
  const rolledSegments = seg.filter((_, n) => rolled[n]);
  // The rolled months' rows, found by the rollup's index with arrays (not by a loop over the
  // segments), then matched to their segment.
  const rolledRows = sql`ktrlplane.ledger_month_seconds
      WHERE billing_account_id = ANY(${[...new Set(rolledSegments.map((s) => s.id))]}::text[])
        AND month = ANY(${[...new Set(rolledSegments.map((s) => new Date(s.from * 1000).toISOString()))]}::timestamptz[])
        AND seconds > 0 ${onlyResource}`;
  // By resource, each rollup row is a piece as it is: its seconds, accrued and projected alike,
  // at the version of the one epoch holding its month.
  const monthPieces = sql`month_piece AS (
      SELECT s.seg_no, i.resource_type, i.sku, greatest(i.price_version, e.moved_to) AS version,
        i.resource_id, i.project_id, i.seconds
      FROM (SELECT * FROM ${rolledRows}) i
      JOIN seg s ON s.billing_account_id = i.billing_account_id AND to_timestamp(s.from_s) = i.month
        AND s.rolled
      JOIN epoch e ON e.resource_type = i.resource_type AND e.sku = i.sku
        AND e.start_s < s.to_s AND e.end_s > s.from_s`;
  // Whole lines need no resource, and projects' shares no resource either: the month's rows
  // summed per line (or project and line) before anything else sees them (20k rows at 10k
  // resources on two accounts became 8, or 40 in 20 projects; by type the statement 66 → 55 ms),
  // before the join to their segment, where PostgreSQL knows how many there are and hashes them.
  const monthSums = sql`SELECT s.seg_no, s.from_s, s.to_s, i.* FROM (
        SELECT billing_account_id, month, resource_type COLLATE "C" AS resource_type,
          sku COLLATE "C" AS sku, price_version, NULL::text AS resource_id,
          ${detail === "project" ? sql`project_id COLLATE "C"` : sql`NULL::text`} AS project_id,
          sum(seconds)::bigint AS seconds
        FROM ${rolledRows}
        GROUP BY billing_account_id, month, 3, 4, price_version, 7
      ) i
      JOIN seg s ON s.billing_account_id = i.billing_account_id AND to_timestamp(s.from_s) = i.month
        AND s.rolled`;
  const monthRowPieces = sql`month_row AS MATERIALIZED (
      -- Whole months' closed seconds: one index range per month, the version epochs joined after
      -- (a range per month and price read each month's index once per price).
      ${monthSums}`;
  const ctes = sql`
    WITH seg AS (
      SELECT * FROM unnest(${seg.map((s) => s.id)}::text[], ${seg.map((s) => s.from)}::bigint[],
        ${seg.map((s) => s.to)}::bigint[], ${seg.map((s) => s.month_seconds)}::bigint[],
        ${rolled}::boolean[])
        WITH ORDINALITY AS s(billing_account_id, from_s, to_s, month_seconds, rolled, seg_no)
    ), epoch AS (
      SELECT * FROM unnest(${epochs.map((e) => e.resource_type)}::text[],
        ${epochs.map((e) => e.sku)}::text[], ${epochs.map((e) => e.start)}::bigint[],
        ${epochs.map((e) => e.end)}::bigint[], ${epochs.map((e) => e.moved_to)}::int[])
        AS e(resource_type, sku, start_s, end_s, moved_to)
    ), rate AS (
      SELECT * FROM unnest(${rates.map((r) => r.resource_type)}::text[],
        ${rates.map((r) => r.sku)}::text[], ${rates.map((r) => r.version)}::int[],
        ${rates.map((r) => r.unit_amount)}::bigint[])
        WITH ORDINALITY AS r(resource_type, sku, version, unit_amount, rate_no)
    ), ledger AS (
      ${closed}
      SELECT billing_account_id, resource_type COLLATE "C" AS resource_type,
        sku COLLATE "C" AS sku, price_version, resource_id COLLATE "C" AS resource_id, project_id COLLATE "C" AS project_id,
        ${epochSecond(sql`started_at`)} AS start_s, NULL::bigint AS end_s
      FROM ktrlplane.billing_intervals
      WHERE billing_account_id = ANY(${accountIds}::text[])
        AND ended_at IS NULL AND started_at < to_timestamp(${to}) ${onlyResource}
    ), ${detail === "resource" ? monthPieces : monthRowPieces}
    ), piece AS (
      SELECT s.seg_no, i.resource_type, i.sku, greatest(i.price_version, e.moved_to) AS version,
        i.resource_id, i.project_id,
        ${groupKey} AS key,
        greatest(least(coalesce(i.end_s, ${options.accruedUntil}::bigint), s.to_s, e.end_s)
          - greatest(i.start_s, s.from_s, e.start_s), 0) AS accrued,
        least(coalesce(i.end_s, ${options.projectedUntil}::bigint), s.to_s, e.end_s)
          - greatest(i.start_s, s.from_s, e.start_s) AS projected
      FROM ledger i
      JOIN seg s ON s.billing_account_id = i.billing_account_id
        AND i.start_s < s.to_s AND (i.end_s IS NULL OR (i.end_s > s.from_s AND NOT s.rolled))
      JOIN epoch e ON e.resource_type = i.resource_type AND e.sku = i.sku
        AND i.start_s < e.end_s AND (i.end_s IS NULL OR i.end_s > e.start_s)
      ${
        detail === "resource"
          ? sql``
          : sql`UNION ALL
      -- A whole month's closed seconds, one version epoch holding all of it.
      SELECT i.seg_no, i.resource_type, i.sku, greatest(i.price_version, e.moved_to),
        i.resource_id COLLATE "C", i.project_id COLLATE "C", ${groupKey}, i.seconds, i.seconds
      FROM month_row i
      JOIN epoch e ON e.resource_type = i.resource_type AND e.sku = i.sku
        AND e.start_s < i.to_s AND e.end_s > i.from_s`
      }
    )`;
  return { ctes, seg };
}

/**
 * The whole epoch second an instant falls in, as `epochSeconds` counts it (the floor). Truncated
 * to the second first, the epoch is a whole number in floating point, exact: `extract` would
 * compute it in numeric arithmetic, which the ledger's rows paid for several times each (a fifth
 * of the statement by resource). Below a day, date_trunc drops the fraction of the instant itself
 * whatever the session's time zone (offsets are whole seconds, and it re-resolves the zone only
 * for days and longer); naming the zone would cost as much as `extract` does.
 */
function epochSecond(instant: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`date_part('epoch', date_trunc('second', ${instant}))::bigint`;
}

/**
 * Runs a flat statement. Its sorts hold a row per resource and line: 20k at 10k resources on two
 * accounts, which spill to disk at the default work_mem (4 MB). And its best plan depends on its
 * arrays (how many segments, rates and epochs): after five runs PostgreSQL may cache a generic
 * plan that knows none of them, which ran ~40 % slower at 10k resources (~340 against 210–290 ms
 * by project). Nor can it estimate the rows of its CTEs (it took the 20k weights for one row and
 * joined them to each project's row, or each line's, by nested loops: 800k comparisons and
 * ~150 ms at 10k resources): with `hashJoins`, joins are hashed (the month's rollup is read by
 * its index with arrays, not by a loop over the segments). Summed before its join, the month's
 * rollup looked big enough for a parallel scan of the whole table (150 ms where its index takes
 * 10): no workers. A transaction of its own sets these for this statement alone (planning it
 * each time costs ~2 ms); inside a caller's transaction it runs as it is.
 */
async function runFlatStatement<Row>(options: {
  db: Queryable;
  query: RawBuilder<Row>;
  hashJoins: boolean;
  hashAggregates?: boolean;
}): Promise<Row[]> {
  const settings = [
    "set_config('work_mem', '64MB', true)",
    "set_config('plan_cache_mode', 'force_custom_plan', true)",
    "set_config('max_parallel_workers_per_gather', '0', true)",
    ...(options.hashJoins
      ? [
          "set_config('enable_nestloop', 'off', true)",
          "set_config('enable_mergejoin', 'off', true)",
        ]
      : []),
    ...(options.hashAggregates ? ["set_config('enable_sort', 'off', true)"] : []),
  ];
  const { db, query } = options;
  if (!("transaction" in db)) return rows(db, query.compile(sqlb));
  return (db as Database).transaction(async (tx) => {
    await tx.query(`SELECT ${settings.join(", ")}`);
    return rows(tx, query.compile(sqlb));
  });
}

/**
 * Largest remainders of the projects' weight rows (seg_no, rate_no, project_id, key, accrued,
 * projected): each row gets the floor of its quota of its line (the line's amount × its seconds
 * / the line's seconds), and what the line holds beyond its rows' floors goes one unit each to
 * the largest remainders, ties to the smallest project id. A row not begun by accruedUntil has
 * no accrued share (nor a remainder to rank). The products amount × seconds are bigint wherever
 * the line's fit in one (always, unless a line is worth billions of units), numeric only where
 * they do not: numeric arithmetic on every row was a third of the statement (280 → 205 ms at 10k
 * resources, when resources were ranked here).
 */
function largestRemainders() {
  const floors = (mode: "accrued" | "projected") => {
    const amount = sql.ref(`l.${mode}_amount`);
    const seconds = sql.ref(`l.${mode}_seconds`);
    const weight = sql.ref(`w.${mode}`);
    const fits = sql.ref(`l.${mode}_fits`);
    const none = mode === "accrued" ? sql`WHEN ${weight} = 0 THEN 0` : sql``;
    return sql`CASE ${none} WHEN ${fits} THEN ${amount} * ${weight} / ${seconds}
          ELSE div(${amount}::numeric * ${weight}, ${seconds})::bigint
        END AS ${sql.ref(`${mode}_floor`)},
        CASE ${none} WHEN ${fits} THEN ${amount} * ${weight} % ${seconds}
          ELSE mod(${amount}::numeric * ${weight}, ${seconds})::bigint
        END AS ${sql.ref(`${mode}_remainder`)},
        ${amount} AS ${sql.ref(`${mode}_total`)}`;
  };
  const share = (mode: "accrued" | "projected") => {
    const floor = sql.ref(`${mode}_floor`);
    return sql`${floor} + CASE WHEN row_number() OVER (part ORDER BY ${sql.ref(`${mode}_remainder`)} DESC, project_id COLLATE "C")
          <= ${sql.ref(`${mode}_total`)} - sum(${floor}) OVER part THEN 1 ELSE 0 END
        AS ${sql.ref(`${mode}_share`)}`;
  };
  return sql`SELECT f.*, ${share("accrued")}, ${share("projected")}
    FROM (
      SELECT seg_no, rate_no, project_id, w.key, ${floors("accrued")}, ${floors("projected")}
      FROM weight w JOIN line l USING (seg_no, rate_no)
    ) f
    WINDOW part AS (PARTITION BY seg_no, rate_no)`;
}

/**
 * Whether the segment's closed intervals are read from their monthly rollup: it is a whole month
 * and no version move of a flat price falls inside it (a month holds its closed seconds per
 * recorded version, not where a move cuts them).
 */
function readsRollup(options: {
  segment: LedgerMonthSegment;
  epochs: { start: number; end: number }[];
}): boolean {
  const { segment, epochs } = options;
  const from = segment.from;
  const to = segment.to;
  if (from !== segment.month_start || to !== segment.month_start + segment.month_seconds) {
    return false;
  }
  return !epochs.some((e) => (e.start > from && e.start < to) || (e.end > from && e.end < to));
}

/** The prices one resource was billed at in [from, to): read from its own intervals only. */
export async function pricesOfResource(options: {
  db: Queryable;
  resourceId: string;
  from: Date;
  to: Date;
}): Promise<PriceRef[]> {
  const query = sql<PriceRef>`
    SELECT DISTINCT resource_type, sku FROM ktrlplane.billing_intervals
    WHERE resource_id = ${options.resourceId} AND started_at < ${options.to.toISOString()}::timestamptz
      AND (ended_at IS NULL OR ended_at > ${options.from.toISOString()}::timestamptz)
  `;
  return rows(options.db, query.compile(sqlb));
}
