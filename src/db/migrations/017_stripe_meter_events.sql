-- Stripe mode bills metered prices through Stripe Billing Meters: one meter per Stripe price
-- (see src/providers/stripe/stripe-meters.ts for why not one per catalog meter).
CREATE TABLE ktrlplane.stripe_meters (
  event_name text PRIMARY KEY,
  meter_id   text NOT NULL
);

-- The meter events the reconciler sends, one row per event. A row is written (committed) before
-- its request — `sent_at` null — and marked sent once Stripe has answered: a pass that crashed
-- in between re-sends the same row (same identifier, value and timestamp), which Stripe counts
-- once, before planning anything new. `total` is the line's period quantity the event brings
-- Stripe's aggregate to (the running total for a `sum` meter, the value itself for `last`).
CREATE TABLE ktrlplane.stripe_meter_events (
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  event_name         text NOT NULL,
  period_start       timestamptz NOT NULL,
  seq                integer NOT NULL,
  identifier         text NOT NULL UNIQUE,
  customer_id        text NOT NULL,
  value              text NOT NULL,
  total              text NOT NULL,
  event_at           timestamptz NOT NULL,
  planned_at         timestamptz NOT NULL,
  sent_at            timestamptz,
  PRIMARY KEY (billing_account_id, event_name, period_start, seq)
);

-- The worker's usage round looks up the accounts billed for metered prices in the open month
-- (src/db/metered-accounts.ts): by price and end, not by scanning the whole ledger.
CREATE INDEX billing_intervals_by_price_end
  ON ktrlplane.billing_intervals (resource_type, sku, ended_at);
