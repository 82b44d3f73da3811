/** "Rename…" — a button that opens a dialog with the name field; focus returns to the button. */
import { type FormEvent, useEffect, useRef, useState } from "react";
import { NAME_MAX_LENGTH, nameProblem } from "../../../src/domain/names.js";
import type { ApiError } from "../api";
import "../team.css";
import { Dialog, ErrorNotice, Field } from "./ui";

export function RenameButton({
  what,
  current,
  onRename,
  onRenamed,
}: {
  /** "project", "resource", "organization" */
  what: string;
  current: string;
  onRename(name: string): Promise<unknown>;
  onRenamed(name: string): void;
}) {
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(current);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // After the dialog's own effect has opened it (children's effects run first): the name field,
  // not the close button, takes the focus.
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  function close() {
    setOpen(false);
    // The native dialog gives focus back too; this covers the jsdom fallback and re-renders.
    setTimeout(() => opener.current?.focus(), 0);
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    const local = nameProblem(trimmed);
    setProblem(local ? `The name ${local}.` : null);
    if (local) return;
    setBusy(true);
    setError(null);
    try {
      await onRename(trimmed);
      close();
      onRenamed(trimmed);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button
        ref={opener}
        type="button"
        className="button-secondary"
        onClick={() => {
          setName(current);
          setProblem(null);
          setError(null);
          setOpen(true);
        }}
      >
        Rename {what}…
      </button>
      <Dialog title={`Rename ${what}`} open={open} onClose={close}>
        <form onSubmit={submit} aria-label={`Rename ${what}`} className="team-form">
          <Field
            label="New name"
            hint={`Up to ${NAME_MAX_LENGTH} characters. The id, billing and history stay the same.`}
            error={problem ?? (error?.field === "name" ? error.message : undefined)}
          >
            {(p) => (
              <input
                {...p}
                name="rename"
                ref={input}
                required
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
            <button type="submit" className="button-primary" disabled={busy}>
              {busy ? "Saving…" : "Save name"}
            </button>
            <button type="button" className="button-secondary" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
