-- Daily rollups beside the hourly ones (010), kept by ingestion and voids in the same transactions,
-- so that a month of a meter is ~31 rows per resource, not ~744: a query reads day rows for the
-- whole UTC days of its range and hour rows only for the hours at its edges
-- (src/db/usage-rollups.ts). Same columns and meaning as usage_rollups, per UTC day.
CREATE TABLE ktrlplane.usage_rollups_daily (
  organization_id  text NOT NULL,
  project_id       text NOT NULL,
  resource_id      text NOT NULL,
  event_name       text NOT NULL,
  day              timestamptz NOT NULL,
  sum              numeric NOT NULL,
  count            bigint NOT NULL,
  max              numeric NOT NULL,
  latest_value     numeric NOT NULL,
  latest_at        timestamptz NOT NULL,
  latest_event_id  text NOT NULL,
  PRIMARY KEY (resource_id, event_name, day)
);
-- Covering, as usage_rollups_organization_meter (014): an organization's month is read from the
-- index alone, one meter at a time.
CREATE INDEX usage_rollups_daily_organization_meter ON ktrlplane.usage_rollups_daily
  (organization_id, event_name, day)
  INCLUDE (project_id, resource_id, sum, count, max, latest_value, latest_at, latest_event_id);

-- The distinct values of a day (unique_count cannot add up days' counts: a value seen on two
-- days counts once over both, so the values themselves are kept, per day).
CREATE TABLE ktrlplane.usage_distinct_values_daily (
  organization_id text NOT NULL,
  project_id      text NOT NULL,
  resource_id     text NOT NULL,
  event_name      text NOT NULL,
  day             timestamptz NOT NULL,
  value           text NOT NULL,
  PRIMARY KEY (resource_id, event_name, day, value)
);
CREATE INDEX usage_distinct_values_daily_organization ON ktrlplane.usage_distinct_values_daily
  (organization_id, event_name, day);

-- What was ingested before this migration, from the hourly rows (which equal their events).
INSERT INTO ktrlplane.usage_rollups_daily
  (organization_id, project_id, resource_id, event_name, day, sum, count, max,
   latest_value, latest_at, latest_event_id)
SELECT min(organization_id), min(project_id), resource_id, event_name,
       date_trunc('day', hour, 'UTC'), sum(sum), sum(count), max(max),
       (array_agg(latest_value ORDER BY latest_at DESC, latest_event_id COLLATE "C" DESC))[1],
       max(latest_at),
       (array_agg(latest_event_id ORDER BY latest_at DESC, latest_event_id COLLATE "C" DESC))[1]
FROM ktrlplane.usage_rollups
GROUP BY resource_id, event_name, date_trunc('day', hour, 'UTC');

INSERT INTO ktrlplane.usage_distinct_values_daily
  (organization_id, project_id, resource_id, event_name, day, value)
SELECT min(organization_id), min(project_id), resource_id, event_name,
       date_trunc('day', hour, 'UTC'), value
FROM ktrlplane.usage_distinct_values
GROUP BY resource_id, event_name, date_trunc('day', hour, 'UTC'), value;

-- The dedup record's foreign key to organizations checked, per claimed event, what the write path
-- guarantees already: a claim's organization is read from the event's resource row
-- (findUsageTargets), which references its organization, and organizations are never deleted.
-- The check was a trigger per row (a lookup and a KEY SHARE lock on the one organization row,
-- shared by every concurrent batch): measured at 37 % of the claim insert's time (143 vs 90 ms
-- per 10,000-event batch, BENCHMARKS.md, usage sections).
ALTER TABLE ktrlplane.usage_event_ids DROP CONSTRAINT usage_event_ids_organization_id_fkey;
