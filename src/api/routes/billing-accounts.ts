import { authorizeOrganization } from "../../access/authorize.js";
import { accountCharges } from "../../billing/account-charges.js";
import { describeBillingAccount } from "../../billing/describe-billing-account.js";
import type { AppContext } from "../../context.js";
import { type BillingAccountRow, getBillingAccount } from "../../db/billing-accounts.js";
import { notFound } from "../../domain/errors.js";
import { presentBillingAccount } from "../presenters.js";
import { route } from "../route.js";
import { billingAccountResponse, chargesResponse } from "../schemas.js";

async function readableAccount(options: {
  ctx: AppContext;
  userId: string;
  id: string;
}): Promise<BillingAccountRow> {
  const account = await getBillingAccount({ db: options.ctx.db, id: options.id });
  if (!account) throw notFound("Billing account");
  await authorizeOrganization({
    db: options.ctx.db,
    userId: options.userId,
    organizationId: account.organization_id,
    action: "read",
  }).catch((error) => {
    throw error.code === "not_found" ? notFound("Billing account") : error;
  });
  return account;
}

export const billingAccountRoutes = [
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id",
    summary: "A billing account with one item per price (quantity = active resources)",
    tag: "billing",
    response: billingAccountResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await readableAccount({ ctx, userId: user.id, id: params.id ?? "" });
      return presentBillingAccount(await describeBillingAccount({ ctx, db: ctx.db, account }));
    },
  }),
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id/upcoming-invoice",
    summary: "The invoice at the end of the current period if what runs now keeps running",
    tag: "billing",
    response: chargesResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await readableAccount({ ctx, userId: user.id, id: params.id ?? "" });
      return accountCharges({ ctx, db: ctx.db, account, until: "period_end" });
    },
  }),
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id/charges",
    summary: "What the current period has charged so far",
    tag: "billing",
    response: chargesResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await readableAccount({ ctx, userId: user.id, id: params.id ?? "" });
      return accountCharges({ ctx, db: ctx.db, account, until: "now" });
    },
  }),
];
