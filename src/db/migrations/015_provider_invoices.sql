-- The provider's own invoices (Stripe's), recorded next to the ledger's finalized ones. Stripe
-- bills licensed prices in advance: the invoice that renews a subscription at a month's end
-- carries that month's prorations and the next month's charge. So a Stripe line belongs to the
-- month its service period lies in, and a ledger invoice is compared with the Stripe lines of
-- its month, whichever Stripe invoices hold them. Only finalized invoices are recorded (a draft
-- has no number and its lines may still change); the status follows Stripe (open → paid, void).

CREATE TABLE ktrlplane.provider_invoices (
  provider_invoice_id text PRIMARY KEY,
  billing_account_id  text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  number              text,
  status              text NOT NULL,
  hosted_invoice_url  text,
  invoice_pdf         text,
  currency            text NOT NULL,
  -- ISO minor units (Stripe's own units converted, see domain/money.ts).
  total               bigint NOT NULL,
  -- Stripe's invoice period: for a renewal, the period that closed.
  period_start        timestamptz NOT NULL,
  period_end          timestamptz NOT NULL,
  billing_reason      text,
  finalized_at        timestamptz,
  recorded_at         timestamptz NOT NULL
);

CREATE INDEX provider_invoices_account ON ktrlplane.provider_invoices (billing_account_id, period_end);

-- A finalized invoice's lines never change: written once, with the catalog price (and version)
-- each Stripe price stands for; null when the line's price is not one of ours.
CREATE TABLE ktrlplane.provider_invoice_lines (
  provider_invoice_id text NOT NULL REFERENCES ktrlplane.provider_invoices(provider_invoice_id),
  line_id             text NOT NULL,
  resource_type       text,
  sku                 text,
  price_version       integer,
  service_start       timestamptz NOT NULL,
  service_end         timestamptz NOT NULL,
  amount              bigint NOT NULL,
  proration           boolean NOT NULL,
  PRIMARY KEY (provider_invoice_id, line_id)
);

CREATE INDEX provider_invoice_lines_service ON ktrlplane.provider_invoice_lines (service_start);
