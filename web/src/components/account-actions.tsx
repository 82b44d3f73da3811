/**
 * Managing a billing account from its card: rename it in place, make it the organization's
 * primary (after seeing how many projects and resources change payer), and close it once nothing
 * bills it.
 */
import { useEffect, useState } from "react";
import { type ApiError, api, type BillingAccount, type PrimaryChange } from "../api";
import { formatDateTime } from "../money";
import { useApi } from "../use-api";
import { countOf } from "../words";
import { ConfirmDialog } from "./confirm-dialog";
import { NameForm } from "./name-form";
import { ErrorNotice, Loading } from "./ui";

/** Why the account cannot be closed now, in words; null when nothing bills it. */
export function closeBlocker(account: BillingAccount): string | null {
  if (account.primary) {
    return "It is the organization's primary account: make another account primary first.";
  }
  const projects = account.projects.map((p) => `“${p.name}”`);
  if (projects.length > 0) {
    const which = projects.length === 1 ? "project" : `${projects.length} projects`;
    return `It still pays for ${which} ${projects.join(", ")}: switch ${
      projects.length === 1 ? "it" : "them"
    } to another account first.`;
  }
  if (account.items.length > 0) return "Resources are still billed to it.";
  return null;
}

/** The account's name as an inline form, in place of the name on its card. */
export function AccountNameForm({
  account,
  onDone,
}: {
  account: BillingAccount;
  onDone(renamed: boolean): void;
}) {
  return (
    <NameForm
      formLabel={`Rename ${account.name}`}
      label="Account name"
      inputName="account-name"
      initial={account.name}
      className="inline-rename"
      compact
      onSave={(name) => api.renameAccount(account.id, name)}
      onSaved={() => onDone(true)}
      onCancel={() => onDone(false)}
    />
  );
}

/**
 * Billed through Stripe, the card is changed and Stripe's invoices are read in Stripe's customer
 * portal: a session is asked for on click (its URL is short-lived), then the browser goes there.
 * The sync state says which provider bills the account; under the local ledger there is no portal.
 */
function StripePortalButton({ account }: { account: BillingAccount }) {
  const sync = useApi(() => api.accountSync(account.id), [account.id]);
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // Before set-up Stripe holds no customer for the account: the set-up link stands instead.
  if (sync.data?.provider !== "stripe" || account.status === "setup_required") return null;
  async function open() {
    setOpening(true);
    setError(null);
    try {
      const { url } = await api.portalSession(account.id);
      window.location.assign(url);
    } catch (e) {
      setError(e as ApiError);
      setOpening(false);
    }
  }
  return (
    <>
      <button
        type="button"
        className="button-secondary button-small"
        onClick={open}
        disabled={opening}
      >
        {opening ? "Opening Stripe…" : "Manage card and invoices in Stripe"}
      </button>
      <ErrorNotice error={error} title="Stripe's customer portal could not be opened." />
    </>
  );
}

/** "Make primary…", "Close account…" and why closing is not possible yet. */
export function AccountActions({
  account,
  onRename,
  onChanged,
}: {
  account: BillingAccount;
  onRename(): void;
  /** After a change other cards may show: the primary moved, or this account closed. */
  onChanged(): void;
}) {
  const [promoting, setPromoting] = useState(false);
  const [closing, setClosing] = useState(false);
  const blocker = account.closed_at === null ? closeBlocker(account) : null;
  const reasonId = `close-reason-${account.id}`;
  return (
    <div className="account-actions">
      <button type="button" className="button-secondary button-small" onClick={onRename}>
        Rename
      </button>
      <StripePortalButton account={account} />
      {account.scope === "organization" && !account.primary ? (
        <button
          type="button"
          className="button-secondary button-small"
          onClick={() => setPromoting(true)}
        >
          Make primary…
        </button>
      ) : null}
      {account.closed_at === null ? (
        <>
          <button
            type="button"
            className="button-secondary button-small"
            disabled={blocker !== null}
            aria-describedby={blocker ? reasonId : undefined}
            onClick={() => setClosing(true)}
          >
            Close account…
          </button>
          {blocker ? (
            <p className="small muted account-actions-reason" id={reasonId}>
              Cannot be closed yet. {blocker}
            </p>
          ) : null}
        </>
      ) : null}
      {promoting ? (
        <MakePrimaryDialog
          account={account}
          onClose={() => setPromoting(false)}
          onDone={() => {
            setPromoting(false);
            onChanged();
          }}
        />
      ) : null}
      {closing ? (
        <CloseAccountDialog
          account={account}
          onClose={() => setClosing(false)}
          onDone={() => {
            setClosing(false);
            onChanged();
          }}
        />
      ) : null}
    </div>
  );
}

/** What making the account the primary moves, in words: the answer's counts. */
export function primaryMoves(moved: PrimaryChange["moved"]): string {
  if (moved.projects === 0) {
    return "No project inherits its billing now: only new ones will be billed to it.";
  }
  if (moved.resources === 0) {
    const none = moved.projects === 1 ? "it has no resources" : "none has resources";
    return `${countOf(moved.projects, "project")} will change payer; ${none} yet.`;
  }
  return `${countOf(moved.resources, "resource")} in ${countOf(moved.projects, "project")} will move.`;
}

function MakePrimaryDialog({
  account,
  onClose,
  onDone,
}: {
  account: BillingAccount;
  onClose(): void;
  onDone(): void;
}) {
  const [plan, setPlan] = useState<PrimaryChange | null>(null);
  const [planError, setPlanError] = useState<ApiError | null>(null);
  useEffect(() => {
    api.makePrimary(account.id, true).then(setPlan, (e: ApiError) => setPlanError(e));
  }, [account]);
  const from = plan?.from.name;
  return (
    <ConfirmDialog
      title={`Make “${account.name}” the primary account?`}
      onClose={onClose}
      onConfirm={async () => {
        await api.makePrimary(account.id, false);
        onDone();
      }}
      confirmLabel={`Make ${account.name} primary`}
      busyLabel="Changing…"
      failedTitle="The primary account was not changed."
      ready={plan !== null}
    >
      {!plan && !planError ? <Loading what="Working out what changes payer" /> : null}
      <ErrorNotice error={planError} title="The primary account was not changed." />
      {plan ? (
        <section data-testid="primary-plan" aria-label="What changes">
          <p>
            The primary account pays for every project that inherits its billing. From{" "}
            <strong>{formatDateTime(plan.effective_at)}</strong>, they are billed to{" "}
            <strong>{account.name}</strong> instead of <strong>{from}</strong>; charges up to then
            stay on {from}.
          </p>
          <p data-testid="primary-plan-moves">{primaryMoves(plan.moved)}</p>
          {plan.reopened ? (
            <p>“{account.name}” is closed: making it the primary reopens it.</p>
          ) : null}
          {plan.left_account?.closable ? (
            <p className="muted">
              Nothing will bill “{plan.left_account.name}” afterwards: you can close it then.
            </p>
          ) : null}
        </section>
      ) : null}
    </ConfirmDialog>
  );
}

function CloseAccountDialog({
  account,
  onClose,
  onDone,
}: {
  account: BillingAccount;
  onClose(): void;
  onDone(): void;
}) {
  return (
    <ConfirmDialog
      title={`Close “${account.name}”?`}
      onClose={onClose}
      onConfirm={async () => {
        await api.closeAccount(account.id);
        onDone();
      }}
      confirmLabel="Close account"
      busyLabel="Closing…"
      tone="danger"
      failedTitle="The account was not closed."
    >
      <p>
        Nothing bills this account now. Closed, it takes no new charges; its past charges and
        invoices stay readable, and billing a project to it again reopens it. Billed through Stripe,
        its subscription ends with a final invoice and the customer is kept.
      </p>
    </ConfirmDialog>
  );
}
