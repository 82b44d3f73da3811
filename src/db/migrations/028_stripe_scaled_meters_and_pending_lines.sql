-- Stripe mode: fractional usage. Stripe's meter events carry whole numbers only, so a metered Stripe price
-- is sent its line's aggregate × 10^value_decimals and priced per 10^-value_decimals of a unit
-- (src/providers/stripe/stripe-prices.ts). The scale is fixed when the Stripe price is created and
-- recorded here (and in the price's metadata): a later change of the catalog meter's `decimals`
-- applies to Stripe prices created after it, never to one that already billed. Prices created
-- before this migration were sent whole numbers: 0.
ALTER TABLE ktrlplane.stripe_prices ADD COLUMN value_decimals smallint NOT NULL DEFAULT 0
  CHECK (value_decimals BETWEEN 0 AND 6);
