-- Until now the local provider's worker recorded every account whose change marks it consumed as
-- synced (last_synced_at), though it compared nothing with any provider. A Stripe provider that
-- later takes over the database would then skip those accounts in its full pass for up to
-- KTRLPLANE_FULL_SYNC_INTERVAL_S. A provider pass always writes applied_state (JSON, never SQL
-- NULL), so a row without one was never synced by any provider: make it "never synced" again.
UPDATE ktrlplane.billing_account_sync
   SET last_synced_at = NULL
 WHERE applied_state IS NULL
   AND last_synced_at IS NOT NULL;
