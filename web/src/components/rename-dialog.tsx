/** "Rename…" — a button that opens a dialog with the name form; focus returns to the button. */
import { useRef, useState } from "react";
import { NAME_MAX_LENGTH } from "../../../src/domain/names.js";
import "../team.css";
import { NameForm } from "./name-form";
import { Dialog } from "./ui";

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

  function close() {
    setOpen(false);
    // The native dialog gives focus back too; this covers the jsdom fallback and re-renders.
    setTimeout(() => opener.current?.focus(), 0);
  }
  return (
    <>
      <button ref={opener} type="button" className="button-secondary" onClick={() => setOpen(true)}>
        Rename {what}…
      </button>
      <Dialog title={`Rename ${what}`} open={open} onClose={close}>
        <NameForm
          formLabel={`Rename ${what}`}
          label="New name"
          hint={`Up to ${NAME_MAX_LENGTH} characters. The id, billing and history stay the same.`}
          inputName="rename"
          initial={current}
          className="team-form"
          onSave={onRename}
          onSaved={(name) => {
            close();
            onRenamed(name);
          }}
          onCancel={close}
        />
      </Dialog>
    </>
  );
}
