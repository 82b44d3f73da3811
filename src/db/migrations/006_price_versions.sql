-- Prices have versions; the past never changes. A catalog price whose definition differs from its
-- latest version becomes a new version at start: new resources take it at once (from created_at),
-- resources billed at earlier versions move to it at effective_from (NULL: never, grandfathered or
-- the first version). Each ledger interval records the version it is billed at.
CREATE TABLE ktrlplane.price_versions (
  resource_type         text NOT NULL,
  sku                   text NOT NULL,
  version               integer NOT NULL CHECK (version >= 1),
  -- The validated price (src/domain/pricing.ts), as it was when recorded. Never updated.
  definition            jsonb NOT NULL,
  created_at            timestamptz NOT NULL,
  effective_from        timestamptz,
  grandfathered         boolean NOT NULL DEFAULT false,
  -- What the catalog stated (effective_from may have been moved up to created_at): a pending move
  -- may be rescheduled by a later catalog, a move that has come may not.
  stated_effective_from timestamptz,
  -- When the pass had cut every interval it moves (NULL while due or ahead).
  moved_at              timestamptz,
  PRIMARY KEY (resource_type, sku, version),
  FOREIGN KEY (resource_type, sku) REFERENCES ktrlplane.resource_pricing(resource_type, sku),
  CHECK (NOT grandfathered OR effective_from IS NULL),
  CHECK (effective_from IS NULL OR effective_from >= created_at)
);

-- What each price was until now is its version 1.
INSERT INTO ktrlplane.price_versions (resource_type, sku, version, definition, created_at)
SELECT resource_type, sku, 1, definition, updated_at FROM ktrlplane.resource_pricing;

-- Existing intervals were billed at version 1; new rows name their version (no default).
ALTER TABLE ktrlplane.billing_intervals ADD COLUMN price_version integer NOT NULL DEFAULT 1;
ALTER TABLE ktrlplane.billing_intervals ALTER COLUMN price_version DROP DEFAULT;
ALTER TABLE ktrlplane.billing_intervals
  ADD CONSTRAINT billing_intervals_price_version
  FOREIGN KEY (resource_type, sku, price_version)
  REFERENCES ktrlplane.price_versions(resource_type, sku, version);
