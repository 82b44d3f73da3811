import { authorizeOrganization, authorizeProject } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import type { Queryable } from "../db/database.js";
import { listOrganizationsOfUser } from "../db/organizations.js";
import { findUserById } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { previewCharge, type UsagePrice, usagePrice } from "../domain/preview-charge.js";
import { finalVersion, latestVersion } from "../domain/price-versions.js";
import { type Price, periodAmount, priceKey } from "../domain/pricing.js";
import type { ProjectBillingInput } from "../projects/create-project.js";
import { activeItems } from "./account-items.js";
import { findOrganizationAccount } from "./find-organization-account.js";
import { findPrice } from "./find-price.js";

export interface PricePreviewInput {
  project_id?: string;
  organization_id?: string;
  /** For a project not created yet: the billing it will be created with. */
  project_billing?: ProjectBillingInput;
  resource_type: string;
  sku: string;
}

export interface PricePreview {
  /** Null when the paying account would be created along with the project or organization. */
  billing_account_id: string | null;
  billing_account: { id: string | null; name: string; scope: "organization" | "project" };
  currency: string;
  billing_model: string;
  /** Metered prices: what usage costs (their monthly and prorated amounts are 0); else null. */
  usage_price: UsagePrice | null;
  monthly_amount: number;
  prorated_amount: number;
  period_end: Date;
  /** The price version the resource would be billed at: the latest, from the start. */
  price_version: number;
  /** Since when new resources take this version. */
  price_version_since: Date;
  /**
   * When resources still billed at an earlier version of this price move to this one (null when
   * none is scheduled): `resources_moving` of them on the paying account, after which one more
   * costs `monthly_amount` a month (tiers count them all then).
   */
  scheduled_change: {
    effective_from: Date;
    price_version: number;
    resources_moving: number;
    monthly_amount: number;
  } | null;
}

type Payer = {
  account: PricePreview["billing_account"];
  /** Active resources of the price billed at the latest version now, and at earlier ones. */
  currentQuantity: number;
  olderQuantity: number;
};

/** What creating the resource now would cost, and who would pay: the same resolution as creating it. */
export async function previewPrice(options: {
  ctx: AppContext;
  db: Queryable;
  userId: string;
  input: PricePreviewInput;
}): Promise<PricePreview> {
  const { ctx, db, userId, input } = options;
  const offered = findPrice({
    catalog: ctx.catalog,
    resourceType: input.resource_type,
    sku: input.sku,
  });
  // What a create takes: the latest stored version (a newer catalog another process recorded
  // since this one started included).
  const latest = latestVersion(ctx.catalog.prices, offered);
  if (!latest) throw new Error(`price ${offered.resource_type}/${offered.sku} has no version`);
  const price = latest.price;
  const now = ctx.clock();
  const quantityOn = async (billingAccountId: string) => {
    let current = 0;
    let older = 0;
    for (const item of await activeItems({ ctx, db, billingAccountId, at: now })) {
      if (item.resource_type !== price.resource_type || item.sku !== price.sku) continue;
      if (item.price_version === latest.version) current += item.quantity;
      else if (
        finalVersion({ book: ctx.catalog.prices, ref: price, version: item.price_version }) ===
        latest.version
      ) {
        // Billed at an earlier version now, moving to the latest at its effective_from.
        older += item.quantity;
      }
    }
    return { currentQuantity: current, olderQuantity: older };
  };

  let payer: Payer;
  if (input.project_id) {
    const { billing } = await authorizeProject({
      db,
      userId,
      projectId: input.project_id,
      action: "read",
    });
    payer = {
      account: { id: billing.account.id, name: billing.account.name, scope: billing.account.scope },
      ...(await quantityOn(billing.account.id)),
    };
  } else if (input.organization_id) {
    const { organization } = await authorizeOrganization({
      db,
      userId,
      organizationId: input.organization_id,
      action: "read",
    });
    const billing = input.project_billing ?? { mode: "inherit" };
    if (billing.mode === "separate" && !billing.billing_account_id) {
      payer = {
        account: { id: null, name: "New account for this project", scope: "project" },
        currentQuantity: 0,
        olderQuantity: 0,
      };
    } else {
      const account = await findOrganizationAccount({
        db,
        organizationId: organization.id,
        billingAccountId: billing.billing_account_id ?? organization.primary_billing_account_id,
        field: billing.billing_account_id
          ? "project_billing.billing_account_id"
          : "organization_id",
      });
      payer = {
        account: { id: account.id, name: account.name, scope: account.scope },
        ...(await quantityOn(account.id)),
      };
    }
  } else {
    payer = await firstOrganizationPayer({ db, userId, input });
  }
  const charge = previewCharge({ price, currentQuantity: payer.currentQuantity, at: now });
  const pending = latest.effective_from !== null && latest.effective_from.getTime() > now.getTime();
  const after = payer.currentQuantity + payer.olderQuantity;
  return {
    billing_account_id: payer.account.id,
    billing_account: payer.account,
    currency: price.currency,
    billing_model: price.billing_model,
    usage_price: meteredPrice(ctx, price),
    monthly_amount: charge.monthly_amount,
    prorated_amount: charge.prorated_amount,
    period_end: charge.period.end,
    price_version: latest.version,
    price_version_since: latest.created_at,
    scheduled_change:
      pending && latest.effective_from
        ? {
            effective_from: latest.effective_from,
            price_version: latest.version,
            resources_moving: payer.olderQuantity,
            monthly_amount:
              periodAmount({ price, quantity: after + 1 }) -
              periodAmount({ price, quantity: after }),
          }
        : null,
  };
}

function meteredPrice(ctx: AppContext, price: Price): UsagePrice | null {
  if (!price.meter) return null;
  const meter = ctx.catalog.meters.get(price.meter.event_name);
  if (!meter)
    throw new Error(`meter ${price.meter.event_name} of ${priceKey(price)} is not declared`);
  return usagePrice({ price, meter });
}

/** A caller with no organization yet: the organization created with the project would pay. */
async function firstOrganizationPayer(options: {
  db: Queryable;
  userId: string;
  input: PricePreviewInput;
}): Promise<Payer> {
  const { db, userId, input } = options;
  const organizations = await listOrganizationsOfUser({ db, userId });
  if (organizations.length > 0) {
    throw new AppError({
      code: "organization_required",
      message: "Say which project or organization the resource would belong to",
      field: "project_id",
    });
  }
  const user = await findUserById({ db, id: userId });
  const separate = input.project_billing?.mode === "separate";
  return {
    account: separate
      ? { id: null, name: "New account for this project", scope: "project" }
      : { id: null, name: user?.name ?? "Your new organization", scope: "organization" },
    currentQuantity: 0,
    olderQuantity: 0,
  };
}
