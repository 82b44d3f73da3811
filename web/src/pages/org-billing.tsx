import { type FormEvent, useState } from "react";
import { type ApiError, api } from "../api";
import { AccountCard } from "../components/account-card";
import {
  Breadcrumbs,
  ErrorNotice,
  Field,
  humanMessage,
  Loading,
  Notice,
  PageHeader,
  ShowMore,
} from "../components/ui";
import { Link, useLocation } from "../router";
import { useSession } from "../session";
import { useApi, usePagedApi } from "../use-api";

export function OrgBillingPage({ id }: { id: string }) {
  const { query } = useLocation();
  const { me } = useSession();
  const role = me?.organizations.find((o) => o.id === id)?.role;
  const canManage = role === "owner" || role === "billing_admin";
  const fromProject = query.get("from_project");
  const org = useApi(() => api.organization(id), [id]);
  const accounts = usePagedApi((cursor) => api.organizationAccounts(id, cursor), [id]);
  const project = useApi(
    async () => (fromProject ? api.project(fromProject) : undefined),
    [fromProject],
  );
  const [name, setName] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [adding, setAdding] = useState(false);
  // Bumped after a change every card may show (the primary moved): the cards load again.
  const [generation, setGeneration] = useState(0);

  async function add(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.createAccount(id, { name });
      setName("");
      setAdding(false);
      accounts.reload();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  const orgName = org.data?.name ?? "Organization";
  return (
    <div>
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: orgName }, { label: "Billing" }]} />
      {fromProject ? (
        <Notice>
          <span data-testid="from-project">
            Project “{project.data?.name ?? "…"}” inherits its billing from {orgName}, so its
            billing is managed here.
          </span>{" "}
          <Link to={`/projects/${fromProject}`}>
            ← Back to {project.data?.name ?? "the project"}
          </Link>
        </Notice>
      ) : null}
      <PageHeader
        eyebrow={orgName}
        title="Organization billing"
        actions={
          <>
            <Link to={`/organizations/${id}/costs`} className="button button-secondary">
              Cost breakdown
            </Link>
            {canManage ? (
              <button
                type="button"
                className="button-primary"
                onClick={() => setAdding((v) => !v)}
                aria-expanded={adding}
              >
                Add billing account
              </button>
            ) : null}
          </>
        }
      />
      <ErrorNotice
        error={org.error}
        title="The organization could not be loaded."
        onRetry={org.reload}
      />
      {adding ? (
        <form className="card form inline-form" onSubmit={add} aria-label="Add billing account">
          <Field
            label="Account name"
            hint="For a department or cost center, e.g. “Marketing”. Projects can then be billed to it."
            error={error?.field === "name" ? humanMessage(error) : undefined}
          >
            {(p) => (
              <input
                {...p}
                name="account-name"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          {error && error.field !== "name" ? (
            <ErrorNotice error={error} title="The account was not added." />
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button-primary" disabled={busy}>
              {busy ? "Adding…" : "Add account"}
            </button>
            <button type="button" className="button-secondary" onClick={() => setAdding(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {accounts.loading && !accounts.data ? <Loading what="Loading billing accounts" /> : null}
      <ErrorNotice
        error={accounts.error}
        title="Billing accounts could not be loaded."
        onRetry={accounts.reload}
      />
      <div className="account-grid">
        {accounts.data?.map((a) => (
          <AccountCard
            key={`${a.id}/${generation}`}
            accountId={a.id}
            onChanged={() => {
              setGeneration((g) => g + 1);
              org.reload();
            }}
          />
        ))}
      </div>
      <ShowMore list={accounts} what="billing accounts" />
    </div>
  );
}
