-- The quota counters' triggers (009) call add_usage on every resource, project, account and
-- member written. As a `LANGUAGE sql` function it was parsed, analysed and planned again on each
-- call: a trigger's PERFORM evaluates it in an expression state rebuilt every transaction, so the
-- SQL function's cache never outlives one call. That was ~50 µs of PostgreSQL's CPU per resource
-- create or delete (a quarter of the trigger work; measured with perf on the backends). In
-- plpgsql the statement's plan is kept per connection, as for add_month_seconds (025). Same
-- statement, same effect.
CREATE OR REPLACE FUNCTION ktrlplane.add_usage(organization text, quota text, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ktrlplane.organization_usage_shards AS u (organization_id, kind, shard, n)
  VALUES (organization, quota, pg_backend_pid() % 64, delta)
  ON CONFLICT (organization_id, kind, shard) DO UPDATE SET n = u.n + EXCLUDED.n;
END $$;
