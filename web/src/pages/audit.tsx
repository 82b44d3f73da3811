/** The organization's audit log: newest first, filtered by action and actor, paged by cursor. */
import { type FormEvent, useState } from "react";
import { type ApiError, type AuditEntry, api } from "../api";
import { Breadcrumbs, ErrorNotice, Field, Loading, Notice, PageHeader } from "../components/ui";
import { formatDateTime } from "../money";
import { useApi } from "../use-api";
import "../team.css";

const actions = [
  "member.role_granted",
  "member.role_changed",
  "member.removed",
  "organization.renamed",
  "project.renamed",
  "resource.renamed",
  "project.billing_switched",
  "project.created_with_separate_billing",
  "billing_account.added",
];
const PAGE = 25;

function describe(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "object") return String(value);
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

export function AuditPage({ id }: { id: string }) {
  const org = useApi(() => api.organization(id), [id]);
  const [filters, setFilters] = useState({ action: "", actor: "" });
  const [draft, setDraft] = useState({ action: "", actor: "" });
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const query = (after?: string) => ({
    order: "desc" as const,
    limit: PAGE,
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(after ? { cursor: after } : {}),
  });
  const first = useApi(async () => {
    const page = await api.audit(id, query());
    setEntries(page.data);
    setCursor(page.next_cursor);
    return page;
  }, [id, filters.action, filters.actor]);

  async function more() {
    if (!cursor) return;
    setBusy(true);
    setMoreError(null);
    try {
      const page = await api.audit(id, query(cursor));
      setEntries((e) => [...e, ...page.data]);
      setCursor(page.next_cursor);
    } catch (e) {
      setMoreError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }
  function apply(event: FormEvent) {
    event.preventDefault();
    setFilters({ action: draft.action, actor: draft.actor.trim() });
  }

  const name = org.data?.name ?? "Organization";
  return (
    <div>
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: name }, { label: "Audit log" }]} />
      <PageHeader eyebrow={name} title="Audit log" />
      <p className="muted">
        Who changed billing, members and names, when, from what and to what. Newest first.
      </p>
      <form className="panel team-filters" onSubmit={apply} aria-label="Filter the audit log">
        <Field label="Action">
          {(p) => (
            <select
              {...p}
              name="audit-action"
              value={draft.action}
              onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            >
              <option value="">All actions</option>
              {actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Actor (email)">
          {(p) => (
            <input
              {...p}
              name="audit-actor"
              type="search"
              maxLength={320}
              value={draft.actor}
              onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
              placeholder="name@example.com"
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button-primary">
            Filter
          </button>
        </div>
      </form>
      <section className="panel" aria-labelledby="audit-heading">
        <h2 id="audit-heading">Events</h2>
        {first.loading ? <Loading what="Loading the audit log" /> : null}
        <ErrorNotice error={first.error} title="The audit log could not be loaded." />
        {!first.loading && !first.error && entries.length === 0 ? (
          <Notice>No events match.</Notice>
        ) : null}
        {entries.length > 0 ? (
          <div className="team-table-wrap">
            <table className="table team-table" data-testid="audit">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">{formatDateTime(e.at)}</td>
                    <td data-label="Who">{e.actor.email}</td>
                    <td data-label="Action">
                      <code>{e.action}</code>
                    </td>
                    <td data-label="Before" className="team-change">
                      {describe(e.before)}
                    </td>
                    <td data-label="After" className="team-change">
                      {describe(e.after)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <ErrorNotice error={moreError} title="More events could not be loaded." />
        {cursor ? (
          <button type="button" className="button-secondary" onClick={more} disabled={busy}>
            {busy ? "Loading…" : "Show older events"}
          </button>
        ) : null}
      </section>
    </div>
  );
}
