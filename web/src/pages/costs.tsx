import { api, type GroupBy } from "../api";
import { BarChart } from "../components/bar-chart";
import { Breadcrumbs, ErrorNotice, Field, Loading, Money, PageHeader } from "../components/ui";
import { costsCsv } from "../csv";
import { formatDate, formatPeriodEnd } from "../money";
import { navigate, useLocation } from "../router";
import { useApi } from "../use-api";

const groupLabels: Record<GroupBy, string> = {
  project: "Project",
  resource_type: "Resource type",
  resource: "Resource",
  billing_account: "Billing account",
};

function currentMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

/** "2026-11" → from 2026-11-01, to 2026-12-01 (exclusive), UTC. */
export function monthRange(month: string): { from: string; to: string } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const from = new Date(Date.UTC(y, m - 1, 1));
  const to = new Date(Date.UTC(y, m, 1));
  return { from: from.toISOString(), to: to.toISOString() };
}

export function CostsPage({ id }: { id: string }) {
  const { query, path } = useLocation();
  const groupBy = (query.get("group_by") as GroupBy | null) ?? "project";
  const month = query.get("month") ?? currentMonth();
  const isCurrent = month === currentMonth();
  const org = useApi(() => api.organization(id), [id]);
  const costs = useApi(
    () => api.costs(id, { group_by: groupBy, ...(isCurrent ? {} : monthRange(month)) }),
    [id, groupBy, month],
  );

  function setParam(key: string, value: string) {
    const next = new URLSearchParams(query);
    next.set(key, value);
    navigate(`${path}?${next}`, { replace: true });
  }

  function exportCsv() {
    if (!costs.data) return;
    const blob = new Blob([costsCsv(costs.data, groupBy)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `costs-${month}-by-${groupBy}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const c = costs.data;
  const orgName = org.data?.name ?? "Organization";
  const soFar = isCurrent ? "Month to date" : "Period total";
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
          <button type="button" className="button-secondary" onClick={exportCsv} disabled={!c}>
            Export CSV
          </button>
        }
      />
      <form
        className="toolbar"
        aria-label="Period and grouping"
        onSubmit={(e) => e.preventDefault()}
      >
        <Field label="Period (month)">
          {(p) => (
            <input
              {...p}
              type="month"
              name="month"
              value={month}
              max={currentMonth()}
              onChange={(e) => e.target.value && setParam("month", e.target.value)}
            />
          )}
        </Field>
        <Field label="Group by">
          {(p) => (
            <select
              {...p}
              name="group-by"
              value={groupBy}
              onChange={(e) => setParam("group_by", e.target.value)}
            >
              {(Object.keys(groupLabels) as GroupBy[]).map((g) => (
                <option key={g} value={g}>
                  {groupLabels[g]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {costs.loading && !c ? <Loading what="Computing costs" /> : null}
      <ErrorNotice error={costs.error} title="Costs could not be loaded." />
      {c ? (
        <>
          <div className="stat-row">
            <div className="stat">
              <span className="label">{soFar}</span>
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
              <span className="muted small">
                {isCurrent ? "If nothing changes" : "Closed period"}
              </span>
            </div>
          </div>
          <section className="panel">
            <h2>By {groupLabels[groupBy].toLowerCase()}</h2>
            <BarChart
              title={`Costs by ${groupLabels[groupBy].toLowerCase()}`}
              currency={c.currency}
              bars={c.groups.map((g) => ({
                key: g.key,
                name: g.name,
                amount: g.amount,
                projected: g.projected_amount,
              }))}
            />
            <table className="table" data-testid="costs-table">
              <thead>
                <tr>
                  <th scope="col">{groupLabels[groupBy]}</th>
                  <th scope="col" className="num">
                    {soFar}
                  </th>
                  <th scope="col" className="num">
                    Projected to period end
                  </th>
                </tr>
              </thead>
              <tbody>
                {c.groups.length === 0 ? (
                  <tr>
                    <td colSpan={3} className="muted">
                      No costs in this period.
                    </td>
                  </tr>
                ) : null}
                {c.groups.map((g) => (
                  <tr key={g.key}>
                    <td>{g.name}</td>
                    <td className="num">
                      <Money amount={g.amount} currency={c.currency} />
                    </td>
                    <td className="num">
                      <Money amount={g.projected_amount} currency={c.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td className="num">
                    <Money amount={c.total} currency={c.currency} />
                  </td>
                  <td className="num">
                    <Money amount={c.projected_total} currency={c.currency} />
                  </td>
                </tr>
              </tfoot>
            </table>
          </section>
        </>
      ) : null}
    </div>
  );
}
