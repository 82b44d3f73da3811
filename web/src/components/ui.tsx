/** Small building blocks shared by the pages. */
import { type ReactNode, useEffect, useId, useRef } from "react";
import type { AccountStatus, ApiError, ProjectBillingRef } from "../api";
import { formatMoney } from "../money";
import { Link } from "../router";

const fieldNames: Record<string, string> = {
  organization_id: "Organization",
  name: "Name",
  email: "Email",
  password: "Password",
  billing_account_id: "Billing account",
  "billing.billing_account_id": "Billing account",
  "billing.mode": "Billing",
  resource_type: "Resource type",
  sku: "SKU",
  project_id: "Project",
  "project.name": "Project name",
};

/** An API error shown where it happened, in words — never raw JSON. */
export function ErrorNotice({ error, title }: { error: ApiError | Error | null; title?: string }) {
  if (!error) return null;
  const field = "field" in error ? (error as ApiError).field : undefined;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      <span>{error.message || "Something went wrong."}</span>
      {field ? <span className="notice-field"> (field: {fieldNames[field] ?? field})</span> : null}
    </div>
  );
}

export function Notice({
  kind = "info",
  children,
}: {
  kind?: "info" | "success" | "warning";
  children: ReactNode;
}) {
  return (
    <div className={`notice notice-${kind}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="loading" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

/** A labelled form field; the error for that field (if any) is tied to the control. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (props: {
    id: string;
    "aria-describedby"?: string;
    "aria-invalid"?: boolean;
  }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        ...(error ? { "aria-invalid": true } : {}),
      })}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** "Billed to: <account> (inherited|separate)" */
export function BillingBadge({ billing }: { billing: ProjectBillingRef | undefined }) {
  if (!billing) return null;
  const inherited = billing.inherited ?? billing.mode === "inherit";
  const name = billing.billing_account?.name ?? "unknown account";
  return (
    <span
      className={`badge ${inherited ? "badge-inherited" : "badge-separate"}`}
      data-testid="billing-badge"
    >
      Billed to: {name} ({inherited ? "inherited" : "separate"})
    </span>
  );
}

const statusWords: Record<AccountStatus, string> = {
  active: "Active",
  setup_required: "Set-up required",
  past_due: "Past due",
  unpaid: "Unpaid",
  canceled: "Canceled",
};
export function StatusBadge({ status }: { status: AccountStatus | undefined }) {
  if (!status) return null;
  const tone = status === "active" ? "ok" : status === "setup_required" ? "warn" : "bad";
  return (
    <span className={`status status-${tone}`} data-testid="account-status">
      {statusWords[status] ?? status}
    </span>
  );
}

export function Money({ amount, currency }: { amount: number; currency: string }) {
  return <span className="money">{formatMoney(amount, currency)}</span>;
}

export function PageHeader({
  title,
  eyebrow,
  actions,
  children,
}: {
  title: ReactNode;
  eyebrow?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        {eyebrow ? <div className="eyebrow">{eyebrow}</div> : null}
        <h1>{title}</h1>
        {children}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Breadcrumbs({ items }: { items: { label: string; to?: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      {items.map((item, i) => (
        <span key={item.label}>
          {i > 0 ? <span aria-hidden="true"> / </span> : null}
          {item.to ? <Link to={item.to}>{item.label}</Link> : <span>{item.label}</span>}
        </span>
      ))}
    </nav>
  );
}

/** A modal dialog on the native <dialog> element: focus trap and Escape for free. */
/** A page whose main object could not be loaded: where the user is, and why, in words. */
export function PageLoadFailed({
  label,
  error,
  title,
}: {
  label: string;
  error: ApiError | Error | null;
  title: string;
}) {
  return (
    <div>
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label }]} />
      <ErrorNotice error={error} title={title} />
    </div>
  );
}

export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <div className="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="button-ghost" onClick={onClose} aria-label="Close">
              ×
            </button>
          </div>
          <div className="dialog-body">{children}</div>
        </>
      ) : null}
    </dialog>
  );
}
