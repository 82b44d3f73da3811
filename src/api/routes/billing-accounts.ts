import { z } from "zod";
import { accountCharges } from "../../billing/account-charges.js";
import { closeBillingAccount } from "../../billing/close-billing-account.js";
import { describeBillingAccount } from "../../billing/describe-billing-account.js";
import { renameBillingAccount } from "../../billing/rename-billing-account.js";
import {
  applyPrimaryAccountChange,
  planPrimaryAccountChange,
} from "../../billing/set-primary-billing-account.js";
import type { AppContext } from "../../context.js";
import type { BillingAccountRow } from "../../db/billing-accounts.js";
import { billingAccountInPath } from "../path-access.js";
import { presentBillingAccount } from "../presenters.js";
import { route } from "../route.js";
import {
  billingAccountResponse,
  chargesResponse,
  projectBillingQuery,
  renameBody,
  timestamp,
} from "../schemas.js";

const accountRef = z.object({ billing_account_id: z.string(), name: z.string() });

const primaryChangeResponse = z.object({
  organization_id: z.string(),
  primary_billing_account_id: z.string(),
  from: accountRef,
  effective_at: timestamp,
  dry_run: z.boolean(),
  reopened: z.boolean().describe("the account was closed: making it the primary reopens it"),
  moved: z
    .object({
      resources: z.number().int().describe("the resources whose billing moves to the account"),
      projects: z.number().int().describe("the inheriting projects that change payer"),
    })
    .describe("how much moves, as counts (which resources: each project's paged resource list)"),
  left_account: accountRef
    .extend({ closable: z.boolean() })
    .nullable()
    .describe("the former primary, and whether nothing bills it any more"),
});

/**
 * The account as GET shows it. Its items hold the month's metered usage of every resource on the
 * account, a cost query: read in its turn, after the write committed (inside the transaction it
 * would hold the write's locks for as long as the read takes).
 */
async function present(options: { ctx: AppContext; account: BillingAccountRow }) {
  const { ctx, account } = options;
  return presentBillingAccount(
    await ctx.costQueryTurns(() => describeBillingAccount({ ctx, db: ctx.db, account })),
  );
}

export const billingAccountRoutes = [
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id",
    summary: "A billing account with one item per price (quantity = active resources)",
    tag: "billing",
    response: billingAccountResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "read");
      return present({ ctx, account });
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/billing-accounts/:id",
    summary: "Rename the billing account (billing admins and owners)",
    tag: "billing",
    body: renameBody,
    response: billingAccountResponse,
    handler: async ({ ctx, user, params, body }) => {
      const account = await ctx.db.transaction((tx) =>
        renameBillingAccount({
          ctx,
          tx,
          userId: user.id,
          billingAccountId: params.id ?? "",
          name: body.name,
        }),
      );
      return present({ ctx, account });
    },
  }),
  route({
    method: "POST",
    url: "/v1/billing-accounts/:id/close",
    summary:
      "Close an account nothing bills (409 billing_account_in_use or billing_account_primary otherwise); with Stripe its subscription ends with a final invoice, the customer is kept",
    tag: "billing",
    status: 200,
    errors: [409],
    response: billingAccountResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await ctx.db.transaction((tx) =>
        closeBillingAccount({ ctx, tx, userId: user.id, billingAccountId: params.id ?? "" }),
      );
      return present({ ctx, account });
    },
  }),
  route({
    method: "POST",
    url: "/v1/billing-accounts/:id/make-primary",
    summary:
      "Make this account the organization's primary: every inheriting project's resources move to it at one instant. ?dry_run=true previews",
    tag: "billing",
    status: 200,
    errors: [409],
    query: projectBillingQuery,
    response: primaryChangeResponse,
    handler: async ({ ctx, user, params, query }) => {
      const dryRun = query.dry_run === "true";
      return ctx.db.transaction(async (tx) => {
        const change = await planPrimaryAccountChange({
          ctx,
          tx,
          userId: user.id,
          billingAccountId: params.id ?? "",
        });
        if (!dryRun) await applyPrimaryAccountChange({ ctx, tx, userId: user.id, change });
        const { from, to, plan } = change;
        return {
          organization_id: change.organization.id,
          primary_billing_account_id: to.id,
          from: { billing_account_id: from.id, name: from.name },
          effective_at: plan.at,
          dry_run: dryRun,
          reopened: to.closed_at !== null,
          moved: plan.moving,
          left_account:
            from.id === to.id
              ? null
              : { billing_account_id: from.id, name: from.name, closable: change.leftClosable },
        };
      });
    },
  }),
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id/upcoming-invoice",
    summary: "The invoice at the end of the current period if what runs now keeps running",
    tag: "billing",
    response: chargesResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "read");
      return ctx.costQueryTurns(() =>
        accountCharges({ ctx, db: ctx.db, account, until: "period_end" }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id/charges",
    summary: "What the current period has charged so far",
    tag: "billing",
    response: chargesResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "read");
      return ctx.costQueryTurns(() => accountCharges({ ctx, db: ctx.db, account, until: "now" }));
    },
  }),
];
