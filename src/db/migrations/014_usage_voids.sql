-- Voiding usage events (POST /v1/usage/void). Nothing is deleted: a voided event keeps its row and
-- its id (a resend stays a duplicate) and is marked; the hours it counted in are recomputed from
-- the events still standing, in the void's transaction, so rollups keep equalling a recompute.
ALTER TABLE ktrlplane.usage_events ADD COLUMN voided_at timestamptz;

-- What a unique_count meter counted for the event (its property's value as text), so that the
-- recompute after a void counts what ingestion counted, whatever the catalog names later.
ALTER TABLE ktrlplane.usage_events ADD COLUMN distinct_value text;

-- Events stored before this migration take it from their hour's distinct values: the one among
-- their properties' values (the smallest, should two of an event's properties both be counted in
-- that hour). Events of other meters have no distinct values and keep NULL.
UPDATE ktrlplane.usage_events e SET distinct_value = (
  SELECT min(d.value COLLATE "C")
  FROM ktrlplane.usage_distinct_values d, jsonb_each_text(e.properties) p
  WHERE d.resource_id = e.resource_id AND d.event_name = e.event_name
    AND d.hour = date_trunc('hour', e."timestamp", 'UTC') AND d.value = p.value)
WHERE EXISTS (
  SELECT 1 FROM ktrlplane.usage_distinct_values d
  WHERE d.resource_id = e.resource_id AND d.event_name = e.event_name
    AND d.hour = date_trunc('hour', e."timestamp", 'UTC'));

-- An organization's usage over a range reads one meter at a time (usage-rollups.ts); with only
-- (organization_id, hour) each meter's branch walked every meter's rows of the range. Covering,
-- so that a month's totals are read from the index alone.
CREATE INDEX usage_rollups_organization_meter ON ktrlplane.usage_rollups
  (organization_id, event_name, hour)
  INCLUDE (project_id, resource_id, sum, count, max, latest_value, latest_at, latest_event_id);
