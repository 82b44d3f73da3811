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

/** Zod's stock phrases, rewritten as the end of a sentence that starts with the field's name. */
const phrases: [RegExp, (m: RegExpMatchArray) => string][] = [
  [
    /^Too big: expected string to have <=\s*(\d+) characters?$/i,
    (m) => `must be at most ${m[1]} characters`,
  ],
  [/^Too small: expected string to have >=\s*1 characters?$/i, () => "cannot be empty"],
  [
    /^Too small: expected string to have >=\s*(\d+) characters?$/i,
    (m) => `must be at least ${m[1]} characters`,
  ],
  [/^Invalid input: expected string, received undefined$/i, () => "is required"],
  [/^Invalid email address$/i, () => "is not a valid email address"],
];

/** The name a person knows a field by ("Project name"), or null for a field we have no word for. */
export function fieldLabel(field: string | undefined): string | null {
  if (!field) return null;
  return fieldNames[field] ?? null;
}

/**
 * An API error's message written for people: the technical field path ("project.name: ") is
 * dropped, Zod's phrases become words, and the field is named once, in words.
 */
export function humanMessage(error: ApiError | Error | null | undefined): string {
  if (!error) return "";
  let message = (error.message || "Something went wrong.").trim();
  const field = "field" in error ? (error as ApiError).field : undefined;
  if (field && message.startsWith(`${field}: `)) message = message.slice(field.length + 2);
  const label = fieldLabel(field);
  for (const [pattern, words] of phrases) {
    const m = message.match(pattern);
    if (m) return `${label ?? "This value"} ${words(m)}.`;
  }
  const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
  const capital = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  if (label && !capital.toLowerCase().includes(label.toLowerCase())) return `${label}: ${capital}`;
  return capital;
}

/** An API error shown where it happened, in words — never raw JSON; Retry when it can help. */
export function ErrorNotice({
  error,
  title,
  onRetry,
}: {
  error: ApiError | Error | null;
  title?: string;
  onRetry?: (() => void) | undefined;
}) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      <span>{humanMessage(error)}</span>
      {onRetry ? (
        <>
          {" "}
          <button type="button" className="button-secondary button-small" onClick={onRetry}>
            Retry
          </button>
        </>
      ) : null}
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
        // biome-ignore lint/suspicious/noArrayIndexKey: a breadcrumb trail is fixed per page
        <span key={i}>
          {i > 0 ? <span aria-hidden="true"> / </span> : null}
          {item.to ? (
            <Link to={item.to} title={item.label}>
              {item.label}
            </Link>
          ) : (
            <span title={item.label}>{item.label}</span>
          )}
        </span>
      ))}
    </nav>
  );
}

/** A page whose main object could not be loaded: where the user is, and why, in words. */
export function PageLoadFailed({
  label,
  error,
  title,
  onRetry,
}: {
  label: string;
  error: ApiError | Error | null;
  title: string;
  onRetry?: () => void;
}) {
  return (
    <div>
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label }]} />
      <h1 className="visually-hidden" tabIndex={-1}>
        {label}
      </h1>
      <ErrorNotice error={error} title={title} onRetry={onRetry} />
    </div>
  );
}

/** A table that scrolls sideways inside itself on a narrow screen instead of widening the page. */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/** A modal dialog on the native <dialog> element: focus trap and Escape for free; focus goes
 * into the dialog on open and back to the control that opened it on close. */
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
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      const active = document.activeElement;
      opener.current = active instanceof HTMLElement ? active : null;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      // The first field if there is one; otherwise the title, never a destructive button.
      const first = dialog.querySelector<HTMLElement>(
        ".dialog-body input, .dialog-body select, .dialog-body textarea",
      );
      (first ?? dialog.querySelector<HTMLElement>("h2"))?.focus();
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
    if (!open && opener.current) {
      const back = opener.current;
      opener.current = null;
      if (back.isConnected) back.focus();
    }
  }, [open]);
  // Unmounted while open (the page that owns it went away): give focus back all the same.
  useEffect(
    () => () => {
      const back = opener.current;
      if (back?.isConnected) back.focus();
    },
    [],
  );
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
            <h2 id={titleId} tabIndex={-1}>
              {title}
            </h2>
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

/** Under a list loaded by pages: fetches the next one while the server holds more. */
export function ShowMore({
  list,
  what,
}: {
  list: { more: boolean; loadingMore: boolean; loadMore(): void };
  what: string;
}) {
  if (!list.more) return null;
  return (
    <p>
      <button
        type="button"
        className="button button-secondary"
        onClick={list.loadMore}
        disabled={list.loadingMore}
      >
        {list.loadingMore ? `Loading more ${what}…` : `Show more ${what}`}
      </button>
    </p>
  );
}
