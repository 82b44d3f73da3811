import type { ReactNode } from "react";
import { NAME_MAX_LENGTH } from "../../../src/domain/names.js";
import { Field } from "./ui";

/**
 * An organization's name, asked where one is made: on its own page, or with someone's first
 * project (a project of its own, or one made in the resource wizard) rather than chosen for
 * them. `locked` once that organization exists, so that retrying a failed project does not make
 * a second one.
 */
export function OrganizationNameField(props: {
  value: string;
  onChange: (name: string) => void;
  hint: ReactNode;
  locked?: boolean;
  error?: string | undefined;
}) {
  return (
    <Field label="Organization name" hint={props.hint} error={props.error}>
      {(p) => (
        <input
          {...p}
          name="organization-name"
          required
          maxLength={NAME_MAX_LENGTH}
          disabled={props.locked ?? false}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** Which of the caller's organizations a new project goes into. */
export function OrganizationSelect(props: {
  organizations: { id: string; name: string }[];
  value: string;
  onChange: (id: string) => void;
  error?: string | undefined;
}) {
  return (
    <Field label="Organization" error={props.error}>
      {(p) => (
        <select
          {...p}
          name="organization"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        >
          {props.organizations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
