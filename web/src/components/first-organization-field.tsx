import type { ReactNode } from "react";
import { NAME_MAX_LENGTH } from "../../../src/domain/names.js";
import { Field } from "./ui";

/**
 * The name of someone's first organization, asked where their first project is made (a project
 * of its own, or one made in the resource wizard) rather than chosen for them. Locked once the
 * organization exists, so that a retry after a failed project does not make a second one.
 */
export function FirstOrganizationField(props: {
  value: string;
  onChange: (name: string) => void;
  locked: boolean;
  hint: ReactNode;
}) {
  return (
    <Field label="Organization name" hint={props.hint}>
      {(p) => (
        <input
          {...p}
          name="organization-name"
          required
          maxLength={NAME_MAX_LENGTH}
          disabled={props.locked}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
