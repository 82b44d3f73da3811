-- Resources whose usage changed (events stored or voided) since the worker's usage round last
-- marked their billing accounts for a provider pass (src/db/usage-changes.ts). Ingestion and voids
-- write the row in the transaction of the events; the round deletes it in the transaction that
-- marks the accounts. So an account is marked once per round in which its usage changed, not every
-- round, and a change is always either still here or its accounts are marked.
-- No index but the key: the table holds only what the next round has to take.
CREATE TABLE ktrlplane.usage_changes (
  resource_id text PRIMARY KEY,
  changed_at  timestamptz NOT NULL
);

-- Until now the round marked every account billed for a metered price, every minute: usage that
-- arrived just before this migration may not have been passed yet. Its resources start marked.
INSERT INTO ktrlplane.usage_changes (resource_id, changed_at)
SELECT DISTINCT resource_id, now()
FROM ktrlplane.usage_rollups_daily
WHERE day >= date_trunc('month', now(), 'UTC') - interval '1 month';
