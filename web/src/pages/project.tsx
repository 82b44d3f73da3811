import { useState } from "react";
import { api, type BillingSwitch } from "../api";
import { describePrice, findSku, typeName } from "../catalog";
import { ConfirmDialog } from "../components/confirm-dialog";
import { RenameButton } from "../components/rename-dialog";
import { SwitchBillingDialog } from "../components/switch-billing";
import {
  BillingBadge,
  Breadcrumbs,
  ErrorNotice,
  Loading,
  Notice,
  PageHeader,
  PageLoadFailed,
  ShowMore,
  StatusBadge,
  TableScroll,
} from "../components/ui";
import { FlashNotice, setFlash } from "../flash";
import { formatDate, formatDateTime } from "../money";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";
import { useApi, usePagedApi } from "../use-api";
import { countOf } from "../words";
import { roleWord } from "./landing";

export function ProjectPage({ id }: { id: string }) {
  const { me } = useSession();
  const { query } = useLocation();
  const project = useApi(() => api.project(id), [id]);
  const billing = useApi(() => api.projectBilling(id), [id]);
  const resources = usePagedApi((cursor) => api.projectResources(id, cursor), [id]);
  const types = useApi(() => api.resourceTypes(), []);
  const [switching, setSwitching] = useState(false);
  const [switched, setSwitched] = useState<BillingSwitch | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [renamed, setRenamed] = useState<string | null>(null);

  if (project.loading && !project.data) return <Loading what="Loading the project" />;
  if (project.error || !project.data)
    return (
      <PageLoadFailed
        label="Project"
        error={project.error}
        title="The project could not be loaded."
        onRetry={project.reload}
      />
    );
  const p = project.data;
  const org = me?.organizations.find((o) => o.id === p.organization_id);
  const canManage = billing.data?.can_manage_billing ?? false;
  const can = p.permissions;

  async function remove() {
    await api.deleteProject(id);
    setFlash(
      `Project “${p.name}” deleted. Billing for its resources stopped at ${formatDateTime(new Date().toISOString())}.`,
    );
    navigate("/");
  }

  return (
    <div>
      <Breadcrumbs
        items={[
          { label: "Home", to: "/" },
          { label: org?.name ?? "Organization" },
          { label: p.name },
        ]}
      />
      <PageHeader
        eyebrow="Project"
        title={p.name}
        actions={
          <>
            {can.write_resources ? (
              <Link to={`/resources/new?project=${p.id}`} className="button button-primary">
                Add resource
              </Link>
            ) : null}
            {can.write_projects ? (
              <RenameButton
                what="project"
                current={p.name}
                onRename={(name) => api.renameProject(p.id, name)}
                onRenamed={(name) => {
                  setRenamed(name);
                  project.reload();
                }}
              />
            ) : null}
            <Link to={`/projects/${p.id}/billing`} className="button button-secondary">
              Billing
            </Link>
            <Link to={`/projects/${p.id}/members`} className="button button-secondary">
              Members
            </Link>
          </>
        }
      >
        <div className="header-meta">
          <BillingBadge billing={p.billing} />
          <StatusBadge status={p.billing.billing_account.status} />
          {canManage ? (
            <button type="button" className="button-link" onClick={() => setSwitching(true)}>
              Change billing
            </button>
          ) : null}
        </div>
      </PageHeader>

      {renamed ? <Notice kind="success">Project renamed to “{renamed}”.</Notice> : null}
      {!can.write_resources ? (
        <Notice>
          <span data-testid="read-only-note">
            You can view this project. Your role ({roleWord(org?.role)}) does not allow creating,
            renaming or deleting resources here — ask an owner or editor.
          </span>
        </Notice>
      ) : null}
      <FlashNotice />
      {query.get("created") ? (
        <Notice kind="success">
          Project “{p.name}” created — billed to{" "}
          <strong data-testid="created-billed-to">
            {p.billing.inherited
              ? (org?.name ?? p.billing.billing_account.name)
              : p.billing.billing_account.name}{" "}
            ({p.billing.inherited ? "inherited" : "separate"})
          </strong>
          .
        </Notice>
      ) : null}
      {switched ? (
        <Notice kind="success">
          Billing changed: from {formatDateTime(switched.effective_at)} this project is billed to{" "}
          <strong>{switched.billing_account.name}</strong> (
          {switched.inherited ? "inherited" : "separate"}).{" "}
          {countOf(switched.moved.resources, "resource")} moved from {switched.from.name}.
          {switched.left_account?.closed ? ` ${switched.left_account.name} is now closed.` : ""}
          {/* The switch answers no account status: the reloaded project carries it. */}
          {p.billing.billing_account_id === switched.billing_account_id &&
          p.billing.billing_account.status === "setup_required" ? (
            <>
              {" "}
              <Link to={`/billing-accounts/${switched.billing_account_id}/setup?project=${p.id}`}>
                Set up payment
              </Link>
            </>
          ) : null}
        </Notice>
      ) : null}
      <ErrorNotice
        error={billing.error}
        title="Billing details could not be loaded."
        onRetry={billing.reload}
      />

      <section className="panel" aria-labelledby="resources-heading">
        <h2 id="resources-heading">Resources</h2>
        {resources.loading ? <Loading what="Loading resources" /> : null}
        <ErrorNotice
          error={resources.error}
          title="Resources could not be loaded."
          onRetry={resources.reload}
        />
        {resources.data && resources.data.length === 0 ? (
          <Notice>
            No resources yet.
            {can.write_resources ? (
              <>
                {" "}
                <Link to={`/resources/new?project=${p.id}`}>Add the first one</Link> — you will see
                its price first.
              </>
            ) : null}
          </Notice>
        ) : null}
        {resources.data && resources.data.length > 0 ? (
          <TableScroll label="Resources">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">SKU</th>
                  <th scope="col">Price</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {resources.data.map((r) => {
                  const sku = findSku(types.data, r.resource_type, r.sku);
                  return (
                    <tr key={r.id}>
                      <td className="name-cell">
                        <Link to={`/resources/${r.id}`} title={r.name}>
                          {r.name}
                        </Link>
                      </td>
                      <td>{typeName(types.data, r.resource_type)}</td>
                      <td>{r.sku}</td>
                      <td>{sku ? describePrice(sku) : "—"}</td>
                      <td>{formatDate(r.created_at)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
        ) : null}
        <ShowMore list={resources} what="resources" />
      </section>

      {can.write_projects ? (
        <section className="panel danger-zone" aria-labelledby="danger-heading">
          <h2 id="danger-heading">Delete project</h2>
          <p className="muted">
            Deleting the project stops billing for all its resources from that moment.
          </p>
          <button type="button" className="button-danger" onClick={() => setDeleting(true)}>
            Delete project…
          </button>
        </section>
      ) : null}

      {switching ? (
        <SwitchBillingDialog
          project={p}
          organizationName={org?.name}
          open={switching}
          onClose={() => setSwitching(false)}
          onSwitched={(result) => {
            setSwitching(false);
            setSwitched(result);
            project.reload();
            billing.reload();
          }}
        />
      ) : null}
      <ConfirmDialog
        title={`Delete ${p.name}?`}
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={remove}
        confirmLabel="Delete project"
        busyLabel="Deleting…"
        tone="danger"
        failedTitle="The project was not deleted."
      >
        <p>
          The project and its {resources.data?.length ?? 0} resource(s) will be deleted and their
          billing stops now.
        </p>
      </ConfirmDialog>
    </div>
  );
}
