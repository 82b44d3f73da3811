/**
 * The one confirmation dialog: what will happen (children), then a confirm button and Cancel.
 * Nothing happens before the confirmation; while it runs the button says so, and a failure shows
 * in the dialog, which stays open so the person can retry or cancel.
 */
import { type ReactNode, useEffect, useState } from "react";
import type { ApiError } from "../api";
import { Dialog, ErrorNotice } from "./ui";

export function ConfirmDialog({
  title,
  open = true,
  onClose,
  onConfirm,
  confirmLabel,
  busyLabel,
  tone = "primary",
  failedTitle,
  ready = true,
  children,
}: {
  title: string;
  open?: boolean;
  onClose(): void;
  /** What confirming does; the caller closes the dialog once it resolves. */
  onConfirm(): Promise<unknown>;
  confirmLabel: string;
  /** The button's label while onConfirm runs, e.g. "Closing…". */
  busyLabel?: string;
  /** "danger" for what cannot be undone from here. */
  tone?: "primary" | "danger";
  /** The title of the notice a failure shows, e.g. "The account was not closed." */
  failedTitle: string;
  /** False while what is being confirmed is still worked out: no confirm button yet. */
  ready?: boolean;
  children: ReactNode;
}) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Opened again, the dialog starts over.
  useEffect(() => {
    if (open) {
      setError(null);
      setBusy(false);
    }
  }, [open]);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  }
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      {children}
      <ErrorNotice error={error} title={failedTitle} />
      {ready ? (
        <div className="form-actions">
          <button
            type="button"
            className={tone === "danger" ? "button-danger" : "button-primary"}
            onClick={confirm}
            disabled={busy}
          >
            {busy && busyLabel ? busyLabel : confirmLabel}
          </button>
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      ) : null}
    </Dialog>
  );
}
