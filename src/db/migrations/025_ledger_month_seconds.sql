-- A rollup of the ledger's closed intervals: per (account, calendar month in UTC, price, recorded
-- version, resource, project) the seconds they billed in that month. A cost query reads a whole
-- month from here (~one row per resource and account) and only the month's open intervals from
-- the ledger, instead of every interval that closed in the month (src/db/ledger-costs.ts).
--
-- Kept by a trigger in the transaction that writes the ledger, so that it always equals a
-- recompute from billing_intervals at any snapshot: closing an interval adds its seconds, a
-- version move that cuts a closed row takes its old seconds away and adds the new ones, a delete
-- takes them away. Opening an interval (every create) does not fire it. Seconds are counted as
-- the cost query counts them: between whole epoch seconds (floor of each instant).
CREATE TABLE ktrlplane.ledger_month_seconds (
  billing_account_id text NOT NULL,
  month              timestamptz NOT NULL,
  resource_type      text NOT NULL,
  sku                text NOT NULL,
  price_version      integer NOT NULL,
  resource_id        text NOT NULL,
  project_id         text NOT NULL,
  seconds            bigint NOT NULL,
  PRIMARY KEY (billing_account_id, month, resource_id, project_id, resource_type, sku,
    price_version)
);

CREATE FUNCTION ktrlplane.add_month_seconds(i ktrlplane.billing_intervals, direction integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- plpgsql, not sql: its statement's plan is kept across calls (a sql function's body is
  -- planned on every call, which tripled the cost of closing an interval).
  INSERT INTO ktrlplane.ledger_month_seconds AS t (billing_account_id, month, resource_type, sku,
    price_version, resource_id, project_id, seconds)
  SELECT i.billing_account_id, m.month AT TIME ZONE 'UTC', i.resource_type, i.sku,
    i.price_version, i.resource_id, i.project_id,
    direction * (least(e.end_s, extract(epoch FROM m.month + interval '1 month')::bigint)
      - greatest(e.start_s, extract(epoch FROM m.month)::bigint))
  FROM (SELECT floor(extract(epoch FROM i.started_at))::bigint AS start_s,
               floor(extract(epoch FROM i.ended_at))::bigint AS end_s) AS e,
    generate_series(date_trunc('month', i.started_at AT TIME ZONE 'UTC'),
      i.ended_at AT TIME ZONE 'UTC', interval '1 month') AS m(month)
  WHERE least(e.end_s, extract(epoch FROM m.month + interval '1 month')::bigint)
      > greatest(e.start_s, extract(epoch FROM m.month)::bigint)
  ON CONFLICT (billing_account_id, month, resource_id, project_id, resource_type, sku,
    price_version) DO UPDATE SET seconds = t.seconds + excluded.seconds;
END $$;

CREATE FUNCTION ktrlplane.roll_up_closed_interval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.ended_at IS NOT NULL THEN
    PERFORM ktrlplane.add_month_seconds(OLD, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.ended_at IS NOT NULL THEN
    PERFORM ktrlplane.add_month_seconds(NEW, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER billing_intervals_roll_up_insert AFTER INSERT ON ktrlplane.billing_intervals
  FOR EACH ROW WHEN (NEW.ended_at IS NOT NULL)
  EXECUTE FUNCTION ktrlplane.roll_up_closed_interval();
CREATE TRIGGER billing_intervals_roll_up_update AFTER UPDATE ON ktrlplane.billing_intervals
  FOR EACH ROW WHEN (OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL)
  EXECUTE FUNCTION ktrlplane.roll_up_closed_interval();
CREATE TRIGGER billing_intervals_roll_up_delete AFTER DELETE ON ktrlplane.billing_intervals
  FOR EACH ROW WHEN (OLD.ended_at IS NOT NULL)
  EXECUTE FUNCTION ktrlplane.roll_up_closed_interval();

-- What the ledger holds already.
INSERT INTO ktrlplane.ledger_month_seconds (billing_account_id, month, resource_type, sku,
  price_version, resource_id, project_id, seconds)
SELECT i.billing_account_id, m.month AT TIME ZONE 'UTC', i.resource_type, i.sku,
  i.price_version, i.resource_id, i.project_id,
  sum(least(e.end_s, extract(epoch FROM m.month + interval '1 month')::bigint)
    - greatest(e.start_s, extract(epoch FROM m.month)::bigint))
FROM ktrlplane.billing_intervals i,
  LATERAL (SELECT floor(extract(epoch FROM i.started_at))::bigint AS start_s,
                  floor(extract(epoch FROM i.ended_at))::bigint AS end_s) AS e,
  LATERAL generate_series(date_trunc('month', i.started_at AT TIME ZONE 'UTC'),
    i.ended_at AT TIME ZONE 'UTC', interval '1 month') AS m(month)
WHERE i.ended_at IS NOT NULL
  AND least(e.end_s, extract(epoch FROM m.month + interval '1 month')::bigint)
    > greatest(e.start_s, extract(epoch FROM m.month)::bigint)
GROUP BY 1, 2, 3, 4, 5, 6, 7;
