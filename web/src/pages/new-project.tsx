import { type FormEvent, useState } from "react";
import { NAME_MAX_LENGTH } from "../../../src/domain/names.js";
import { type ApiError, api } from "../api";
import { BillingChoice, type BillingChoiceValue, billingBody } from "../components/billing-choice";
import { OrganizationNameField, OrganizationSelect } from "../components/organization-fields";
import {
  Breadcrumbs,
  ErrorNotice,
  Field,
  humanMessage,
  Notice,
  PageHeader,
} from "../components/ui";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { defaultOrganizationName } from "./new-organization";

export function NewProjectPage() {
  const { me, refresh } = useSession();
  const allOrgs = me?.organizations ?? [];
  const orgs = allOrgs.filter((o) => o.permissions.write_projects);
  const firstOrganization = allOrgs.length === 0;
  const [orgName, setOrgName] = useState(() => defaultOrganizationName(me?.user.name));
  const [createdOrgId, setCreatedOrgId] = useState<string | null>(null);
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
      // A first organization is named by the person, not silently after them; created once even
      // if the project then fails and the form is sent again.
      let organizationId = orgId;
      if (firstOrganization) {
        organizationId = createdOrgId ?? (await api.createOrganization(orgName.trim())).id;
        setCreatedOrgId(organizationId);
      }
      const project = await api.createProject({
        name,
        ...(organizationId ? { organization_id: organizationId } : {}),
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
              maxLength={NAME_MAX_LENGTH}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. Website"
            />
          )}
        </Field>
        {orgs.length > 0 ? (
          <OrganizationSelect
            organizations={orgs}
            value={orgId}
            onChange={setOrgId}
            error={fieldError("organization_id")}
          />
        ) : firstOrganization ? (
          <OrganizationNameField
            hint="This is your first project: we will also create your organization and its billing account, with this name. Nothing is charged until you create a resource."
            locked={createdOrgId !== null}
            value={orgName}
            onChange={setOrgName}
          />
        ) : (
          <Notice>
            <span data-testid="no-project-rights">
              Your roles do not allow creating projects in any organization.{" "}
              <Link to="/organizations/new">Start an organization of your own</Link>.
            </span>
          </Notice>
        )}
        <BillingChoice
          organizationId={org?.id}
          organizationName={org?.name ?? (firstOrganization ? orgName : undefined)}
          value={billing}
          onChange={setBilling}
        />
        {error && !fieldError("name", "organization_id") ? (
          <ErrorNotice error={error} title="The project was not created." />
        ) : null}
        <div className="form-actions">
          <button
            type="submit"
            className="button-primary"
            disabled={busy || (!firstOrganization && orgs.length === 0)}
          >
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
