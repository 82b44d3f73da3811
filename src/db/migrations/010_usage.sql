-- Usage metering. Four kinds of rows are written together, in the transaction of one ingest:
--   usage_event_ids  the dedup record: one per (organization, event id), kept forever, with a
--                    digest of the event's content so that a retry is told apart from a reuse;
--   usage_events     the raw events, partitioned by month of their timestamp (partitions are
--                    created ahead by the ingestion path, see ensure-usage-partitions.ts);
--   usage_rollups    per resource × meter × hour: what every aggregation needs, so that queries
--                    cost what they return, not what the account has ever sent;
--   usage_distinct_values  per resource × meter × hour: the distinct property values, so that
--                    unique_count over any range of hours is exact.

-- Not partitioned: a unique index on a partitioned table must include the partition key, and the
-- same id must be refused whatever timestamp its second sending carries.
CREATE TABLE ktrlplane.usage_event_ids (
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  event_id        text NOT NULL,
  content_hash    text NOT NULL,
  "timestamp"     timestamptz NOT NULL,
  PRIMARY KEY (organization_id, event_id)
);

CREATE TABLE ktrlplane.usage_events (
  organization_id text NOT NULL,
  event_id        text NOT NULL,
  project_id      text NOT NULL,
  resource_id     text NOT NULL,
  event_name      text NOT NULL,
  -- Exact decimals: sums of many values must equal a recompute, to the last digit.
  value           numeric NOT NULL,
  "timestamp"     timestamptz NOT NULL,
  properties      jsonb NOT NULL,
  received_at     timestamptz NOT NULL,
  PRIMARY KEY (organization_id, event_id, "timestamp")
) PARTITION BY RANGE ("timestamp");
CREATE INDEX usage_events_resource ON ktrlplane.usage_events (resource_id, event_name, "timestamp");

CREATE TABLE ktrlplane.usage_rollups (
  organization_id  text NOT NULL,
  project_id       text NOT NULL,
  resource_id      text NOT NULL,
  event_name       text NOT NULL,
  hour             timestamptz NOT NULL,
  sum              numeric NOT NULL,
  count            bigint NOT NULL,
  max              numeric NOT NULL,
  -- The value of the event with the greatest (timestamp, event id) in the hour.
  latest_value     numeric NOT NULL,
  latest_at        timestamptz NOT NULL,
  latest_event_id  text NOT NULL,
  PRIMARY KEY (resource_id, event_name, hour)
);
CREATE INDEX usage_rollups_organization ON ktrlplane.usage_rollups (organization_id, hour);

CREATE TABLE ktrlplane.usage_distinct_values (
  organization_id text NOT NULL,
  project_id      text NOT NULL,
  resource_id     text NOT NULL,
  event_name      text NOT NULL,
  hour            timestamptz NOT NULL,
  value           text NOT NULL,
  PRIMARY KEY (resource_id, event_name, hour, value)
);
CREATE INDEX usage_distinct_values_organization ON ktrlplane.usage_distinct_values (organization_id, hour);
