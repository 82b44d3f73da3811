-- Late usage: an event (or a void) dated in a period whose invoice may already be final is billed
-- on the account's next invoice as an adjustment line for that period. Closed invoices never change.

-- Which (account, period) to re-check at the account's next finalization, written by ingestion and
-- voids in the transaction of the events themselves, so finalization never scans history to find
-- them. A mark is consumed (never deleted) by the finalization that re-checked its period; a later
-- late event for the same period opens a new pending mark (the unique index covers pending ones).
CREATE TABLE ktrlplane.late_usage_marks (
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  period_start       timestamptz NOT NULL,
  first_marked_at    timestamptz NOT NULL,
  last_marked_at     timestamptz NOT NULL,
  consumed_at        timestamptz,
  -- The invoice that carried the period's re-check (null when it found nothing to bill and no
  -- invoice was written).
  consumed_by_invoice_id text
);
CREATE UNIQUE INDEX late_usage_marks_pending
  ON ktrlplane.late_usage_marks (billing_account_id, period_start) WHERE consumed_at IS NULL;
CREATE INDEX late_usage_marks_by_invoice
  ON ktrlplane.late_usage_marks (consumed_by_invoice_id) WHERE consumed_by_invoice_id IS NOT NULL;

-- The audit trail of an adjustment line: its period and price version, the two figures it is the
-- difference of, its shares (which resources), the marks it consumed (consumed_by_invoice_id, with
-- when they were first and last marked), and the events themselves: those of the shares'
-- resources dated in the period and received (usage_events.received_at) or voided (voided_at)
-- after the invoice it corrects was finalized.

-- An adjustment line bills the difference between a closed period's recomputed metered line and
-- what was invoiced for it (its invoice line plus earlier adjustments); its period is the adjusted
-- one, and the two figures it is the difference of are kept on it.
ALTER TABLE ktrlplane.invoice_lines ADD COLUMN kind text NOT NULL DEFAULT 'charge'
  CHECK (kind IN ('charge', 'adjustment'));
ALTER TABLE ktrlplane.invoice_lines ADD COLUMN recomputed_amount bigint;
ALTER TABLE ktrlplane.invoice_lines ADD COLUMN invoiced_amount bigint;
ALTER TABLE ktrlplane.invoice_lines ADD CONSTRAINT invoice_lines_adjustment_figures CHECK (
  (kind = 'charge' AND recomputed_amount IS NULL AND invoiced_amount IS NULL)
  OR (kind = 'adjustment' AND amount = recomputed_amount - invoiced_amount)
);
