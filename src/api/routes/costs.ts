import { authorizeResource } from "../../access/authorize.js";
import { costBreakdown, sumCosts } from "../../billing/cost-breakdown.js";
import type { AppContext } from "../../context.js";
import { getOrganization } from "../../db/organizations.js";
import { calendarMonthOf } from "../../domain/billing-period.js";
import { AppError, notFound } from "../../domain/errors.js";
import type { PriceRef } from "../../domain/flat-rates.js";
import { priceKey } from "../../domain/pricing.js";
import { encodeCostCursor } from "../cursor.js";
import { organizationInPath } from "../path-access.js";
import { route } from "../route.js";
import {
  costsQuery,
  costsResponse,
  resourceCostsQuery,
  resourceCostsResponse,
} from "../schemas.js";

/** [from, to): this calendar month by default, at most 366 days, `to` after `from`. */
function costWindow(options: {
  clock: () => Date;
  from?: string | undefined;
  to?: string | undefined;
}) {
  const period = calendarMonthOf(options.clock());
  const from = options.from ? new Date(options.from) : period.start;
  const to = options.to ? new Date(options.to) : period.end;
  if (to.getTime() <= from.getTime()) {
    throw new AppError({
      code: "validation_failed",
      message: "to must be after from",
      field: "to",
    });
  }
  if (to.getTime() - from.getTime() > 366 * 24 * 3600 * 1000) {
    throw new AppError({
      code: "validation_failed",
      message: "the window may span at most 366 days",
      field: "to",
    });
  }
  return { from, to };
}

/**
 * A tiered or metered price's share is read from the account's whole line of the price (tiers and
 * packages apply to the account's quantity): a cost query that grows with the account, unlike a
 * flat price's, read from the resource's own rows. A resource keeps its price for life.
 */
function readsAccountLines(options: { ctx: AppContext; price: PriceRef }): boolean {
  const versions = options.ctx.catalog.prices.get(priceKey(options.price)) ?? [];
  return versions.some(
    ({ price }) => price.billing_model === "tiered" || price.billing_model === "metered",
  );
}

export const costRoutes = [
  route({
    method: "GET",
    url: "/v1/organizations/:id/costs",
    summary:
      "Accrued and projected cost in [from, to), grouped, paged by cursor; the groups of all pages sum exactly to the totals",
    tag: "billing",
    query: costsQuery,
    response: costsResponse,
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const window = costWindow({ clock: ctx.clock, from: query.from, to: query.to });
      const { next, ...costs } = await ctx.costQueryTurns(() =>
        costBreakdown({
          ctx,
          db: ctx.db,
          organizationId: organization.id,
          currency: organization.currency,
          ...window,
          groupBy: query.group_by,
          page: { limit: query.limit, after: query.cursor },
        }),
      );
      return { ...costs, next_cursor: next ? encodeCostCursor(next) : null };
    },
  }),
  route({
    method: "GET",
    url: "/v1/resources/:id/costs",
    summary:
      "One resource's accrued and projected cost in [from, to) (default: this month), read from its own ledger rows: what the resource page shows",
    tag: "billing",
    query: resourceCostsQuery,
    response: resourceCostsResponse,
    handler: async ({ ctx, user, params, query }) => {
      const { resource, project } = await authorizeResource({
        db: ctx.db,
        userId: user.id,
        resourceId: params.id ?? "",
        action: "read",
      });
      const organization = await getOrganization({ db: ctx.db, id: project.organization_id });
      if (!organization) throw notFound("Resource");
      const { from, to } = costWindow({ clock: ctx.clock, from: query.from, to: query.to });
      const read = () =>
        sumCosts({
          ctx,
          db: ctx.db,
          organizationId: organization.id,
          from,
          to,
          column: "resource_id",
          resourceId: resource.id,
        });
      const summed = await (readsAccountLines({ ctx, price: resource })
        ? ctx.costQueryTurns(read)
        : read());
      const own = summed.groups.get(resource.id);
      return {
        resource_id: resource.id,
        from,
        to,
        amount: own?.amount ?? 0,
        projected_amount: own?.projected_amount ?? 0,
        currency: organization.currency,
      };
    },
  }),
];
