-- Stripe mode, two things.
--
-- 1. Fractional usage. Stripe's meter events carry whole numbers only, so a metered Stripe price
-- is sent its line's aggregate × 10^value_decimals and priced per 10^-value_decimals of a unit
-- (src/providers/stripe/stripe-prices.ts). The scale is fixed when the Stripe price is created and
-- recorded here (and in the price's metadata): a later change of the catalog meter's `decimals`
-- applies to Stripe prices created after it, never to one that already billed. Prices created
-- before this migration were sent whole numbers: 0.
ALTER TABLE ktrlplane.stripe_prices ADD COLUMN value_decimals smallint NOT NULL DEFAULT 0
  CHECK (value_decimals BETWEEN 0 AND 6);

-- 2. Ledger lines Stripe still has to be told about: nonzero adjustment lines (late usage and
-- voids in invoiced months, each sent once as an invoice item) and metered charge lines (checked
-- once, after the month's grace hour, for a decrease credit). A row is queued in the transaction
-- that finalizes its invoice and leaves the queue in the transaction that records its item (or,
-- for a charge line, once its check found nothing to credit), so a pass reads what is pending —
-- never the account's history, and never a time window that would let an old correction go
-- unsent (src/providers/stripe/stripe-adjustment-items.ts).
-- Only accounts mirrored in Stripe (a customer) queue lines: under the local ledger nothing would
-- consume them, and an invoice finalized before the account reached Stripe was billed by the ledger.
CREATE TABLE ktrlplane.stripe_pending_lines (
  invoice_id         text NOT NULL,
  line_no            integer NOT NULL,
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  kind               text NOT NULL CHECK (kind IN ('adjustment', 'metered_charge')),
  PRIMARY KEY (invoice_id, line_no),
  FOREIGN KEY (invoice_id, line_no) REFERENCES ktrlplane.invoice_lines(invoice_id, line_no)
);
CREATE INDEX stripe_pending_lines_account ON ktrlplane.stripe_pending_lines (billing_account_id, kind);

CREATE FUNCTION ktrlplane.queue_stripe_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ktrlplane.stripe_pending_lines (invoice_id, line_no, billing_account_id, kind)
  SELECT NEW.invoice_id, NEW.line_no, i.billing_account_id,
         CASE WHEN NEW.kind = 'adjustment' THEN 'adjustment' ELSE 'metered_charge' END
    FROM ktrlplane.invoices i
    JOIN ktrlplane.stripe_customers c ON c.billing_account_id = i.billing_account_id
   WHERE i.id = NEW.invoice_id;
  RETURN NULL;
END $$;

CREATE TRIGGER invoice_lines_queue_for_stripe AFTER INSERT ON ktrlplane.invoice_lines
  FOR EACH ROW
  WHEN ((NEW.kind = 'adjustment' AND NEW.amount <> 0)
        OR (NEW.kind = 'charge' AND NEW.usage_quantity IS NOT NULL))
  EXECUTE FUNCTION ktrlplane.queue_stripe_line();

-- What the passes so far have not sent, whatever its age (they looked back three months).
INSERT INTO ktrlplane.stripe_pending_lines (invoice_id, line_no, billing_account_id, kind)
SELECT l.invoice_id, l.line_no, i.billing_account_id,
       CASE WHEN l.kind = 'adjustment' THEN 'adjustment' ELSE 'metered_charge' END
  FROM ktrlplane.invoice_lines l
  JOIN ktrlplane.invoices i ON i.id = l.invoice_id
  JOIN ktrlplane.stripe_customers c ON c.billing_account_id = i.billing_account_id
 WHERE ((l.kind = 'adjustment' AND l.amount <> 0)
        OR (l.kind = 'charge' AND l.usage_quantity IS NOT NULL))
   AND NOT EXISTS (SELECT 1 FROM ktrlplane.stripe_adjustment_items s
                    WHERE s.invoice_id = l.invoice_id AND s.line_no = l.line_no);
