-- One resource's cost (GET /v1/resources/{id}/costs) reads its frozen invoice shares by this
-- index: without it the shares of every invoice in the window are scanned, which grows with the
-- organization's resources.
CREATE INDEX invoice_line_shares_by_resource
  ON ktrlplane.invoice_line_shares (resource_id, invoice_id);
