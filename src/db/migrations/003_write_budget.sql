-- Stripe allows 200 quantity updates per subscription per hour: each account gets a budget of
-- provider writes per hour; a pass that would exceed it waits, and the changes coalesce meanwhile.
ALTER TABLE ktrlplane.billing_account_sync
  ADD COLUMN budget_window_start timestamptz,
  ADD COLUMN writes_in_window integer NOT NULL DEFAULT 0;
