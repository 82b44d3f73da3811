-- Quota counters without a hot row. Migration 009 kept one row per organization that every
-- create and delete in it updated and held locked until commit, so creates in one organization
-- ran one at a time (BENCHMARKS.md: 682 → 306 create+delete/s). Here a count is spread over
-- shards: each connection adds its deltas to the row of its own shard (its backend pid modulo
-- 64), so concurrent writers rarely share a row, and the count is the sum over the shards. A
-- shard can go negative (a delete lands wherever its connection does); only the sum means anything.
CREATE TABLE ktrlplane.organization_usage_shards (
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  kind            text NOT NULL CHECK (kind IN ('projects', 'resources', 'billing_accounts', 'members')),
  shard           smallint NOT NULL,
  n               integer NOT NULL,
  PRIMARY KEY (organization_id, kind, shard)
);

-- One row per kind and shard (not one per shard with a column per kind): a transaction that
-- waits for a quota's lock then holds only rows of the kinds it has written, never a row of a
-- kind whose lock holders may still write (see count_for_quota).
INSERT INTO ktrlplane.organization_usage_shards (organization_id, kind, shard, n)
SELECT o.id, k.kind, 0, k.n
FROM ktrlplane.organizations o
CROSS JOIN LATERAL (VALUES
  ('projects', (SELECT count(*) FROM ktrlplane.projects p WHERE p.organization_id = o.id AND p.deleted_at IS NULL)),
  ('resources', (SELECT count(*) FROM ktrlplane.resources r WHERE r.organization_id = o.id AND r.deleted_at IS NULL)),
  ('billing_accounts', (SELECT count(*) FROM ktrlplane.billing_accounts a WHERE a.organization_id = o.id)),
  ('members', (SELECT count(*) FROM ktrlplane.memberships m WHERE m.organization_id = o.id
     AND NOT EXISTS (SELECT 1 FROM ktrlplane.machine_tokens t WHERE t.id = m.user_id)))
) AS k (kind, n)
WHERE k.n <> 0;

-- The triggers of 009 keep calling add_usage; only where it adds changes.
CREATE OR REPLACE FUNCTION ktrlplane.add_usage(organization text, quota text, delta integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO ktrlplane.organization_usage_shards AS u (organization_id, kind, shard, n)
  VALUES (organization, quota, pg_backend_pid() % 64, delta)
  ON CONFLICT (organization_id, kind, shard) DO UPDATE SET n = u.n + EXCLUDED.n
$$;

DROP TABLE ktrlplane.organization_usage;

-- The organization's count of `kind`, including the caller's own uncommitted write, taken so that
-- `count <= quota` at commit is exact: two transactions can never both take the last unit.
-- Call it after the write that adds the unit; it holds an advisory lock on (kind, organization)
-- until the transaction ends. Far from the quota the lock is shared (creates run side by side),
-- near it exclusive (one at a time, and only after every shared holder has ended).
--
-- Why it is exact. Let C be the committed count and M = max_connections + max_worker_processes
-- + max_prepared_transactions, a bound on the transactions alive at once; each adds at most one
-- unit of a kind (create-project, create-resource, add-billing-account, switch-project-billing,
-- accept-invitation each write one project / resource / account / grant), and only deletes change
-- a count without this call. Each statement below reads with a fresh snapshot taken after the
-- lock it follows, and a unit counts once committed; a transaction commits its unit still
-- holding the lock it took before its last read.
-- * Exclusive, read C + 1 <= quota: no other holder exists until it commits, so no other unit
--   is committed in between; at its commit the count is C + 1.
-- * Shared, read C + 1 with C + M <= quota: while shared holders hold the lock, only they
--   commit units. At any instant t of such a stretch, let Z be the one that read last among those
--   that committed a unit in it by t (C_Z + M <= quota). Every unit committed after Z's read and
--   by t comes from a transaction that took the lock before its own read, no later than Z's, and
--   still held it at Z's read: at most M of them. So the count at t is at most C_Z + M <= quota.
-- Near the quota the shared attempt runs in a subtransaction, which releases its lock when it
-- gives up (an upgrade from shared to exclusive in place would deadlock two callers).
-- No deadlock between callers: a transaction waiting here holds shard rows only of kinds it
-- wrote before this call; a holder of the lock writes afterwards only kinds that no caller writes
-- before calling this (a resource, after its project and account, in create-resource).
CREATE FUNCTION ktrlplane.count_for_quota(organization text, kind text, quota integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  lock_class integer := hashtext('ktrlplane.quota.' || kind);
  lock_key integer := hashtext(organization);
  in_flight integer := current_setting('max_connections')::integer
    + current_setting('max_worker_processes')::integer
    + current_setting('max_prepared_transactions')::integer;
  used integer;
BEGIN
  IF quota >= in_flight THEN
    BEGIN
      PERFORM pg_advisory_xact_lock_shared(lock_class, lock_key);
      SELECT coalesce(sum(s.n), 0) INTO used FROM ktrlplane.organization_usage_shards s
        WHERE s.organization_id = organization AND s.kind = count_for_quota.kind;
      IF used - 1 + in_flight <= quota THEN
        RETURN used;
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'KQ001';
    EXCEPTION WHEN SQLSTATE 'KQ001' THEN
      NULL;
    END;
  END IF;
  PERFORM pg_advisory_xact_lock(lock_class, lock_key);
  SELECT coalesce(sum(s.n), 0) INTO used FROM ktrlplane.organization_usage_shards s
    WHERE s.organization_id = organization AND s.kind = count_for_quota.kind;
  RETURN used;
END $$;
