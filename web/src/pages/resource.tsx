import { useState } from "react";
import { api } from "../api";
import { describePrice, findSku, typeName } from "../catalog";
import { ConfirmDialog } from "../components/confirm-dialog";
import { RenameButton } from "../components/rename-dialog";
import { ResourceCost, ResourceUsage } from "../components/resource-usage";
import {
  BillingBadge,
  Breadcrumbs,
  Loading,
  Notice,
  PageHeader,
  PageLoadFailed,
} from "../components/ui";
import { setFlash } from "../flash";
import { formatDateTime } from "../money";
import { Link, navigate, useLocation } from "../router";
import { useApi } from "../use-api";

export function ResourcePage({ id }: { id: string }) {
  const { query } = useLocation();
  const resource = useApi(() => api.resource(id), [id]);
  const types = useApi(() => api.resourceTypes(), []);
  const project = useApi(
    async () => (resource.data ? api.project(resource.data.project_id) : undefined),
    [resource.data?.project_id],
  );
  const [deleting, setDeleting] = useState(false);
  const [renamed, setRenamed] = useState<string | null>(null);

  if (resource.loading && !resource.data) return <Loading what="Loading the resource" />;
  if (resource.error || !resource.data)
    return (
      <PageLoadFailed
        label="Resource"
        error={resource.error}
        title="The resource could not be loaded."
        onRetry={resource.reload}
      />
    );
  const r = resource.data;
  const sku = findSku(types.data, r.resource_type, r.sku);
  const canWrite = project.data?.permissions.write_resources ?? false;

  async function remove() {
    await api.deleteResource(id);
    setFlash(
      `Resource “${r.name}” deleted. Its billing stopped at ${formatDateTime(new Date().toISOString())}; time used until then stays on the bill.`,
    );
    navigate(`/projects/${r.project_id}`);
  }

  return (
    <div>
      <Breadcrumbs
        items={[
          { label: "Home", to: "/" },
          { label: project.data?.name ?? "Project", to: `/projects/${r.project_id}` },
          { label: r.name },
        ]}
      />
      <PageHeader
        eyebrow="Resource"
        title={r.name}
        actions={
          canWrite ? (
            <>
              <RenameButton
                what="resource"
                current={r.name}
                onRename={(name) => api.renameResource(r.id, name)}
                onRenamed={(name) => {
                  setRenamed(name);
                  resource.reload();
                }}
              />
              <button type="button" className="button-danger" onClick={() => setDeleting(true)}>
                Delete…
              </button>
            </>
          ) : null
        }
      >
        <div className="header-meta">
          <BillingBadge billing={r.billing} />
        </div>
      </PageHeader>
      {renamed ? (
        <Notice kind="success">Resource renamed to “{renamed}”. Its billing is unchanged.</Notice>
      ) : null}
      {query.get("created") ? (
        <Notice kind="success">
          Resource “{r.name}” created and billed to {r.billing.billing_account.name} from{" "}
          {formatDateTime(r.created_at)}.
        </Notice>
      ) : null}
      <section className="panel">
        <dl className="details">
          <dt>Type</dt>
          <dd>{typeName(types.data, r.resource_type)}</dd>
          <dt>SKU</dt>
          <dd>{r.sku}</dd>
          <dt>Price</dt>
          <dd>{sku ? describePrice(sku) : "—"}</dd>
          <dt>Project</dt>
          <dd>
            <Link to={`/projects/${r.project_id}`}>{project.data?.name ?? r.project_id}</Link>
          </dd>
          <dt>Billing</dt>
          <dd>
            {r.billing.billing_account.name} (
            {r.billing.inherited
              ? "inherited from the organization"
              : "separate billing of the project"}
            ) · <Link to={`/projects/${r.project_id}/billing`}>project billing</Link>
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(r.created_at)}</dd>
        </dl>
        <ResourceCost resource={r} metered={sku?.billing_model === "metered"} />
      </section>
      {sku?.meter ? (
        <ResourceUsage
          resource={r}
          meters={[{ eventName: sku.meter, name: sku.meter_name ?? sku.meter }]}
        />
      ) : null}
      <ConfirmDialog
        title={`Delete ${r.name}?`}
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={remove}
        confirmLabel="Delete resource"
        busyLabel="Deleting…"
        tone="danger"
        failedTitle="The resource was not deleted."
      >
        <p>
          {sku?.billing_model === "metered"
            ? "Billing for this resource stops the moment it is deleted; usage reported until then stays on the bill."
            : "Billing for this resource stops the moment it is deleted; time used so far stays on the bill."}
        </p>
      </ConfirmDialog>
    </div>
  );
}
