/**
 * One dialog to switch a project's billing: choose, see what moves and from when, confirm. When
 * the dry run says nothing will bill the account the project leaves, it offers to close it too.
 */
import { type FormEvent, useState } from "react";
import { type ApiError, api, type BillingSwitch, type Project } from "../api";
import { formatDateTime } from "../money";
import { countOf } from "../words";
import { BillingChoice, type BillingChoiceValue, billingBody } from "./billing-choice";
import { Dialog, ErrorNotice, Loading } from "./ui";

export function SwitchBillingDialog({
  project,
  organizationName,
  open,
  onClose,
  onSwitched,
}: {
  project: Project;
  organizationName: string | undefined;
  open: boolean;
  onClose(): void;
  onSwitched(result: BillingSwitch): void;
}) {
  const [choice, setChoice] = useState<BillingChoiceValue>(
    project.billing.mode === "inherit" ? { mode: "separate", account: "new" } : { mode: "inherit" },
  );
  const [plan, setPlan] = useState<BillingSwitch | null>(null);
  const [closeLeft, setCloseLeft] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  function change(next: BillingChoiceValue) {
    setChoice(next);
    setPlan(null);
    setCloseLeft(false);
    setError(null);
  }

  async function review(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setPlan(await api.switchProjectBilling(project.id, billingBody(choice), true));
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  async function apply() {
    setBusy(true);
    setError(null);
    try {
      const offered = closeLeft && plan?.left_account?.closable === true;
      const result = await api.switchProjectBilling(
        project.id,
        { ...billingBody(choice), ...(offered ? { close_left_account: true } : {}) },
        false,
      );
      onSwitched(result);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Change billing for ${project.name}`} open={open} onClose={onClose}>
      <form onSubmit={review} aria-label="Change billing">
        <p className="muted">
          Currently billed to <strong>{project.billing.billing_account.name}</strong> (
          {project.billing.inherited ? "inherited" : "separate"}).
        </p>
        <BillingChoice
          organizationId={project.organization_id}
          organizationName={organizationName}
          value={choice}
          onChange={change}
          legend="Bill this project to"
        />
        {!plan ? (
          <div className="form-actions">
            <button type="submit" className="button-primary" disabled={busy}>
              {busy ? "Checking…" : "Review change"}
            </button>
            <button type="button" className="button-secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        ) : null}
      </form>
      {busy && !plan ? <Loading what="Working out what moves" /> : null}
      {plan ? (
        <section className="switch-plan" aria-label="What moves" data-testid="switch-plan">
          <h3>What moves</h3>
          <p>
            From <strong>{plan.effective_at ? formatDateTime(plan.effective_at) : "now"}</strong>,{" "}
            {plan.moved.resources === 0
              ? "no resources move (none is billed to another account now); new resources"
              : countOf(plan.moved.resources, "resource")}{" "}
            will be billed to <strong>{plan.billing_account.name}</strong> instead of{" "}
            <strong>{plan.from.name}</strong>. Charges up to that moment stay on {plan.from.name}.
          </p>
          {plan.left_account?.closable ? (
            <label className="choice" data-testid="close-left-offer">
              <input
                type="checkbox"
                name="close-left-account"
                checked={closeLeft}
                onChange={(e) => setCloseLeft(e.target.checked)}
              />
              <span>
                Also close <strong>{plan.left_account.name}</strong>: nothing will bill it after
                this switch. Its past charges and invoices stay; billing a project to it again
                reopens it.
              </span>
            </label>
          ) : null}
          <div className="form-actions">
            <button type="button" className="button-primary" onClick={apply} disabled={busy}>
              {busy ? "Switching…" : "Switch billing"}
            </button>
            <button type="button" className="button-secondary" onClick={() => setPlan(null)}>
              Back
            </button>
          </div>
        </section>
      ) : null}
      <ErrorNotice error={error} title="Billing was not changed." />
    </Dialog>
  );
}
