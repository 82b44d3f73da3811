/**
 * Flow 2: the resource wizard. Step 1 picks a project or creates one inline (with its billing),
 * step 2 the type and SKU from the catalog, step 3 shows the price preview — monthly price, the
 * charge for the rest of this period and the account that pays — before the confirm button.
 */
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { NAME_MAX_LENGTH } from "../../../src/domain/names.js";
import { type ApiError, allPages, api, type Preview, type Project } from "../api";
import {
  describeMeter,
  describePrice,
  describeScheduledChange,
  describeUsagePrice,
  explainTieredDelta,
  findSku,
  usagePricingOfPreview,
} from "../catalog";
import { BillingChoice, type BillingChoiceValue, billingBody } from "../components/billing-choice";
import { OrganizationNameField, OrganizationSelect } from "../components/organization-fields";
import {
  Breadcrumbs,
  ErrorNotice,
  Field,
  humanMessage,
  Loading,
  Money,
  Notice,
  PageHeader,
} from "../components/ui";
import { formatPeriodEnd } from "../money";
import { Link, navigate, useLocation } from "../router";

/**
 * The step lives in the URL (`?step=2`), so the browser's Back and Forward move between steps;
 * the answers live in the page's state, which stays while the address changes only its query.
 */
function goToStep(path: string, query: URLSearchParams, step: Step, replace = false): void {
  const next = new URLSearchParams(query);
  if (step === 1) next.delete("step");
  else next.set("step", String(step));
  const url = `${path}${next.size ? `?${next}` : ""}`;
  if (replace) navigate(url, { replace: true });
  else {
    window.history.pushState({ wizardStep: step }, "", url);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }
}

import { useSession } from "../session";
import { useApi } from "../use-api";
import { defaultOrganizationName } from "./new-organization";

type Step = 1 | 2 | 3;

function newKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function")
    return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

export function ResourceWizardPage() {
  const { me, refresh } = useSession();
  const { query, path } = useLocation();
  // Offered only where the caller's roles allow: new projects in organizations where they may
  // create projects, resources in projects where they may write them.
  const allOrgs = me?.organizations ?? [];
  const orgs = allOrgs.filter((o) => o.permissions.write_projects);
  const canNewProject = allOrgs.length === 0 || orgs.length > 0;
  const wantedStep: Step = query.get("step") === "3" ? 3 : query.get("step") === "2" ? 2 : 1;
  const [idempotencyKey] = useState(newKey);

  const projects = useApi(async () => {
    const lists = await Promise.all(
      allOrgs.map((o) =>
        allPages((cursor) => api.organizationProjects(o.id, cursor)).then(
          (all) => all.items,
          () => [] as Project[],
        ),
      ),
    );
    return lists.flat().filter((p) => p.permissions.write_resources);
  }, [allOrgs.map((o) => o.id).join(",")]);
  const types = useApi(() => api.resourceTypes(), []);

  const preselected = query.get("project");
  const [projectChoice, setProjectChoice] = useState<"existing" | "new" | null>(null);
  const [projectId, setProjectId] = useState<string>(preselected ?? "");
  const [projectName, setProjectName] = useState("");
  const [orgId, setOrgId] = useState<string>(orgs[0]?.id ?? "");
  // Someone with no organization yet names it here instead of getting one named after them.
  const firstOrganization = allOrgs.length === 0;
  const [orgName, setOrgName] = useState(() => defaultOrganizationName(me?.user.name));
  const [createdOrgId, setCreatedOrgId] = useState<string | null>(null);
  const [billing, setBilling] = useState<BillingChoiceValue>({ mode: "inherit" });

  const [type, setType] = useState("");
  const [sku, setSku] = useState("");
  const [name, setName] = useState("");

  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const projectList = projects.data ?? [];
  const hasProjects = projectList.length > 0;
  const mode: "existing" | "new" =
    projectChoice ?? (hasProjects || preselected || !canNewProject ? "existing" : "new");
  const project =
    projectList.find((p) => p.id === projectId) ??
    (mode === "existing" ? projectList[0] : undefined);
  const org = orgs.find((o) => o.id === orgId);
  const selectedType = types.data?.find((t) => t.type === type);
  const selectedSku = findSku(types.data, type, sku);

  const step1Done =
    !projects.loading && (mode === "existing" ? !!project : projectName.trim() !== "");
  const step2Done = step1Done && !!selectedSku && name.trim() !== "";
  const step: Step = wantedStep === 3 && step2Done ? 3 : wantedStep >= 2 && step1Done ? 2 : 1;
  const setStep = (next: Step) => goToStep(path, query, next);
  // An address with a step whose earlier answers are missing (a reload) starts where they are.
  useEffect(() => {
    if (!projects.loading && step !== wantedStep) goToStep(path, query, step, true);
  }, [projects.loading, step, wantedStep, path, query]);
  // Each step's heading takes the focus when the step changes.
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const shownStep = useRef(step);
  useEffect(() => {
    if (shownStep.current !== step) stepHeading.current?.focus();
    shownStep.current = step;
  }, [step]);
  function back() {
    if (window.history.state?.wizardStep === step) window.history.back();
    else goToStep(path, query, (step - 1) as Step, true);
  }

  // The price is asked for whenever step 3 shows, with whatever the answers are now.
  const previewBody = useMemo(() => {
    if (step !== 3 || !selectedSku) return null;
    return mode === "existing" && project
      ? { project_id: project.id, resource_type: type, sku }
      : {
          ...(orgId ? { organization_id: orgId } : {}),
          resource_type: type,
          sku,
          project_billing: billingBody(billing),
        };
  }, [step, selectedSku, mode, project, type, sku, orgId, billing]);
  const previewKey = previewBody ? JSON.stringify(previewBody) : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: previewKey stands for previewBody
  useEffect(() => {
    if (!previewBody) return;
    let live = true;
    setPreview(null);
    setPreviewError(null);
    api.preview(previewBody).then(
      (answer) => live && setPreview(answer),
      (e: ApiError) => live && setPreviewError(e),
    );
    return () => {
      live = false;
    };
  }, [previewKey]);

  const payerMode = useMemo(() => {
    if (mode === "existing")
      return project?.billing.inherited ?? project?.billing.mode === "inherit";
    return billing.mode === "inherit";
  }, [mode, project, billing]);

  function step1(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (mode === "existing" && !project) return;
    if (mode === "existing" && project) setProjectId(project.id);
    setStep(2);
  }

  function step2(event: FormEvent) {
    event.preventDefault();
    if (!selectedSku) return;
    setStep(3);
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let organizationId = orgId;
      if (mode === "new" && firstOrganization) {
        // Created once: a retry after a failed create reuses it.
        organizationId = createdOrgId ?? (await api.createOrganization(orgName.trim())).id;
        setCreatedOrgId(organizationId);
      }
      const resource = await api.createResource(
        mode === "existing" && project
          ? { project_id: project.id, resource_type: type, sku, name }
          : {
              project: {
                name: projectName,
                ...(organizationId ? { organization_id: organizationId } : {}),
                billing: billingBody(billing),
              },
              resource_type: type,
              sku,
              name,
            },
        idempotencyKey,
      );
      await refresh();
      // The wizard's steps leave the history: Back from the new resource goes where the user was.
      const newSeparate =
        mode === "new" && billing.mode === "separate" && billing.account === "new";
      if (newSeparate && resource.billing.billing_account_id) {
        navigate(
          `/billing-accounts/${resource.billing.billing_account_id}/setup?project=${resource.project_id}&resource=${resource.id}&created=1`,
        );
      } else {
        navigate(`/resources/${resource.id}?created=1`);
      }
    } catch (e) {
      const err = e as ApiError;
      setError(err);
      // Send the user back to the step where the field lives.
      if (err.field?.startsWith("project") || err.field === "organization_id")
        goToStep(path, query, 1, true);
      else if (err.field === "name" || err.field === "resource_type" || err.field === "sku")
        goToStep(path, query, 2, true);
    } finally {
      setBusy(false);
    }
  }

  const tierNote =
    preview && selectedSku
      ? explainTieredDelta(
          selectedSku,
          preview.monthly_amount,
          (selectedType?.name ?? "resource").toLowerCase(),
        )
      : null;

  const scheduledNote = preview
    ? describeScheduledChange(preview, (selectedType?.name ?? "resource").toLowerCase())
    : null;

  const projectFieldError =
    error?.field && (error.field.startsWith("project") || error.field === "organization_id")
      ? error
      : null;
  const resourceFieldError =
    error?.field && ["name", "resource_type", "sku"].includes(error.field) ? error : null;

  if (!canNewProject && !projects.loading && !hasProjects)
    return (
      <div className="narrow">
        <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "New resource" }]} />
        <PageHeader title="Create resource" />
        <Notice>
          <span data-testid="wizard-not-allowed">
            Your roles do not allow creating resources in any project: viewers and billing admins
            can look, editors and owners create. Ask an owner of the organization for the editor
            role, or <Link to="/organizations/new">start an organization of your own</Link>.
          </span>
        </Notice>
      </div>
    );

  return (
    <div className="narrow">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "New resource" }]} />
      <PageHeader title="Create resource" />
      <ol className="steps" aria-label="Steps">
        {["Project", "Type & size", "Price & confirm"].map((label, i) => (
          <li
            key={label}
            className={step === i + 1 ? "step-current" : step > i + 1 ? "step-done" : ""}
            aria-current={step === i + 1 ? "step" : undefined}
          >
            <span className="step-num">{i + 1}</span> {label}
          </li>
        ))}
      </ol>

      {step === 1 ? (
        <form className="card form" onSubmit={step1} aria-labelledby="wizard-step-heading">
          <h2 id="wizard-step-heading" ref={stepHeading} tabIndex={-1} className="step-heading">
            Step 1 of 3: Project
          </h2>
          {projects.loading ? <Loading what="Loading your projects" /> : null}
          <ErrorNotice
            error={projects.error}
            title="Your projects could not be loaded."
            onRetry={projects.reload}
          />
          {!projects.loading && !projects.error ? (
            <fieldset>
              <legend>Project</legend>
              {hasProjects ? (
                <label className={`choice ${mode === "existing" ? "choice-selected" : ""}`}>
                  <input
                    type="radio"
                    name="project-mode"
                    value="existing"
                    checked={mode === "existing"}
                    onChange={() => setProjectChoice("existing")}
                  />
                  <span>
                    <span className="choice-title">An existing project</span>
                  </span>
                </label>
              ) : (
                <Notice>
                  You have no project yet — create one here, without leaving the wizard.
                </Notice>
              )}
              {mode === "existing" && hasProjects ? (
                <div className="choice-nested">
                  <Field label="Existing project">
                    {(p) => (
                      <select
                        {...p}
                        name="project"
                        value={project?.id ?? ""}
                        onChange={(e) => setProjectId(e.target.value)}
                      >
                        {projectList.map((p2) => (
                          <option key={p2.id} value={p2.id}>
                            {p2.name} — billed to {p2.billing.billing_account.name} (
                            {p2.billing.inherited ? "inherited" : "separate"})
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                </div>
              ) : null}
              {hasProjects && canNewProject ? (
                <label className={`choice ${mode === "new" ? "choice-selected" : ""}`}>
                  <input
                    type="radio"
                    name="project-mode"
                    value="new"
                    checked={mode === "new"}
                    onChange={() => setProjectChoice("new")}
                  />
                  <span>
                    <span className="choice-title">A new project</span>
                  </span>
                </label>
              ) : null}
              {mode === "new" ? (
                <div className={hasProjects ? "choice-nested" : ""}>
                  <Field
                    label="New project name"
                    error={
                      projectFieldError?.field === "project.name"
                        ? humanMessage(projectFieldError)
                        : undefined
                    }
                  >
                    {(p) => (
                      <input
                        {...p}
                        name="project-name"
                        required
                        maxLength={NAME_MAX_LENGTH}
                        value={projectName}
                        onChange={(e) => setProjectName(e.target.value)}
                        placeholder="e.g. Website"
                      />
                    )}
                  </Field>
                  {orgs.length > 0 ? (
                    <OrganizationSelect organizations={orgs} value={orgId} onChange={setOrgId} />
                  ) : (
                    <OrganizationNameField
                      hint="We will create your organization and its billing account, with this name, together with the project."
                      locked={createdOrgId !== null}
                      value={orgName}
                      onChange={setOrgName}
                    />
                  )}
                  <BillingChoice
                    organizationId={org?.id}
                    organizationName={org?.name ?? (firstOrganization ? orgName : undefined)}
                    value={billing}
                    onChange={setBilling}
                    legend="Billing for the new project"
                  />
                </div>
              ) : null}
            </fieldset>
          ) : null}
          <ErrorNotice
            error={
              projectFieldError && !(mode === "new" && projectFieldError.field === "project.name")
                ? projectFieldError
                : null
            }
            title="The resource was not created."
          />
          <div className="form-actions">
            <button
              type="submit"
              className="button-primary"
              disabled={projects.loading || !!projects.error}
            >
              Next: type &amp; size
            </button>
          </div>
        </form>
      ) : null}

      {step === 2 ? (
        <form className="card form" onSubmit={step2} aria-labelledby="wizard-step-heading">
          <h2 id="wizard-step-heading" ref={stepHeading} tabIndex={-1} className="step-heading">
            Step 2 of 3: Type &amp; size
          </h2>
          {types.loading ? <Loading what="Loading the catalog" /> : null}
          <ErrorNotice
            error={types.error}
            title="The catalog could not be loaded."
            onRetry={types.reload}
          />
          {types.data ? (
            <fieldset>
              <legend>Resource type</legend>
              <div className="type-grid">
                {types.data.map((t) => (
                  <label
                    key={t.type}
                    className={`choice ${type === t.type ? "choice-selected" : ""}`}
                  >
                    <input
                      type="radio"
                      name="resource-type"
                      value={t.type}
                      checked={type === t.type}
                      onChange={() => {
                        setType(t.type);
                        setSku(t.skus[0]?.sku ?? "");
                      }}
                    />
                    <span>
                      <span className="choice-title">{t.name}</span>
                      <span className="choice-text">
                        {t.skus.length} size{t.skus.length === 1 ? "" : "s"}
                      </span>
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>
          ) : null}
          {selectedType ? (
            <fieldset>
              <legend>Size (SKU)</legend>
              {selectedType.skus.map((s) => (
                <label
                  key={s.sku}
                  className={`choice choice-small ${sku === s.sku ? "choice-selected" : ""}`}
                >
                  <input
                    type="radio"
                    name="sku"
                    value={s.sku}
                    checked={sku === s.sku}
                    onChange={() => setSku(s.sku)}
                  />
                  <span>
                    <span className="choice-title">{s.sku}</span>
                    <span className="choice-text">{describePrice(s)}</span>
                  </span>
                </label>
              ))}
            </fieldset>
          ) : null}
          <Field
            label="Resource name"
            error={
              resourceFieldError?.field === "name" ? humanMessage(resourceFieldError) : undefined
            }
          >
            {(p) => (
              <input
                {...p}
                name="resource-name"
                required
                maxLength={NAME_MAX_LENGTH}
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="e.g. main-graph"
              />
            )}
          </Field>
          {resourceFieldError && resourceFieldError.field !== "name" ? (
            <ErrorNotice error={resourceFieldError} title="The resource was not created." />
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button-primary" disabled={!selectedSku}>
              Next: see the price
            </button>
            <button type="button" className="button-secondary" onClick={back}>
              Back
            </button>
          </div>
        </form>
      ) : null}

      {step === 3 ? (
        <form className="card form" onSubmit={confirm} aria-labelledby="wizard-step-heading">
          <h2 id="wizard-step-heading" ref={stepHeading} tabIndex={-1} className="step-heading">
            Step 3 of 3: Price &amp; confirm
          </h2>
          <dl className="summary">
            <dt>Project</dt>
            <dd>{mode === "existing" ? project?.name : `${projectName} (new)`}</dd>
            <dt>Resource</dt>
            <dd>
              {name} · {selectedType?.name ?? type} · {sku}
            </dd>
          </dl>
          {!preview && !previewError ? <Loading what="Calculating the price" /> : null}
          <ErrorNotice error={previewError} title="The price could not be calculated." />
          {preview ? (
            <section className="preview" aria-label="Price preview" data-testid="price-preview">
              {preview.usage_price ? (
                <div className="preview-row">
                  <span>Usage price</span>
                  <strong className="preview-words" data-testid="preview-usage-price">
                    {describeUsagePrice({
                      usage: usagePricingOfPreview(preview.usage_price),
                      currency: preview.currency,
                    })}
                  </strong>
                </div>
              ) : (
                <>
                  <div className="preview-row">
                    <span>{tierNote ? "Change to your monthly bill" : "Monthly price"}</span>
                    <strong data-testid="preview-monthly">
                      <Money amount={preview.monthly_amount} currency={preview.currency} />
                    </strong>
                  </div>
                  <div className="preview-row">
                    <span>
                      {preview.prorated_amount < 0 ? "Credited" : "Charged"} for the rest of this
                      period (until {formatPeriodEnd(preview.period_end)})
                    </span>
                    <strong data-testid="preview-prorated">
                      <Money amount={preview.prorated_amount} currency={preview.currency} />
                    </strong>
                  </div>
                </>
              )}
              <div className="preview-row preview-payer">
                <span>Paid by</span>
                <strong data-testid="preview-payer">
                  {/* A first organization's account is named after the organization being named here. */}
                  {mode === "new" && firstOrganization && payerMode
                    ? orgName.trim()
                    : preview.billing_account.name}{" "}
                  ({payerMode ? "inherited" : "separate"})
                </strong>
              </div>
              {tierNote ? (
                <p className="hint" data-testid="preview-tier-note">
                  {tierNote}
                </p>
              ) : null}
              {scheduledNote ? (
                <p className="hint" data-testid="preview-scheduled-change">
                  {scheduledNote}
                </p>
              ) : null}
              {preview.billing_account_id === null ? (
                <p className="hint">
                  {payerMode
                    ? "This account is created together with your organization and the project."
                    : "This account is created together with the project; you can set up its payment right after."}
                </p>
              ) : null}
              {preview.usage_price ? (
                <p className="hint" data-testid="preview-meter">
                  Billed at the end of each month for {preview.usage_price.meter.name}:{" "}
                  {describeMeter(preview.usage_price.meter)}, sent to <code>POST /v1/usage</code>.
                  Nothing is charged until it reports usage.
                </p>
              ) : null}
            </section>
          ) : null}
          <ErrorNotice
            error={error && !projectFieldError && !resourceFieldError ? error : null}
            title="The resource was not created."
          />
          <div className="form-actions">
            <button type="submit" className="button-primary" disabled={busy || !preview}>
              {busy ? "Creating…" : "Create resource"}
            </button>
            <button type="button" className="button-secondary" onClick={back}>
              Back
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
