import { accountCharges } from "../../billing/account-charges.js";
import { describeBillingAccount } from "../../billing/describe-billing-account.js";
import { billingAccountInPath } from "../path-access.js";
import { presentBillingAccount } from "../presenters.js";
import { route } from "../route.js";
import { billingAccountResponse, chargesResponse } from "../schemas.js";

export const billingAccountRoutes = [
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id",
    summary: "A billing account with one item per price (quantity = active resources)",
    tag: "billing",
    response: billingAccountResponse,
    handler: async ({ ctx, user, params }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "read");
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
      const account = await billingAccountInPath({ ctx, user, params }, "read");
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
      const account = await billingAccountInPath({ ctx, user, params }, "read");
      return accountCharges({ ctx, db: ctx.db, account, until: "now" });
    },
  }),
];
