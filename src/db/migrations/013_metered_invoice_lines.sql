-- Metered invoice lines: the period's aggregate of the meter the line's amount prices (decimal,
-- as usage values are), frozen with the line. NULL on lines billed by resource time.
ALTER TABLE ktrlplane.invoice_lines ADD COLUMN usage_quantity numeric;
