-- Stripe mode: a ledger adjustment line (late usage or a void in an invoiced month, migration 018)
-- is carried to Stripe as one invoice item on the customer, which Stripe puts on the customer's
-- next invoice (src/providers/stripe/stripe-adjustment-items.ts). A row is written once Stripe has
-- answered; a pass that crashed before writing it creates the item again under the same
-- idempotency key (ledger invoice id + line number), which Stripe answers with the first item.
CREATE TABLE ktrlplane.stripe_adjustment_items (
  invoice_id             text NOT NULL,
  line_no                integer NOT NULL,
  billing_account_id     text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  stripe_invoice_item_id text NOT NULL,
  customer_id            text NOT NULL,
  -- What was sent, in Stripe's unit for the currency.
  stripe_amount          bigint NOT NULL,
  currency               text NOT NULL,
  sent_at                timestamptz NOT NULL,
  PRIMARY KEY (invoice_id, line_no),
  FOREIGN KEY (invoice_id, line_no) REFERENCES ktrlplane.invoice_lines(invoice_id, line_no)
);
