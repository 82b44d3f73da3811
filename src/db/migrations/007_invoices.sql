-- Finalized invoices: at each period end (calendar month, UTC) an account's charges for the closed
-- period are frozen into an invoice, its lines and the per-resource shares of each line. Nothing
-- here is ever updated or deleted (the trigger below refuses it): a late correction would be a
-- new line on a later invoice, never an edit of an old one.

CREATE TABLE ktrlplane.invoices (
  id                 text PRIMARY KEY,
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  organization_id    text NOT NULL REFERENCES ktrlplane.organizations(id),
  -- Gapless per account (1, 2, 3…), taken under the account's lock in the finalizing transaction.
  sequence           integer NOT NULL CHECK (sequence > 0),
  -- `<account prefix>-0001`, as shown to people.
  number             text NOT NULL,
  period_start       timestamptz NOT NULL,
  period_end         timestamptz NOT NULL,
  currency           text NOT NULL,
  total              bigint NOT NULL,
  finalized_at       timestamptz NOT NULL,
  CHECK (period_end > period_start),
  -- One invoice per account and period, whoever finalizes it and however often.
  UNIQUE (billing_account_id, period_start),
  UNIQUE (billing_account_id, sequence)
);

CREATE TABLE ktrlplane.invoice_lines (
  invoice_id    text NOT NULL REFERENCES ktrlplane.invoices(id),
  line_no       integer NOT NULL,
  resource_type text NOT NULL,
  sku           text NOT NULL,
  description   text NOT NULL,
  -- The price version and its whole definition the line was computed with, as it was then.
  price_version integer NOT NULL,
  price         jsonb NOT NULL,
  -- Resources active in the last second of the period (as the upcoming invoice shows it).
  quantity      integer NOT NULL,
  period_start  timestamptz NOT NULL,
  period_end    timestamptz NOT NULL,
  amount        bigint NOT NULL,
  currency      text NOT NULL,
  PRIMARY KEY (invoice_id, line_no)
);

-- Each line split over the resources (and the project each ran in) that made it, by the same
-- largest-remainder allocation as the costs: the shares of a line sum to it exactly.
CREATE TABLE ktrlplane.invoice_line_shares (
  invoice_id    text NOT NULL,
  line_no       integer NOT NULL,
  resource_id   text NOT NULL,
  resource_name text NOT NULL,
  project_id    text NOT NULL,
  project_name  text NOT NULL,
  amount        bigint NOT NULL,
  PRIMARY KEY (invoice_id, line_no, resource_id, project_id),
  FOREIGN KEY (invoice_id, line_no) REFERENCES ktrlplane.invoice_lines(invoice_id, line_no)
);

-- How far each account's periods are settled: every period ending at or before settled_through
-- has its invoice, or had nothing billed. Finalization resumes from here (after downtime too).
CREATE TABLE ktrlplane.invoice_settlements (
  billing_account_id text PRIMARY KEY REFERENCES ktrlplane.billing_accounts(id),
  settled_through    timestamptz NOT NULL
);

CREATE FUNCTION ktrlplane.refuse_invoice_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'finalized invoices never change (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; END $$;

CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON ktrlplane.invoices
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.refuse_invoice_change();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON ktrlplane.invoice_lines
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.refuse_invoice_change();
CREATE TRIGGER invoice_line_shares_immutable BEFORE UPDATE OR DELETE ON ktrlplane.invoice_line_shares
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.refuse_invoice_change();
