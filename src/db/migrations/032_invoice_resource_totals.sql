-- Closed months of a cost query by resource read one row per (account, calendar year, resource)
-- instead of every invoice's shares (one row per resource and line and month: 220k rows for 10k
-- resources on 2 accounts over 11 months; src/db/invoice-resource-totals.ts).
--
-- An invoice is one calendar month in UTC: finalizeInvoice has refused anything else since
-- invoices exist. The rollup counts an invoice by its month, so a cost window selects exactly the
-- invoices it covers (period_start >= from, period_end <= to and <= the settlement) by month, also
-- when its edges cut a month (that month's invoice is then left out, as by the shares). The check
-- makes the database hold invoices to it, so there is no invoice the rollup cannot answer for; an
-- older deployment holding another period stops here rather than costing it wrongly.
ALTER TABLE ktrlplane.invoices ADD CONSTRAINT invoices_one_calendar_month CHECK (
  period_start AT TIME ZONE 'UTC' = date_trunc('month', period_start AT TIME ZONE 'UTC')
  AND period_end AT TIME ZONE 'UTC' = (period_start AT TIME ZONE 'UTC') + interval '1 month'
);

-- `cumulative[k]` is what the resource's shares on the account's invoices for months 1..k of
-- `year` add up to (adjustment lines included: they count under the invoice carrying them, as the
-- shares do). The array ends at the last month with shares, so its last element is the year's
-- total so far; months m1..m2 cost cumulative[least(m2, n)] - cumulative[least(m1 - 1, n)] (n its
-- cardinality, index 0 is NULL: 0), an expression per row. Bit k - 1 of `months` says the month's
-- invoice has shares of the resource at all: a resource whose shares there sum to 0 is still a
-- group of the costs, as it is when the shares themselves are read.
CREATE TABLE ktrlplane.invoice_resource_totals (
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  year               integer NOT NULL,
  resource_id        text NOT NULL,
  cumulative         bigint[] NOT NULL CHECK (cardinality(cumulative) BETWEEN 1 AND 12),
  months             integer NOT NULL CHECK (months > 0 AND months < 4096),
  PRIMARY KEY (billing_account_id, year, resource_id)
);

-- Finalization appends a month, in the transaction that writes its invoice (insertInvoice), and
-- nothing else writes here: an account's months are finalized in order under its invoicing lock
-- (a month before the settlement mark is never finalized), so an append never lands before the
-- months it follows. What was summed for earlier months never changes, as their invoices never
-- do; anything else (a rewrite, a delete, a month inserted before the last) is refused.
CREATE FUNCTION ktrlplane.refuse_invoice_resource_total_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND (NEW.billing_account_id, NEW.year, NEW.resource_id)
      = (OLD.billing_account_id, OLD.year, OLD.resource_id)
    AND cardinality(NEW.cumulative) > cardinality(OLD.cumulative)
    AND NEW.cumulative[1:cardinality(OLD.cumulative)] = OLD.cumulative
    AND NEW.months = OLD.months | (1 << (cardinality(NEW.cumulative) - 1))
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'finalized invoices never change (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER invoice_resource_totals_append_only BEFORE UPDATE OR DELETE
  ON ktrlplane.invoice_resource_totals
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.refuse_invoice_resource_total_rewrite();

-- The invoices finalized already: each month's sum and the running sum through it, spread over the
-- months since the previous month with shares (those hold the running sum before it).
INSERT INTO ktrlplane.invoice_resource_totals
  (billing_account_id, year, resource_id, cumulative, months)
WITH monthly AS (
  SELECT i.billing_account_id,
    extract(year FROM i.period_start AT TIME ZONE 'UTC')::int AS year,
    extract(month FROM i.period_start AT TIME ZONE 'UTC')::int AS month,
    s.resource_id, sum(s.amount) AS amount
  FROM ktrlplane.invoices i
  JOIN ktrlplane.invoice_line_shares s ON s.invoice_id = i.id
  GROUP BY 1, 2, 3, 4
), running AS (
  SELECT billing_account_id, year, resource_id, month, amount,
    sum(amount) OVER w AS through_month,
    coalesce(lag(month) OVER w, 0) AS previous_month
  FROM monthly
  WINDOW w AS (PARTITION BY billing_account_id, year, resource_id ORDER BY month)
)
SELECT r.billing_account_id, r.year, r.resource_id,
  array_agg(
    (CASE WHEN k = r.month THEN r.through_month ELSE r.through_month - r.amount END)::bigint
    ORDER BY k
  ),
  bit_or(1 << (r.month - 1))
FROM running r
CROSS JOIN generate_series(r.previous_month + 1, r.month) AS k
GROUP BY 1, 2, 3;

-- Its statistics now: until autovacuum gathers them, PostgreSQL takes the table for a few rows
-- and sorts a year of them onto disk where a hash of its resources takes half the time.
ANALYZE ktrlplane.invoice_resource_totals;
