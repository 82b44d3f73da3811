-- Costs and invoices read the intervals that overlap a window: the open ones (found by
-- billing_intervals_open_by_account) and the closed ones that end inside or after it. Found by
-- their start alone, the latter would be every interval of the account's history that began
-- before the window's end: a year-old ledger made each read of the open month scan all of it.
CREATE INDEX billing_intervals_closed_by_account_end
  ON ktrlplane.billing_intervals (billing_account_id, ended_at) WHERE ended_at IS NOT NULL;
