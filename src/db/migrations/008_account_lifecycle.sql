-- Billing accounts people can manage (issue 8): an account nothing bills can be closed, and is
-- reopened when a project or the organization bills to it again. Closed accounts keep their
-- ledger history and their provider customer; only new billing reopens them.
ALTER TABLE ktrlplane.billing_accounts
  ADD COLUMN closed_at timestamptz;

-- Money drift (issue 8, part 2): what the provider charges for the current period against the
-- ledger's own figure, per price and in total, from the last full pass.
ALTER TABLE ktrlplane.billing_account_sync
  ADD COLUMN money_drift jsonb;
