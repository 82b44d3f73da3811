import { useEffect } from "react";
import { api } from "../api";
import { AccountCard } from "../components/account-card";
import {
  BillingBadge,
  Breadcrumbs,
  ErrorNotice,
  Loading,
  Notice,
  PageHeader,
} from "../components/ui";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { useApi } from "../use-api";
import { roleWord } from "./landing";

/**
 * A project's billing. Inherited: people who may manage the organization's billing are sent to
 * the organization's billing page (with a way back); others get an explanation of who pays and
 * who manages it. Separate: the project's own account.
 */
export function ProjectBillingPage({ id }: { id: string }) {
  const { me } = useSession();
  const project = useApi(() => api.project(id), [id]);
  const billing = useApi(() => api.projectBilling(id), [id]);
  const p = project.data;
  const b = billing.data;
  const redirect = Boolean(p && b?.inherited && b.can_manage_organization_billing);

  useEffect(() => {
    if (redirect && p)
      navigate(`/organizations/${p.organization_id}/billing?from_project=${p.id}`, {
        replace: true,
      });
  }, [redirect, p]);

  const crumbs = [
    { label: "Home", to: "/" },
    { label: p?.name ?? "Project", to: `/projects/${id}` },
    { label: "Billing" },
  ];
  if ((project.loading || billing.loading) && !(p && b)) return <Loading what="Loading billing" />;
  if (project.error || billing.error || !p || !b)
    return (
      <div>
        <Breadcrumbs items={crumbs} />
        <ErrorNotice
          error={project.error ?? billing.error}
          title="Billing for this project could not be loaded."
          onRetry={() => {
            project.reload();
            billing.reload();
          }}
        />
      </div>
    );
  if (redirect) return <Loading what="Opening the organization's billing" />;

  const org = me?.organizations.find((o) => o.id === p.organization_id);
  return (
    <div>
      <Breadcrumbs items={crumbs} />
      <PageHeader eyebrow={`Project ${p.name}`} title="Billing">
        <div className="header-meta">
          <BillingBadge billing={b} />
        </div>
      </PageHeader>
      {b.inherited ? (
        <section className="panel explanation" data-testid="billing-explanation">
          <h2>Who pays for this project</h2>
          <p>
            This project inherits its billing from the organization{org ? ` “${org.name}”` : ""}:
            its resources are charged to the organization's billing account{" "}
            <strong>{b.billing_account.name}</strong>, together with the other projects that
            inherit.
          </p>
          <p>
            The organization's billing — payment method, invoices and which account pays for which
            project — is managed by:
          </p>
          {b.managed_by.length > 0 ? (
            <ul className="people">
              {b.managed_by.map((m) => (
                <li key={m.email}>
                  <strong>{m.name}</strong> &lt;<a href={`mailto:${m.email}`}>{m.email}</a>&gt; ·{" "}
                  {roleWord(m.role)}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No one is listed as managing billing.</p>
          )}
          <p className="muted">
            Your role does not include managing billing. Ask one of them if this project should be
            billed separately.
          </p>
          <Link to={`/projects/${p.id}`}>← Back to {p.name}</Link>
        </section>
      ) : (
        <>
          <Notice>
            This project has separate billing: it is invoiced on{" "}
            {b.billing_account.scope === "project"
              ? "its own account"
              : "an account of the organization"}
            , <strong>{b.billing_account.name}</strong>.
            {b.can_manage_billing
              ? " You can switch it back to the organization from the project page."
              : ""}
          </Notice>
          {/* Billing accounts are read at organization scope: a project-only member is told who
              pays and who manages it instead of being shown an error. */}
          {b.billing_account_id && org?.role ? (
            <AccountCard accountId={b.billing_account_id} />
          ) : (
            <section className="panel explanation" data-testid="billing-explanation">
              <p>
                The account's invoices and payment method are managed by:{" "}
                {b.managed_by.length > 0
                  ? b.managed_by.map((m, i) => (
                      <span key={m.email}>
                        {i > 0 ? ", " : ""}
                        <strong>{m.name}</strong> ({roleWord(m.role)})
                      </span>
                    ))
                  : "no one listed"}
                .
              </p>
            </section>
          )}
        </>
      )}
    </div>
  );
}
