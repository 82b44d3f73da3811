import { useEffect, useState } from "react";
import { type ApiError, api } from "../api";
import { AccountCard } from "../components/account-card";
import { InvoiceList } from "../components/invoice-list";
import {
  Breadcrumbs,
  ErrorNotice,
  Loading,
  Notice,
  PageHeader,
  StatusBadge,
} from "../components/ui";
import { Link, useLocation } from "../router";
import { useApi } from "../use-api";

/** The set-up page of a (new) billing account: its state, and the way to add payment. */
export function AccountSetupPage({ id }: { id: string }) {
  const { query } = useLocation();
  const account = useApi(() => api.account(id), [id]);
  const projectId = query.get("project");
  const resourceId = query.get("resource");
  const project = useApi(async () => (projectId ? api.project(projectId) : undefined), [projectId]);
  const [error, setError] = useState<ApiError | null>(null);
  const [already, setAlready] = useState(false);
  const [busy, setBusy] = useState(false);
  const returnedFromCheckout = query.get("session_id") !== null;
  const [confirming, setConfirming] = useState(returnedFromCheckout);

  // Back from the payment provider's page: ask for a sync pass, which finds the new payment
  // method, instead of waiting for the provider's webhook to arrive.
  useEffect(() => {
    if (!returnedFromCheckout) return;
    api
      .syncAccount(id)
      .catch(() => undefined)
      .finally(() => {
        setConfirming(false);
        account.reload();
      });
  }, [returnedFromCheckout, id, account.reload]);

  async function setup() {
    setBusy(true);
    setError(null);
    try {
      const session = await api.setupAccount(id);
      window.location.assign(session.url);
    } catch (e) {
      const err = e as ApiError;
      if (err.status === 409) {
        setAlready(true);
        account.reload();
      } else setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (account.loading && !account.data) return <Loading what="Loading the billing account" />;
  const a = account.data;
  // Back from the payment provider the query is gone: a project's own account leads to it.
  const ownProject = a?.scope === "project" ? a.projects?.[0] : undefined;
  const next = resourceId
    ? `/resources/${resourceId}`
    : projectId
      ? `/projects/${projectId}`
      : ownProject
        ? `/projects/${ownProject.id}`
        : "/";
  return (
    <div className="narrow">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "Billing set-up" }]} />
      <ErrorNotice
        error={account.error}
        title="The billing account could not be loaded."
        onRetry={account.reload}
      />
      {a ? (
        <>
          <PageHeader eyebrow="Billing set-up" title={a.name}>
            <div className="header-meta">
              <StatusBadge status={a.status} />
            </div>
          </PageHeader>
          {query.get("created") && project.data ? (
            <Notice kind="success">
              Project “{project.data.name}” created with separate billing. Its charges go to this
              account.
            </Notice>
          ) : null}
          <section className="card setup-card">
            {confirming ? (
              <p role="status">Confirming your payment method…</p>
            ) : a.status === "setup_required" ? (
              <>
                <h2>Set-up required</h2>
                <p>Add a payment method so this account can pay for its resources.</p>
                <button type="button" className="button-primary" onClick={setup} disabled={busy}>
                  {busy ? "Opening…" : "Set up payment"}
                </button>
              </>
            ) : a.status === "active" ? (
              <>
                <h2>Active</h2>
                <p>
                  This account is ready: charges are recorded on it from the moment a resource is
                  created.
                  {already ? " (It was already set up.)" : ""}
                </p>
              </>
            ) : (
              <>
                <h2>Attention needed</h2>
                <p>This account needs attention with the payment provider.</p>
                <button type="button" className="button-primary" onClick={setup} disabled={busy}>
                  Update payment
                </button>
              </>
            )}
            <ErrorNotice error={error} title="Set-up could not be started." />
            <p>
              <Link to={next} className="button button-secondary">
                Continue to{" "}
                {resourceId
                  ? "the resource"
                  : projectId
                    ? (project.data?.name ?? "the project")
                    : (ownProject?.name ?? "home")}
              </Link>
            </p>
          </section>
        </>
      ) : null}
    </div>
  );
}

export function AccountPage({ id }: { id: string }) {
  return (
    <div>
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "Billing account" }]} />
      <PageHeader title="Billing account" />
      <AccountCard accountId={id} />
      <InvoiceList accountId={id} />
    </div>
  );
}
