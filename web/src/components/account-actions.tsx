/**
 * Managing a billing account from its card: rename it in place, make it the organization's
 * primary (after seeing which projects change payer), and close it once nothing bills it.
 */
import { type FormEvent, useEffect, useRef, useState } from "react";
import { NAME_MAX_LENGTH } from "../../../src/domain/names.js";
import { type ApiError, allPages, api, type BillingAccount, type PrimaryChange } from "../api";
import { formatDateTime } from "../money";
import { useApi } from "../use-api";
import { Dialog, ErrorNotice, Field, humanMessage, Loading } from "./ui";

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

/**
 * The account's name as an inline form. The server's rule is the only one applied: its problem
 * names the field, and the message shows under the input.
 */
export function AccountNameForm({
  account,
  onDone,
}: {
  account: BillingAccount;
  onDone(renamed: boolean): void;
}) {
  const [name, setName] = useState(account.name);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.renameAccount(account.id, name);
      onDone(true);
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  }
  return (
    <form
      className="inline-rename"
      onSubmit={save}
      aria-label={`Rename ${account.name}`}
      onKeyDown={(e) => {
        if (e.key === "Escape") onDone(false);
      }}
    >
      <Field label="Account name" error={error?.field === "name" ? humanMessage(error) : undefined}>
        {(p) => (
          <input
            {...p}
            ref={input}
            name="account-name"
            maxLength={NAME_MAX_LENGTH}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      {error && error.field !== "name" ? (
        <ErrorNotice error={error} title="The name was not changed." />
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button-primary button-small" disabled={busy}>
          {busy ? "Saving…" : "Save name"}
        </button>
        <button
          type="button"
          className="button-secondary button-small"
          onClick={() => onDone(false)}
        >
          Cancel
        </button>
      </div>
    </form>
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

interface PrimaryPlan {
  change: PrimaryChange;
  /** The projects that inherit their billing, each with how many of its resources move. */
  projects: { id: string; name: string; moving: number }[];
  complete: boolean;
}

async function planPrimary(account: BillingAccount): Promise<PrimaryPlan> {
  const [change, listed] = await Promise.all([
    api.makePrimary(account.id, true),
    allPages((cursor) => api.organizationProjects(account.organization_id, cursor)),
  ]);
  const moving = new Map<string, number>();
  for (const m of change.moved) moving.set(m.project_id, (moving.get(m.project_id) ?? 0) + 1);
  const projects = listed.items
    .filter((p) => p.billing.inherited)
    .map((p) => ({ id: p.id, name: p.name, moving: moving.get(p.id) ?? 0 }));
  return { change, projects, complete: listed.complete };
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
  const [plan, setPlan] = useState<PrimaryPlan | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    planPrimary(account).then(setPlan, (e: ApiError) => setError(e));
  }, [account]);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await api.makePrimary(account.id, false);
      onDone();
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  }
  const from = plan?.change.from.name;
  return (
    <Dialog title={`Make “${account.name}” the primary account?`} open onClose={onClose}>
      {!plan && !error ? <Loading what="Working out which projects change payer" /> : null}
      {plan ? (
        <section data-testid="primary-plan" aria-label="What changes">
          <p>
            The primary account pays for every project that inherits its billing. From{" "}
            <strong>{formatDateTime(plan.change.effective_at)}</strong>, they are billed to{" "}
            <strong>{account.name}</strong> instead of <strong>{from}</strong>; charges up to then
            stay on {from}.
          </p>
          {plan.projects.length > 0 ? (
            <>
              <p>These projects change payer:</p>
              <ul data-testid="primary-plan-projects">
                {plan.projects.map((p) => (
                  <li key={p.id}>
                    {p.name}{" "}
                    <span className="muted">
                      (
                      {p.moving === 0
                        ? "no resources yet"
                        : `${p.moving} resource${p.moving === 1 ? " moves" : "s move"}`}
                      )
                    </span>
                  </li>
                ))}
              </ul>
              {plan.complete ? null : (
                <p className="muted small">More projects than are listed here inherit too.</p>
              )}
            </>
          ) : (
            <p>No project inherits its billing now: only new ones will be billed to it.</p>
          )}
          {plan.change.reopened ? (
            <p>“{account.name}” is closed: making it the primary reopens it.</p>
          ) : null}
          {plan.change.left_account?.closable ? (
            <p className="muted">
              Nothing will bill “{plan.change.left_account.name}” afterwards: you can close it then.
            </p>
          ) : null}
          <div className="form-actions">
            <button type="button" className="button-primary" onClick={confirm} disabled={busy}>
              {busy ? "Changing…" : `Make ${account.name} primary`}
            </button>
            <button type="button" className="button-secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </section>
      ) : null}
      <ErrorNotice error={error} title="The primary account was not changed." />
    </Dialog>
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
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await api.closeAccount(account.id);
      onDone();
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  }
  return (
    <Dialog title={`Close “${account.name}”?`} open onClose={onClose}>
      <p>
        Nothing bills this account now. Closed, it takes no new charges; its past charges and
        invoices stay readable, and billing a project to it again reopens it. Billed through Stripe,
        its subscription ends with a final invoice and the customer is kept.
      </p>
      <ErrorNotice error={error} title="The account was not closed." />
      <div className="form-actions">
        <button type="button" className="button-danger" onClick={confirm} disabled={busy}>
          {busy ? "Closing…" : "Close account"}
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
