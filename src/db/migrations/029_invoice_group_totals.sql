-- A finalized invoice's shares summed per (project, resource type): what a cost query by project,
-- resource type or billing account reads for a closed month, ~(projects × types) rows an invoice
-- instead of one row per resource and line (10k+ at scale; src/db/invoices.ts, invoiceShareSums).
-- Written once, in the transaction that writes the invoice's shares (insertInvoice), from those
-- shares; like them it never changes afterwards (the trigger below refuses it), so it equals their
-- sum at any snapshot.
CREATE TABLE ktrlplane.invoice_group_totals (
  invoice_id    text NOT NULL REFERENCES ktrlplane.invoices(id),
  project_id    text NOT NULL,
  resource_type text NOT NULL,
  amount        bigint NOT NULL,
  PRIMARY KEY (invoice_id, project_id, resource_type)
);

CREATE TRIGGER invoice_group_totals_immutable BEFORE UPDATE OR DELETE
  ON ktrlplane.invoice_group_totals
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.refuse_invoice_change();

-- The invoices finalized already.
INSERT INTO ktrlplane.invoice_group_totals (invoice_id, project_id, resource_type, amount)
SELECT s.invoice_id, s.project_id, l.resource_type, sum(s.amount)
FROM ktrlplane.invoice_line_shares s
JOIN ktrlplane.invoice_lines l ON l.invoice_id = s.invoice_id AND l.line_no = s.line_no
GROUP BY 1, 2, 3;
