import { type FormEvent, useState } from "react";
import { type ApiError, api } from "../api";
import { BillingChoice, type BillingChoiceValue, billingBody } from "../components/billing-choice";
import {
  Breadcrumbs,
  ErrorNotice,
  Field,
  humanMessage,
  Notice,
  PageHeader,
} from "../components/ui";
import { navigate } from "../router";
import { useSession } from "../session";

export function NewProjectPage() {
  const { me, refresh } = useSession();
  const orgs = me?.organizations ?? [];
  const [name, setName] = useState("");
  const [orgId, setOrgId] = useState<string>(() => orgs[0]?.id ?? "");
  const [billing, setBilling] = useState<BillingChoiceValue>({ mode: "inherit" });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const org = orgs.find((o) => o.id === orgId);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await api.createProject({
        name,
        ...(orgId ? { organization_id: orgId } : {}),
        billing: billingBody(billing),
      });
      await refresh();
      if (
        billing.mode === "separate" &&
        billing.account === "new" &&
        project.billing.billing_account_id
      ) {
        navigate(
          `/billing-accounts/${project.billing.billing_account_id}/setup?project=${project.id}&created=1`,
        );
      } else {
        navigate(`/projects/${project.id}?created=1`);
      }
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (...fields: string[]) =>
    error?.field && fields.includes(error.field) ? humanMessage(error) : undefined;

  return (
    <div className="narrow">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "New project" }]} />
      <PageHeader title="Create project" />
      <form className="card form" onSubmit={submit} aria-label="Create project">
        <Field label="Project name" error={fieldError("name")}>
          {(p) => (
            <input
              {...p}
              name="project-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. Website"
            />
          )}
        </Field>
        {orgs.length > 0 ? (
          <Field label="Organization" error={fieldError("organization_id")}>
            {(p) => (
              <select
                {...p}
                name="organization"
                value={orgId}
                onChange={(e) => setOrgId(e.target.value)}
              >
                {orgs.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <Notice>
            This is your first project: we will also create your organization and its billing
            account. Nothing is charged until you create a resource.
          </Notice>
        )}
        <BillingChoice
          organizationId={org?.id}
          organizationName={org?.name}
          value={billing}
          onChange={setBilling}
        />
        {error && !fieldError("name", "organization_id") ? (
          <ErrorNotice error={error} title="The project was not created." />
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={busy}>
            {busy ? "Creating…" : "Create project"}
          </button>
          <button type="button" className="button-secondary" onClick={() => navigate("/")}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
