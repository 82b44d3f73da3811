-- An invoice names its payer as it was when finalized: renaming the account later must not change
-- a past invoice (its lines and shares, project names included, are frozen the same way).
ALTER TABLE ktrlplane.invoices ADD COLUMN billing_account_name text;
-- Invoices finalized before this migration take the account's name of today, the best record
-- there is; the immutability trigger steps aside for this one backfill only.
ALTER TABLE ktrlplane.invoices DISABLE TRIGGER invoices_immutable;
UPDATE ktrlplane.invoices i SET billing_account_name = a.name
  FROM ktrlplane.billing_accounts a WHERE a.id = i.billing_account_id;
ALTER TABLE ktrlplane.invoices ENABLE TRIGGER invoices_immutable;
ALTER TABLE ktrlplane.invoices ALTER COLUMN billing_account_name SET NOT NULL;
