import { z } from "zod";
import { aggregations } from "../domain/meter.js";
import { isCurrency } from "../domain/money.js";
import { NAME_MAX_LENGTH } from "../domain/names.js";
import { roles } from "../domain/roles.js";
import { decodeCostCursor, decodeCursor } from "./cursor.js";

// Requests: strict objects, so an unknown or misspelt field is a 422 naming it, not silently dropped.
const name = z
  .string()
  .trim()
  .min(1, "must not be blank")
  .max(NAME_MAX_LENGTH, `must be at most ${NAME_MAX_LENGTH} characters`);
const id = z.string().min(1).max(100);
const slug = z.string().min(1).max(100);

const billingChoice = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("inherit") }),
  z.strictObject({ mode: z.literal("separate"), billing_account_id: id.optional() }),
]);

export const signUpBody = z.strictObject({
  email: z.email().max(320),
  password: z.string().min(10, "must be at least 10 characters").max(200),
  name,
});
export const logInBody = z.strictObject({
  email: z.string().max(320),
  password: z.string().max(200),
});
export const organizationBody = z.strictObject({ name });
export const memberBody = z.strictObject({ email: z.email().max(320), role: z.enum(roles) });
export const memberRoleBody = z.strictObject({ role: z.enum(roles) });
export const renameBody = z.strictObject({ name });

/**
 * Every list is paged by keyset: `cursor` is the `next_cursor` of the previous page, an opaque
 * base64url token of the last row's sort key, decoded here (a malformed one is a 422 naming it).
 */
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(500)
    .transform((token, context) => {
      const key = decodeCursor(token);
      if (key === undefined) {
        context.addIssue({ code: "custom", message: "must be a next_cursor from a previous page" });
        return z.NEVER;
      }
      return key;
    })
    .optional(),
});
export const auditQuery = pageQuery.extend({
  order: z.enum(["asc", "desc"]).default("asc"),
  action: z.string().max(100).optional(),
  actor: z.string().max(320).optional(),
});
export const billingAccountBody = z.strictObject({
  name,
  currency: z
    .string()
    .transform((c) => c.toLowerCase())
    .refine(isCurrency, "must be an ISO 4217 currency code such as usd")
    .optional(),
});
export const projectBody = z.strictObject({
  name,
  organization_id: id.optional(),
  billing: billingChoice.optional(),
});
const closeLeftAccount = z
  .boolean()
  .optional()
  .describe("close the account the project leaves, when nothing else bills it (else 409)");
export const projectBillingBody = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("inherit"), close_left_account: closeLeftAccount }),
  z.strictObject({
    mode: z.literal("separate"),
    billing_account_id: id.optional(),
    close_left_account: closeLeftAccount,
  }),
]);
export const projectBillingQuery = z.strictObject({
  dry_run: z.enum(["true", "false"]).optional(),
});
export const pricePreviewBody = z.strictObject({
  project_id: id.optional(),
  organization_id: id.optional(),
  project_billing: billingChoice.optional(),
  resource_type: slug,
  sku: slug,
});
export const resourceBody = z
  .strictObject({
    project_id: id.optional(),
    project: projectBody.optional(),
    resource_type: slug,
    sku: slug,
    name,
  })
  .refine((b) => (b.project_id === undefined) !== (b.project === undefined), {
    message: "give either project_id or project, not both or neither",
    path: ["project_id"],
  });
export const costsQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  group_by: z.enum(["project", "resource_type", "resource", "billing_account"]).default("project"),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe("Groups per page"),
  cursor: z
    .string()
    .max(500)
    .transform((token, context) => {
      const key = decodeCostCursor(token);
      if (key === undefined) {
        context.addIssue({ code: "custom", message: "must be a next_cursor from a previous page" });
        return z.NEVER;
      }
      return key;
    })
    .optional(),
});
/** One resource's cost: the window of the organization's costs, without groups. */
export const resourceCostsQuery = costsQuery.pick({ from: true, to: true });

// Responses: documented in the OpenAPI document.
export const permissionsResponse = z
  .object({
    manage_billing: z.boolean(),
    write_resources: z.boolean(),
    write_projects: z.boolean(),
    manage_members: z.boolean(),
    manage_organization: z.boolean(),
    read_audit: z.boolean(),
  })
  .describe("What the caller's roles allow here: screens hide what they do not");
/** Sent as an ISO 8601 UTC string (`2026-11-10T00:00:00.000Z`); handlers give a Date. */
export const timestamp = z.date().describe("ISO 8601 UTC");
const accountRef = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(["organization", "project"]),
  status: z.string(),
});
const billingState = z.object({
  mode: z.enum(["inherit", "separate"]),
  billing_account_id: z.string(),
  inherited: z.boolean(),
  billing_account: accountRef,
});
export const userResponse = z.object({ id: z.string(), email: z.string(), name: z.string() });
export const organizationResponse = z.object({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  primary_billing_account_id: z.string(),
  role: z.enum(roles).nullable(),
  permissions: permissionsResponse,
  created_at: timestamp,
});
export const projectResponse = z.object({
  id: z.string(),
  name: z.string(),
  organization_id: z.string(),
  billing: billingState,
  permissions: permissionsResponse,
  created_at: timestamp,
});
export const projectBillingResponse = billingState.extend({
  can_manage_billing: z.boolean(),
  can_manage_organization_billing: z.boolean(),
  managed_by: z.array(z.object({ email: z.string(), name: z.string(), role: z.string() })),
});
export const resourceResponse = z.object({
  id: z.string(),
  name: z.string(),
  project_id: z.string(),
  organization_id: z.string(),
  resource_type: z.string(),
  sku: z.string(),
  created_at: timestamp,
  billing: billingState,
});
const money = { currency: z.string() };
export const billingAccountResponse = z.object({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  scope: z.enum(["organization", "project"]),
  currency: z.string(),
  status: z.string(),
  primary: z.boolean().describe("what the organization's inheriting projects bill to"),
  closed_at: timestamp
    .nullable()
    .describe("set while closed; billing a project to the account again reopens it"),
  current_period: z.object({ start: timestamp, end: timestamp }),
  items: z.array(
    z.object({
      resource_type: z.string(),
      sku: z.string(),
      price_version: z.number().int().describe("the price version these resources are billed at"),
      quantity: z.number().int(),
      unit_amount: z.number().int().nullable(),
      usage_quantity: z
        .string()
        .nullable()
        .describe("metered prices: the period's aggregate of the meter so far (decimal text)"),
      amount: z
        .number()
        .int()
        .describe(
          "the full-period amount at the current quantity, tiers applied; metered: the usage so far",
        ),
    }),
  ),
  projects: z.array(z.object({ id: z.string(), name: z.string() })),
});
/**
 * What tells an adjustment line from a charge, on finalized invoices and on the upcoming invoice
 * (which previews the adjustments its finalization will bill) alike.
 */
export const lineKindFields = {
  kind: z
    .enum(["charge", "adjustment"])
    .describe(
      "`charge`: billed for the invoice's period; `adjustment`: late usage or voids of an earlier, already invoiced period (`adjusts_period`), billed as the period's line recomputed minus what was invoiced for it",
    ),
  adjusts_period: z
    .object({ start: timestamp, end: timestamp })
    .nullable()
    .describe("Adjustments: the earlier period they correct (also the line's `period`)"),
  recomputed_amount: z
    .number()
    .int()
    .nullable()
    .describe("Adjustments: the adjusted period's line as its usage prices it now"),
  invoiced_amount: z
    .number()
    .int()
    .nullable()
    .describe(
      "Adjustments: what was invoiced for that line before (its invoice line plus earlier adjustments); `amount` = recomputed − invoiced, negative after a void",
    ),
};
export const chargesResponse = z.object({
  period: z.object({ start: timestamp, end: timestamp }),
  lines: z.array(
    z.object({
      ...lineKindFields,
      resource_type: z.string(),
      sku: z.string(),
      price_version: z.number().int().describe("the price version the line is billed at"),
      description: z.string(),
      quantity: z.number().int().describe("resources billed (metered lines: whose usage it bills)"),
      usage_quantity: z
        .string()
        .nullable()
        .describe(
          "metered lines: the period's aggregate of the meter so far (decimal text), which the amount prices",
        ),
      amount: z.number().int(),
    }),
  ),
  total: z
    .number()
    .int()
    .describe("the lines' sum: the period's charges and the pending adjustments of earlier ones"),
  ...money,
});
/** The meter a metered price bills: what is counted and what one unit of it is called. */
export const meterSummaryResponse = z.object({
  event_name: z.string().describe("the usage events it counts (POST /v1/usage event_name)"),
  name: z.string(),
  aggregation: z.enum(aggregations).describe("how a month's events make the quantity billed"),
  property: z
    .string()
    .nullable()
    .describe("unique_count: the event property whose distinct values are counted"),
  unit_name: z.string().nullable().describe('what one unit is called ("run"), if the catalog says'),
  unit_name_plural: z.string().nullable(),
});
export const pricePreviewResponse = z.object({
  billing_account_id: z.string().nullable(),
  billing_account: z.object({ id: z.string().nullable(), name: z.string(), scope: z.string() }),
  billing_model: z.string(),
  usage_price: z
    .object({
      meter: meterSummaryResponse,
      scheme: z.enum(["per_unit", "tiered", "package"]),
      unit_amount_decimal: z
        .string()
        .nullable()
        .describe(
          "per unit or per package, in minor units as exact decimal text; null when tiered",
        ),
      package_size: z.number().int().nullable(),
      tiers_mode: z.enum(["graduated", "volume"]).nullable(),
      tiers: z
        .array(
          z.object({
            up_to: z.number().int().nullable(),
            unit_amount: z.number().int(),
            flat_amount: z.number().int().optional(),
          }),
        )
        .nullable()
        .describe("over the month's aggregate of the meter on the paying account"),
      description: z
        .string()
        .describe("the usage price in words, e.g. 0.02 USD per unit of Flow runs"),
    })
    .nullable()
    .describe(
      "metered prices: what usage costs, billed each month to the paying account (monthly_amount and prorated_amount are 0 for them)",
    ),
  monthly_amount: z.number().int(),
  prorated_amount: z.number().int(),
  period_end: timestamp,
  price_version: z.number().int().describe("the price version the resource would be billed at"),
  price_version_since: timestamp.describe("since when new resources take that version"),
  scheduled_change: z
    .object({
      effective_from: timestamp,
      price_version: z.number().int(),
      resources_moving: z
        .number()
        .int()
        .describe("resources on the paying account still billed at an earlier version"),
      monthly_amount: z.number().int().describe("what one more costs a month once they moved"),
    })
    .nullable()
    .describe(
      "when resources still billed at an earlier version of this price move to this one, if scheduled",
    ),
  ...money,
});
export const costsResponse = z.object({
  from: timestamp,
  to: timestamp,
  total: z.number().int(),
  projected_total: z.number().int(),
  groups: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      amount: z.number().int(),
      projected_amount: z.number().int(),
      project_id: z.string().optional().describe("group_by=resource: the resource's project"),
      project_name: z.string().optional(),
      deleted: z
        .boolean()
        .optional()
        .describe("group_by=project|resource: deleted since; its past costs remain"),
    }),
  ),
  next_cursor: z
    .string()
    .nullable()
    .describe(
      "Pass as `cursor` for the next page of groups (largest projected amount first, then by key); null on the last page. The totals are the whole window's on every page",
    ),
  ...money,
});
export const resourceCostsResponse = z.object({
  resource_id: z.string(),
  from: timestamp,
  to: timestamp,
  amount: z.number().int().describe("Accrued in [from, to) so far"),
  projected_amount: z.number().int().describe("At `to` if what runs now keeps running"),
  ...money,
});
/** A whole, small list that does not grow with an organization (the catalog's resource types). */
export function listOf<Item extends z.ZodType>(item: Item) {
  return z.object({ data: z.array(item) });
}

/** One page of a list in its stable order; `next_cursor` asks for the page after it. */
export function pageOf<Item extends z.ZodType>(item: Item) {
  return z.object({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .describe("Pass as `cursor` for the next page; null on the last page"),
  });
}

/** A member with a role at organization or project scope (the members routes of both scopes). */
export const memberResponse = z.object({
  user_id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  scope: z.enum(["organization", "project"]),
});
