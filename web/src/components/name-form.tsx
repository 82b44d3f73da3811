/**
 * The one form that renames something: a name field checked by the API's own rule before it is
 * sent (`nameProblem`, shared with the server), the server's field error under the input, any
 * other error below. Used inline (a billing account's card) and inside the rename dialog.
 */
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { NAME_MAX_LENGTH, nameProblem } from "../../../src/domain/names.js";
import type { ApiError } from "../api";
import { ErrorNotice, Field, humanMessage } from "./ui";

export function NameForm({
  formLabel,
  label,
  hint,
  inputName,
  initial,
  className,
  compact = false,
  onSave,
  onSaved,
  onCancel,
}: {
  /** The form's accessible name, e.g. "Rename project". */
  formLabel: string;
  label: string;
  hint?: ReactNode;
  inputName: string;
  initial: string;
  className?: string;
  /** Small buttons, for a form inside a card. */
  compact?: boolean;
  /** Sends the trimmed name; a rejection shows in the form. */
  onSave(name: string): Promise<unknown>;
  onSaved(name: string): void;
  onCancel(): void;
}) {
  const [name, setName] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    const local = nameProblem(trimmed);
    setProblem(local ? `The name ${local}.` : null);
    if (local) return;
    setBusy(true);
    setError(null);
    try {
      await onSave(trimmed);
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
      return;
    }
    onSaved(trimmed);
  }
  const size = compact ? " button-small" : "";
  return (
    <form
      className={className}
      onSubmit={submit}
      aria-label={formLabel}
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel();
      }}
    >
      <Field
        label={label}
        hint={hint}
        error={problem ?? (error?.field === "name" ? humanMessage(error) : undefined)}
      >
        {(p) => (
          <input
            {...p}
            ref={input}
            name={inputName}
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
        <button type="submit" className={`button-primary${size}`} disabled={busy}>
          {busy ? "Saving…" : "Save name"}
        </button>
        <button type="button" className={`button-secondary${size}`} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
