/** Start an organization: its name (prefilled), then its projects are yours to create. */
import { type FormEvent, useState } from "react";
import { nameProblem } from "../../../src/domain/names.js";
import { type ApiError, api } from "../api";
import { OrganizationNameField } from "../components/organization-fields";
import { Breadcrumbs, ErrorNotice, Notice, PageHeader } from "../components/ui";
import { ORG_KEY } from "../org-choice";
import { navigate } from "../router";
import { useSession } from "../session";

export function defaultOrganizationName(userName: string | undefined): string {
  const first = (userName ?? "").trim().split(/\s+/)[0];
  return first ? `${first}'s organization` : "My organization";
}

export function NewOrganizationPage() {
  const { me, refresh } = useSession();
  const [name, setName] = useState(() => defaultOrganizationName(me?.user.name));
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = nameProblem(name);
    setProblem(local ? `The name ${local}.` : null);
    if (local) return;
    setBusy(true);
    setError(null);
    try {
      const org = await api.createOrganization(name.trim());
      localStorage.setItem(ORG_KEY, org.id);
      await refresh();
      navigate(`/?organization_created=${encodeURIComponent(org.id)}`);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="narrow">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "New organization" }]} />
      <PageHeader title="Create organization" />
      <form className="card form" onSubmit={submit} aria-label="Create organization">
        <OrganizationNameField
          hint="Shown on invoices and to members. You can rename it later."
          error={problem ?? (error?.field === "name" ? error.message : undefined)}
          value={name}
          onChange={setName}
        />
        <Notice>
          You become its owner. It gets its own billing account, named after it; nothing is charged
          until you create a paid resource.
        </Notice>
        {error && error.field !== "name" ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={busy}>
            {busy ? "Creating…" : "Create organization"}
          </button>
          <button type="button" className="button-secondary" onClick={() => navigate("/")}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
