-- Metered invoice lines: the period's aggregate of the meter the line's amount prices (decimal,
-- as usage values are), frozen with the line. NULL on lines billed by resource time.
ALTER TABLE ktrlplane.invoice_lines ADD COLUMN usage_quantity numeric;

-- Each hour of a resource's usage is billed to the ledger row that held it (src/db/metered-usage.ts):
-- found by resource, not by account, so that an hour is billed once whichever account reads it.
CREATE INDEX billing_intervals_by_resource ON ktrlplane.billing_intervals (resource_id, started_at);
