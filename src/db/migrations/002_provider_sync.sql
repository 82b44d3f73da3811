-- Keeping a payment provider in step with the ledger (see worker/ and providers/).

-- One row per account the worker has touched. An account is dirty while it has change marks;
-- a successful pass deletes exactly the marks it read before computing the desired state.
CREATE TABLE ktrlplane.billing_account_sync (
  billing_account_id text PRIMARY KEY REFERENCES ktrlplane.billing_accounts(id),
  -- What the last pass made the provider hold: a later difference from it is drift.
  applied_state      jsonb,
  last_synced_at     timestamptz,
  last_full_sync_at  timestamptz,
  drift              jsonb NOT NULL DEFAULT '[]',
  last_error         text,
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz,
  lease_owner        text,
  lease_until        timestamptz
);

CREATE TABLE ktrlplane.stripe_customers (
  billing_account_id text PRIMARY KEY REFERENCES ktrlplane.billing_accounts(id),
  customer_id        text NOT NULL UNIQUE
);

-- Prices created in Stripe for catalog entries without a stripe_price_id, keyed by definition.
CREATE TABLE ktrlplane.stripe_prices (
  price_key       text NOT NULL,
  definition_hash text NOT NULL,
  price_id        text NOT NULL,
  PRIMARY KEY (price_key, definition_hash)
);

-- Webhook deliveries already taken: Stripe delivers at least once.
CREATE TABLE ktrlplane.stripe_webhook_events (
  event_id    text PRIMARY KEY,
  type        text NOT NULL,
  received_at timestamptz NOT NULL
);
