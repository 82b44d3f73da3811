import { randomUUID } from "node:crypto";
import { z } from "zod";
import { syncAccount } from "../../billing/sync-billing-account.js";
import type { AppContext } from "../../context.js";
import { getAccountSync } from "../../db/account-sync.js";
import { AppError } from "../../domain/errors.js";
import { billingAccountInPath } from "../path-access.js";
import { route } from "../route.js";
import { timestamp } from "../schemas.js";

const syncResponse = z.object({
  provider: z.string(),
  pending: z.number().int().describe("changes not yet in the provider; 0 once converged"),
  last_synced_at: timestamp.nullable(),
  last_full_sync_at: timestamp.nullable(),
  drift: z.array(z.object({ kind: z.string(), detail: z.string() })),
  last_error: z.string().nullable(),
  writes_this_hour: z.number().int().describe("provider writes in the current hourly window"),
  deferred_until: timestamp
    .nullable()
    .describe("set while the hourly write budget is spent: pending changes go out then, together"),
  money_drift: z
    .object({
      period: z.object({ start: timestamp, end: timestamp }),
      currency: z.string(),
      lines: z.array(
        z.object({
          resource_type: z.string(),
          sku: z.string(),
          ledger: z.number().int(),
          provider: z.number().int(),
          drift: z.number().int().describe("provider − ledger, minor units"),
        }),
      ),
      total: z.object({
        ledger: z.number().int(),
        provider: z.number().int(),
        drift: z.number().int(),
      }),
    })
    .nullable()
    .describe(
      "the last full pass: what the provider charges for the current period (Stripe: issued invoices and invoices.createPreview) against the ledger's upcoming invoice; null under the local ledger",
    ),
});

interface StoredMoneyDrift {
  period: { start: string; end: string };
  currency: string;
  lines: { resource_type: string; sku: string; ledger: number; provider: number; drift: number }[];
  total: { ledger: number; provider: number; drift: number };
}

async function syncState(options: { ctx: AppContext; billingAccountId: string }) {
  const sync = await getAccountSync({
    db: options.ctx.db,
    billingAccountId: options.billingAccountId,
  });
  const limit = options.ctx.provider.writesPerHour;
  const windowStart = sync?.budget_window_start?.getTime();
  const windowOpen = windowStart !== undefined && Date.now() - windowStart < 3_600_000;
  return {
    provider: options.ctx.provider.name,
    pending: sync?.pending ?? 0,
    last_synced_at: sync?.last_synced_at ?? null,
    last_full_sync_at: sync?.last_full_sync_at ?? null,
    drift: (sync?.drift ?? []) as { kind: string; detail: string }[],
    last_error: sync?.last_error ?? null,
    writes_this_hour: windowOpen ? (sync?.writes_in_window ?? 0) : 0,
    deferred_until:
      windowOpen && limit !== undefined && (sync?.writes_in_window ?? 0) >= limit
        ? new Date((sync?.budget_window_start?.getTime() ?? 0) + 3_600_000)
        : null,
    money_drift: moneyDriftOf(sync?.money_drift),
  };
}

/** The stored JSON has the period as ISO strings. */
function moneyDriftOf(stored: unknown) {
  if (!stored) return null;
  const drift = stored as StoredMoneyDrift;
  return {
    ...drift,
    period: { start: new Date(drift.period.start), end: new Date(drift.period.end) },
  };
}

/** A provider failure that is not ours to explain is a 503 naming it. */
function providerUnavailable(error: unknown): never {
  if (error instanceof AppError) throw error;
  throw new AppError({
    code: "provider_unavailable",
    message: `The provider could not be reached: ${(error as Error).message}`,
  });
}

export const providerSyncRoutes = [
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id/sync",
    summary: "How far the payment provider is in step with the ledger",
    tag: "billing",
    response: syncResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "read");
      return syncState({ ctx, billingAccountId: account.id });
    },
  }),
  route({
    method: "POST",
    url: "/v1/billing-accounts/:id/sync",
    summary: "Compare the account with the provider now and repair any difference",
    tag: "billing",
    errors: [409, 503],
    response: syncResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "manage_billing");
      await syncAccount({
        ctx,
        billingAccountId: account.id,
        owner: `api-${randomUUID()}`,
        // A pass the worker is running takes a second or so: wait for it rather than refuse.
        waitForLeaseMs: 10_000,
        full: true,
      }).catch(providerUnavailable);
      return syncState({ ctx, billingAccountId: account.id });
    },
  }),
  route({
    method: "POST",
    url: "/v1/billing-accounts/:id/portal-session",
    summary:
      "A link to Stripe's customer portal (change the card, see Stripe's invoices); 409 provider_not_configured under the local ledger, 409 conflict before set-up",
    tag: "billing",
    errors: [409, 503],
    status: 200,
    response: z.object({ url: z.string() }),
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "manage_billing");
      return ctx.provider
        .openCustomerPortal({
          account,
          returnUrl: `${ctx.publicUrl}/billing-accounts/${account.id}`,
        })
        .catch(providerUnavailable);
    },
  }),
  route({
    method: "POST",
    url: "/v1/billing-accounts/:id/setup",
    summary:
      "Start payment set-up (a Stripe Checkout Session in setup mode); calling it again never makes a second customer",
    tag: "billing",
    errors: [409, 503],
    status: 200,
    response: z.object({ url: z.string(), session_id: z.string() }),
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "manage_billing");
      return ctx.provider.startSetup({
        account,
        returnUrl: `${ctx.publicUrl}/billing-accounts/${account.id}/setup`,
      });
    },
  }),
];
