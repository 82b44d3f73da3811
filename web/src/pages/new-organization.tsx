/** Start an organization: its name (prefilled), then its projects are yours to create. */
import { type FormEvent, useState } from "react";
import { NAME_MAX_LENGTH, nameProblem } from "../../../src/domain/names.js";
import { type ApiError, api } from "../api";
import { Breadcrumbs, ErrorNotice, Field, Notice, PageHeader } from "../components/ui";
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
        <Field
          label="Organization name"
          hint="Shown on invoices and to members. You can rename it later."
          error={problem ?? (error?.field === "name" ? error.message : undefined)}
        >
          {(p) => (
            <input
              {...p}
              name="organization-name"
              required
              maxLength={NAME_MAX_LENGTH}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
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
