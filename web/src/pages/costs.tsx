/**
 * The cost breakdown of an organization: any period of whole months (presets or a custom range),
 * grouped by project, resource type, resource or billing account, compared with the period
 * before it, with a twelve-month trend. Rows link to what they are about; deleted projects and
 * resources stay listed (their past costs remain) and say so.
 */
import { useEffect, useRef, useState } from "react";
import { type ApiError, api, type Costs, type GroupBy } from "../api";
import { BarChart, TrendChart, type TrendPoint } from "../components/bar-chart";
import {
  Breadcrumbs,
  ErrorNotice,
  Field,
  Loading,
  Money,
  PageHeader,
  ShowMore,
  TableScroll,
} from "../components/ui";
import {
  allCostPages,
  emptyPrior,
  type FetchCostPage,
  PRIOR_MAX_PAGES,
  type PriorLookup,
  priorAmount,
  priorNeedsMore,
  readPrior,
} from "../cost-pages";
import { costsCsv } from "../csv";
import { formatDate, formatMoney, formatPeriodEnd } from "../money";
import {
  addMonths,
  describePeriod,
  isMonth,
  MAX_MONTHS,
  monthOf,
  monthRange,
  type Period,
  type Preset,
  periodFromQuery,
  periodState,
  presetLabels,
  previousPeriod,
} from "../periods";
import { Link, navigate, useLocation } from "../router";
import { useApi, usePagedApi } from "../use-api";

export { monthRange } from "../periods";

const groupLabels: Record<GroupBy, string> = {
  project: "Project",
  resource_type: "Resource type",
  resource: "Resource",
  billing_account: "Billing account",
};
const groupPlurals: Record<GroupBy, string> = {
  project: "projects",
  resource_type: "resource types",
  resource: "resources",
  billing_account: "billing accounts",
};
const groupBys = Object.keys(groupLabels) as GroupBy[];
const isGroupBy = (v: string | null): v is GroupBy => !!v && (groupBys as string[]).includes(v);

type Group = Costs["groups"][number];

function groupLink(groupBy: GroupBy, g: Group): string | null {
  if (g.deleted) return null;
  if (groupBy === "project") return `/projects/${g.key}`;
  if (groupBy === "resource") return `/resources/${g.key}`;
  if (groupBy === "billing_account") return `/billing-accounts/${g.key}`;
  return null;
}

/** "+$12.00 (+15%)", "−$3.00 (−20%)", "no change", "new" (nothing before). */
export function describeChange(now: number, before: number, currency: string): string {
  const delta = now - before;
  if (delta === 0) return "no change";
  const sign = delta > 0 ? "+" : "−";
  const money = `${sign}${formatMoney(Math.abs(delta), currency)}`;
  if (before === 0) return `${money} (new)`;
  const percent = Math.round((Math.abs(delta) / Math.abs(before)) * 100);
  return `${money} (${sign}${percent}%)`;
}

function ChangeText({ now, before, currency }: { now: number; before: number; currency: string }) {
  const delta = now - before;
  return (
    <span className={delta > 0 ? "delta-up" : delta < 0 ? "delta-down" : "muted"}>
      {describeChange(now, before, currency)}
    </span>
  );
}

/** Groups per page on screen; the previous period is read in the server's largest pages. */
const SCREEN_PAGE = 100;
const PRIOR_PAGE = 1000;

/**
 * The previous period's figures for the groups on screen: read page by page (largest first) until
 * each key shown is found, the period ends (a key never found is new) or the bound is reached.
 * Reading goes on from where it stopped when more groups come on screen.
 */
function usePrior(options: { fetchPage: FetchCostPage; window: string; keys: string[] }) {
  const { fetchPage, window, keys } = options;
  const [state, setState] = useState<{ lookup: PriorLookup; error: ApiError | null }>({
    lookup: emptyPrior,
    error: null,
  });
  const [tick, setTick] = useState(0);
  // The lookup read so far for this window: kept across renders so that more keys read on.
  const read = useRef<{ window: string; lookup: PriorLookup }>({ window, lookup: emptyPrior });
  const wanted = keys.join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `fetchPage` is fixed by `window`
  useEffect(() => {
    let live = true;
    if (read.current.window !== window) read.current = { window, lookup: emptyPrior };
    const start = read.current.lookup;
    const need = wanted === "" ? [] : wanted.split("\n");
    setState({ lookup: start, error: null });
    if (!priorNeedsMore({ lookup: start, keys: need })) return;
    readPrior({ lookup: start, keys: need, fetchPage }).then(
      (lookup) => {
        if (read.current.window === window) read.current = { window, lookup };
        if (live) setState({ lookup, error: null });
      },
      (error: ApiError) => live && setState({ lookup: start, error }),
    );
    return () => {
      live = false;
    };
  }, [window, wanted, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

function useTrend(id: string, lastMonth: string) {
  return useApi(async () => {
    const months = Array.from({ length: 12 }, (_, i) => addMonths(lastMonth, i - 11));
    const results = await Promise.all(
      months.map((m) => api.costs(id, { group_by: "billing_account", ...monthRange(m) })),
    );
    return {
      currency: results[0]?.currency ?? "usd",
      points: results.map(
        (r, i): TrendPoint => ({
          month: months[i] as string,
          amount: r.total,
          projected: r.projected_total,
        }),
      ),
    };
  }, [id, lastMonth]);
}

export function CostsPage({ id }: { id: string }) {
  const { query, path } = useLocation();
  const groupBy: GroupBy = isGroupBy(query.get("group_by"))
    ? (query.get("group_by") as GroupBy)
    : "project";
  const period: Period = periodFromQuery(query);
  const previous = previousPeriod(period);
  const state = periodState(period);
  const current = monthOf(new Date());
  const org = useApi(() => api.organization(id), [id]);
  const pageOf =
    (window: { from: string; to: string }, limit: number): FetchCostPage =>
    (cursor) =>
      api.costs(id, {
        group_by: groupBy,
        from: window.from,
        to: window.to,
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
  // Each item is one page of the breakdown; the groups on screen are all loaded pages' groups.
  const pages = usePagedApi(
    async (cursor) => {
      const page = await pageOf(period, SCREEN_PAGE)(cursor);
      return { data: [page], next_cursor: page.next_cursor };
    },
    [id, groupBy, period.from, period.to],
  );
  const first = pages.data?.[0];
  const c: Costs | undefined = first && {
    ...first,
    groups: pages.data?.flatMap((p) => p.groups) ?? [],
  };
  const prior = usePrior({
    fetchPage: pageOf(previous, PRIOR_PAGE),
    window: `${id} ${groupBy} ${previous.from} ${previous.to}`,
    keys: c?.groups.map((g) => g.key) ?? [],
  });
  const [exporting, setExporting] = useState<{ groups: number } | null>(null);
  const [exportError, setExportError] = useState<ApiError | null>(null);
  const trendEnd = period.last > current ? period.last : current;
  const trend = useTrend(id, trendEnd);

  function setQuery(change: Record<string, string | null>) {
    const next = new URLSearchParams(query);
    next.delete("month");
    for (const [key, value] of Object.entries(change)) {
      if (value === null) next.delete(key);
      else next.set(key, value);
    }
    navigate(`${path}?${next}`, { replace: true });
  }

  function choosePreset(preset: Preset) {
    if (preset === "custom") setQuery({ range: "custom", from: period.first, to: period.last });
    else setQuery({ range: preset, from: null, to: null });
  }

  /** Every group of the window, read page by page: an explicit action, so it may take a while. */
  async function exportCsv() {
    setExporting({ groups: 0 });
    setExportError(null);
    let all: Costs;
    try {
      all = await allCostPages({
        fetchPage: pageOf(period, 1000),
        onProgress: (groups) => setExporting({ groups }),
      });
    } catch (error) {
      setExportError(error as ApiError);
      return;
    } finally {
      setExporting(null);
    }
    const blob = new Blob([costsCsv(all, groupBy)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    const span = period.first === period.last ? period.first : `${period.first}-to-${period.last}`;
    a.download = `costs-${span}-by-${groupBy}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const b = prior.lookup.head;
  const orgName = org.data?.name ?? "Organization";
  const soFar = state === "current" ? "So far" : state === "future" ? "Accrued" : "Period total";
  const projectedNote =
    state === "current"
      ? "If nothing changes"
      : state === "future"
        ? "Future period: if what runs now keeps running"
        : "Closed period";
  // A running period is compared on its projection, a closed one on its total.
  const comparable = (x: Costs) => (state === "closed" ? x.total : x.projected_total);
  const perResource = groupBy === "resource";
  const columns = perResource ? 5 : 4;
  const within = (m: string) => m >= period.first && m <= period.last;

  return (
    <div>
      <Breadcrumbs
        items={[
          { label: "Home", to: "/" },
          { label: orgName, to: `/organizations/${id}/billing` },
          { label: "Costs" },
        ]}
      />
      <PageHeader
        eyebrow={orgName}
        title="Cost breakdown"
        actions={
          <button
            type="button"
            className="button-secondary"
            onClick={exportCsv}
            disabled={!c || exporting !== null}
          >
            {exporting ? "Exporting…" : "Export CSV"}
          </button>
        }
      />
      <form
        className="toolbar"
        aria-label="Period and grouping"
        onSubmit={(e) => e.preventDefault()}
      >
        <Field label="Period">
          {(p) => (
            <select
              {...p}
              name="range"
              value={period.preset}
              onChange={(e) => choosePreset(e.target.value as Preset)}
            >
              {(Object.keys(presetLabels) as Preset[]).map((k) => (
                <option key={k} value={k}>
                  {presetLabels[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {period.preset === "custom" ? (
          <>
            <Field label="From month">
              {(p) => (
                <input
                  {...p}
                  type="month"
                  name="from"
                  value={period.first}
                  onChange={(e) =>
                    isMonth(e.target.value) &&
                    setQuery({ range: "custom", from: e.target.value, to: period.last })
                  }
                />
              )}
            </Field>
            <Field label="To month">
              {(p) => (
                <input
                  {...p}
                  type="month"
                  name="to"
                  value={period.last}
                  onChange={(e) =>
                    isMonth(e.target.value) &&
                    setQuery({ range: "custom", from: period.first, to: e.target.value })
                  }
                />
              )}
            </Field>
          </>
        ) : null}
        <Field label="Group by">
          {(p) => (
            <select
              {...p}
              name="group-by"
              value={groupBy}
              onChange={(e) => setQuery({ group_by: e.target.value })}
            >
              {groupBys.map((g) => (
                <option key={g} value={g}>
                  {groupLabels[g]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {period.preset === "custom" ? (
        <p className="hint">At most {MAX_MONTHS} months at a time; months are in UTC.</p>
      ) : null}
      {exporting ? (
        <p className="hint" role="status">
          Fetching every page for the CSV… {exporting.groups.toLocaleString("en-US")}{" "}
          {groupPlurals[groupBy]} so far.
        </p>
      ) : null}
      <ErrorNotice error={exportError} title="The CSV could not be exported." />
      {pages.loading && !c ? <Loading what="Computing costs" /> : null}
      <ErrorNotice error={pages.error} title="Costs could not be loaded." onRetry={pages.reload} />
      {c ? (
        <>
          <div className="stat-row stat-row-3">
            <div className="stat">
              <span className="label">
                {soFar} · {describePeriod(period)}
              </span>
              <strong data-testid="costs-total">
                <Money amount={c.total} currency={c.currency} />
              </strong>
              <span className="muted small">
                {formatDate(c.from)} – {formatPeriodEnd(c.to)}
              </span>
            </div>
            <div className="stat">
              <span className="label">Projected to period end</span>
              <strong data-testid="costs-projected">
                <Money amount={c.projected_total} currency={c.currency} />
              </strong>
              <span className="muted small" data-testid="period-state">
                {projectedNote}
              </span>
            </div>
            <div className="stat">
              <span className="label">Previous period · {describePeriod(previous)}</span>
              {b ? (
                <>
                  <strong data-testid="costs-previous">
                    <Money amount={b.total} currency={b.currency} />
                  </strong>
                  <span className="small" data-testid="costs-change">
                    {state === "closed" ? "Change: " : "Projected change: "}
                    <ChangeText now={comparable(c)} before={b.total} currency={c.currency} />
                  </span>
                </>
              ) : prior.error ? (
                <ErrorNotice error={prior.error} title="Not loaded." onRetry={prior.reload} />
              ) : (
                <Loading what="Loading" />
              )}
            </div>
          </div>
          <section className="panel" aria-labelledby="costs-by-heading">
            <h2 id="costs-by-heading">By {groupLabels[groupBy].toLowerCase()}</h2>
            <BarChart
              title={`Costs by ${groupLabels[groupBy].toLowerCase()}`}
              currency={c.currency}
              soFar={soFar}
              bars={c.groups.map((g) => ({
                key: g.key,
                name: g.deleted ? `${g.name} (deleted)` : g.name,
                amount: g.amount,
                projected: g.projected_amount,
              }))}
            />
            <TableScroll label={`Costs by ${groupLabels[groupBy].toLowerCase()}`}>
              <table className="table" data-testid="costs-table">
                <thead>
                  <tr>
                    <th scope="col">{groupLabels[groupBy]}</th>
                    {perResource ? <th scope="col">Project</th> : null}
                    <th scope="col" className="num">
                      {soFar}
                    </th>
                    <th scope="col" className="num">
                      Projected to period end
                    </th>
                    <th scope="col" className="num">
                      vs previous period
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {c.groups.length === 0 ? (
                    <tr>
                      <td colSpan={columns} className="muted">
                        No costs in this period.
                      </td>
                    </tr>
                  ) : null}
                  {c.groups.map((g) => {
                    const to = groupLink(groupBy, g);
                    const was = priorAmount({ lookup: prior.lookup, key: g.key });
                    return (
                      <tr key={g.key}>
                        <td className="name-cell">
                          {to ? (
                            <Link to={to} title={g.name}>
                              {g.name}
                            </Link>
                          ) : (
                            <span title={g.name}>{g.name}</span>
                          )}
                          {g.deleted ? <span className="tag tag-deleted">Deleted</span> : null}
                        </td>
                        {perResource ? (
                          <td className="name-cell">
                            {g.project_id ? (
                              <Link to={`/projects/${g.project_id}`} title={g.project_name}>
                                {g.project_name}
                              </Link>
                            ) : (
                              "—"
                            )}
                          </td>
                        ) : null}
                        <td className="num">
                          <Money amount={g.amount} currency={c.currency} />
                        </td>
                        <td className="num">
                          <Money amount={g.projected_amount} currency={c.currency} />
                        </td>
                        <td className="num change">
                          {typeof was === "number" ? (
                            <ChangeText
                              now={state === "closed" ? g.amount : g.projected_amount}
                              before={was}
                              currency={c.currency}
                            />
                          ) : was === "unknown" ? (
                            <span
                              className="muted"
                              title={`Not among the previous period's ${(PRIOR_MAX_PAGES * PRIOR_PAGE).toLocaleString("en-US")} largest ${groupPlurals[groupBy]}: not compared`}
                            >
                              not compared
                            </span>
                          ) : (
                            "…"
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">Total</th>
                    {perResource ? <td /> : null}
                    <td className="num">
                      <Money amount={c.total} currency={c.currency} />
                    </td>
                    <td className="num">
                      <Money amount={c.projected_total} currency={c.currency} />
                    </td>
                    <td className="num change">
                      {b ? (
                        <ChangeText now={comparable(c)} before={b.total} currency={c.currency} />
                      ) : null}
                    </td>
                  </tr>
                </tfoot>
              </table>
            </TableScroll>
            {pages.more ? (
              <p className="muted small" data-testid="costs-shown">
                Showing the {c.groups.length.toLocaleString("en-US")} largest{" "}
                {groupPlurals[groupBy]} by projected cost; the totals cover them all.
              </p>
            ) : null}
            <ShowMore list={pages} what={groupPlurals[groupBy]} />
          </section>
        </>
      ) : null}
      <section className="panel" aria-labelledby="trend-heading">
        <h2 id="trend-heading">Monthly trend</h2>
        <p className="muted small">
          The twelve months up to {describePeriod({ first: trendEnd, last: trendEnd })}; the chosen
          period is drawn stronger.
        </p>
        {trend.loading && !trend.data ? <Loading what="Loading the trend" /> : null}
        <ErrorNotice
          error={trend.error}
          title="The trend could not be loaded."
          onRetry={trend.reload}
        />
        {trend.data ? (
          <TrendChart
            title="Costs per month"
            currency={trend.data.currency}
            points={trend.data.points}
            selected={within}
          />
        ) : null}
      </section>
    </div>
  );
}
