/** The "Billing" section of project creation: inherit (default) or separate (new / existing). */
import { useId } from "react";
import { allPages, api, type BillingMode } from "../api";
import { useApi } from "../use-api";
import { ErrorNotice, StatusBadge } from "./ui";

export type BillingChoiceValue =
  | { mode: "inherit" }
  | { mode: "separate"; account: "new" }
  | { mode: "separate"; account: string };

export function billingBody(choice: BillingChoiceValue): {
  mode: BillingMode;
  billing_account_id?: string;
} {
  if (choice.mode === "inherit") return { mode: "inherit" };
  return choice.account === "new"
    ? { mode: "separate" }
    : { mode: "separate", billing_account_id: choice.account };
}

export function BillingChoice({
  organizationId,
  organizationName,
  value,
  onChange,
  legend = "Billing",
}: {
  organizationId: string | undefined;
  organizationName: string | undefined;
  value: BillingChoiceValue;
  onChange(value: BillingChoiceValue): void;
  legend?: string;
}) {
  const name = useId();
  const accounts = useApi(
    async () =>
      organizationId
        ? (await allPages((cursor) => api.organizationAccounts(organizationId, cursor))).items
        : [],
    [organizationId],
  );
  const organization = useApi(
    async () => (organizationId ? api.organization(organizationId) : undefined),
    [organizationId],
  );
  // The primary account is what "inherit" pays with; offer the organization's other accounts.
  const primaryId = organization.data?.primary_billing_account_id;
  const orgAccounts = (accounts.data ?? []).filter(
    (a) => a.scope !== "project" && a.id !== primaryId,
  );
  const orgLabel = organizationName ? `“${organizationName}”` : "your new organization";

  return (
    <fieldset className="billing-choice">
      <legend>{legend}</legend>
      <label className={`choice ${value.mode === "inherit" ? "choice-selected" : ""}`}>
        <input
          type="radio"
          name={name}
          value="inherit"
          checked={value.mode === "inherit"}
          onChange={() => onChange({ mode: "inherit" })}
        />
        <span>
          <span className="choice-title">
            Inherit from organization <span className="pill">Recommended</span>
          </span>
          <span className="choice-text">
            Charges go to the billing account of {orgLabel}. One invoice for everything; you can
            still see this project's costs on their own.
          </span>
        </span>
      </label>
      <label className={`choice ${value.mode === "separate" ? "choice-selected" : ""}`}>
        <input
          type="radio"
          name={name}
          value="separate"
          checked={value.mode === "separate"}
          onChange={() => onChange({ mode: "separate", account: "new" })}
        />
        <span>
          <span className="choice-title">Separate billing</span>
          <span className="choice-text">
            This project is invoiced on its own — for a client, a department or a cost center.
          </span>
        </span>
      </label>
      {value.mode === "separate" ? (
        <div className="choice-nested">
          <label
            className={`choice choice-small ${value.account === "new" ? "choice-selected" : ""}`}
          >
            <input
              type="radio"
              name={`${name}-account`}
              value="new"
              checked={value.account === "new"}
              onChange={() => onChange({ mode: "separate", account: "new" })}
            />
            <span>
              <span className="choice-title">A new billing account for this project</span>
              <span className="choice-text">You will set up its payment right after creation.</span>
            </span>
          </label>
          {orgAccounts.map((account) => (
            <label
              key={account.id}
              className={`choice choice-small ${value.account === account.id ? "choice-selected" : ""}`}
            >
              <input
                type="radio"
                name={`${name}-account`}
                value={account.id}
                checked={value.account === account.id}
                onChange={() => onChange({ mode: "separate", account: account.id })}
              />
              <span>
                <span className="choice-title">
                  Existing account: {account.name} <StatusBadge status={account.status} />
                </span>
                <span className="choice-text">
                  An account of the organization, in {account.currency.toUpperCase()}.
                </span>
              </span>
            </label>
          ))}
          {accounts.error ? (
            <ErrorNotice
              error={accounts.error}
              title="The organization's existing accounts could not be listed."
              onRetry={accounts.reload}
            />
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}
