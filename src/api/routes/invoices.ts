import { z } from "zod";
import type { InvoiceRow } from "../../db/invoices.js";
import {
  compareProviderInvoices,
  type ProviderSide,
} from "../../invoices/compare-provider-invoice.js";
import { getInvoiceForReader } from "../../invoices/get-invoice.js";
import { listInvoices } from "../../invoices/list-invoices.js";
import { billingAccountInPath } from "../path-access.js";
import { route } from "../route.js";
import { lineKindFields, timestamp } from "../schemas.js";

const period = z.object({ start: timestamp, end: timestamp });

const moneyComparison = z.object({
  ledger: z.number().int(),
  provider: z.number().int(),
  drift: z.number().int().describe("provider − ledger, minor units"),
});

const providerInvoice = z.object({
  id: z.string().describe("Stripe's invoice id"),
  number: z.string().nullable(),
  status: z.string().describe("Stripe's status: open, paid, uncollectible, void"),
  hosted_invoice_url: z.string().nullable(),
  invoice_pdf: z.string().nullable(),
  currency: z.string(),
  total: z.number().int().describe("Stripe's invoice total, ISO minor units"),
  period: period.describe("Stripe's invoice period: for a renewal, the period that closed"),
  billing_reason: z.string().nullable(),
});

const providerSummary = z
  .object({
    invoices: z
      .array(providerInvoice)
      .describe(
        "Stripe's invoices that bill this month's service: Stripe bills in advance, so the month lies on the invoice that opened it and the renewal that closes it (its prorations)",
      ),
    total: moneyComparison.describe(
      "Stripe's lines for this month's service against the ledger's total",
    ),
  })
  .nullable()
  .describe(
    "What the provider (Stripe) billed for this month; null under the local ledger or before Stripe's invoices are recorded",
  );

const invoiceSummary = z.object({
  id: z.string(),
  number: z.string().describe("`<account prefix>-0001`: gapless per billing account"),
  billing_account_id: z.string(),
  organization_id: z.string(),
  period,
  currency: z.string(),
  total: z.number().int(),
  status: z.literal("finalized"),
  finalized_at: timestamp,
  provider: providerSummary,
});

// The price as it was when the invoice was finalized: whatever the catalog says today.
const priceSnapshot = z
  .looseObject({
    resource_type: z.string(),
    sku: z.string(),
    billing_model: z.string(),
    currency: z.string(),
    interval: z.string(),
    unit_amount: z.number().int().nullable(),
    tiers_mode: z.string().optional(),
    tiers: z
      .array(
        z.object({
          up_to: z.number().int().nullable(),
          unit_amount: z.number().int(),
          flat_amount: z.number().int().optional(),
        }),
      )
      .optional(),
    meter: z.object({ event_name: z.string() }).optional(),
    unit_amount_decimal: z.string().optional(),
    package_size: z.number().int().optional(),
  })
  .describe("The full price definition the line was computed with, frozen at finalization");

const invoiceDetail = invoiceSummary.extend({
  provider: z
    .object({
      invoices: z.array(providerInvoice),
      total: moneyComparison,
      lines: z
        .array(
          moneyComparison.extend({
            resource_type: z.string(),
            sku: z.string(),
            price_version: z.number().int().nullable(),
            provider_lines: z
              .number()
              .int()
              .describe("Stripe lines summed into `provider`; each is rounded once"),
          }),
        )
        .describe("Per ledger line (price version): Stripe's lines for it summed"),
    })
    .nullable()
    .describe(providerSummary.description ?? ""),
  billing_account: z
    .object({ id: z.string(), name: z.string() })
    .describe("The paying account, named as it was when the invoice was finalized"),
  lines: z.array(
    z.object({
      line_no: z.number().int(),
      ...lineKindFields,
      resource_type: z.string(),
      sku: z.string(),
      description: z.string(),
      price_version: z.number().int().describe("The price version the line was billed at"),
      price: priceSnapshot,
      quantity: z
        .number()
        .int()
        .describe(
          "Resources active in the last second of the period; metered lines: the resources whose usage it bills",
        ),
      usage_quantity: z
        .string()
        .nullable()
        .describe(
          "Metered lines: the period's aggregate of the meter (decimal text), which the amount prices",
        ),
      period,
      amount: z.number().int(),
      currency: z.string(),
      shares: z
        .array(
          z.object({
            resource_id: z.string(),
            resource_name: z.string(),
            project_id: z.string(),
            project_name: z.string(),
            amount: z.number().int(),
          }),
        )
        .describe("The line split over its resources; sums to the line's amount exactly"),
    }),
  ),
  projects: z
    .array(z.object({ project_id: z.string(), project_name: z.string(), amount: z.number().int() }))
    .describe("The shares summed per project; sums to the total exactly"),
});

const invoicesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(24),
  cursor: z
    .string()
    .regex(/^[0-9]{1,9}$/, "must be a next_cursor from a previous page")
    .optional(),
});

function presentProvider(side: ProviderSide | null | undefined) {
  if (!side) return null;
  return {
    invoices: side.invoices.map((p) => ({
      id: p.provider_invoice_id,
      number: p.number,
      status: p.status,
      hosted_invoice_url: p.hosted_invoice_url,
      invoice_pdf: p.invoice_pdf,
      currency: p.currency,
      total: p.total,
      period: { start: p.period_start, end: p.period_end },
      billing_reason: p.billing_reason,
    })),
    total: side.total,
    lines: side.lines,
  };
}

function presentSummary(invoice: InvoiceRow, side: ProviderSide | null | undefined) {
  const provider = presentProvider(side);
  return {
    id: invoice.id,
    number: invoice.number,
    billing_account_id: invoice.billing_account_id,
    organization_id: invoice.organization_id,
    period: { start: invoice.period_start, end: invoice.period_end },
    currency: invoice.currency,
    total: invoice.total,
    status: "finalized" as const,
    finalized_at: invoice.finalized_at,
    provider: provider && { invoices: provider.invoices, total: provider.total },
  };
}

export const invoiceRoutes = [
  route({
    method: "GET",
    url: "/v1/billing-accounts/:id/invoices",
    summary: "The account's finalized invoices, one per closed period with charges, newest first",
    tag: "billing",
    query: invoicesQuery,
    response: z.object({
      data: z.array(invoiceSummary),
      next_cursor: z
        .string()
        .nullable()
        .describe("Pass as `cursor` for the next page; null on the last page"),
    }),
    handler: async ({ ctx, user, params, query }) => {
      const account = await billingAccountInPath({ ctx, user, params }, "read");
      const page = await listInvoices({
        ctx,
        account,
        limit: query.limit,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      const sides = await compareProviderInvoices({ db: ctx.db, invoices: page.data });
      return {
        data: page.data.map((invoice) => presentSummary(invoice, sides.get(invoice.id))),
        next_cursor: page.next_cursor,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/invoices/:id",
    summary: "A finalized invoice: lines with their frozen price and shares, and totals",
    tag: "billing",
    response: invoiceDetail,
    handler: async ({ ctx, user, params }) => {
      const detail = await getInvoiceForReader({
        ctx,
        userId: user.id,
        invoiceId: params.id ?? "",
      });
      const side = (
        await compareProviderInvoices({
          db: ctx.db,
          invoices: [detail.invoice],
          ledgerLines: new Map([[detail.invoice.id, detail.lines]]),
        })
      ).get(detail.invoice.id);
      return {
        ...presentSummary(detail.invoice, side),
        provider: presentProvider(side),
        billing_account: { id: detail.account.id, name: detail.invoice.billing_account_name },
        lines: detail.lines.map((line) => ({
          line_no: line.line_no,
          kind: line.kind,
          adjusts_period:
            line.kind === "adjustment" ? { start: line.period_start, end: line.period_end } : null,
          recomputed_amount: line.recomputed_amount,
          invoiced_amount: line.invoiced_amount,
          resource_type: line.resource_type,
          sku: line.sku,
          description: line.description,
          price_version: line.price_version,
          price: line.price as z.input<typeof priceSnapshot>,
          quantity: line.quantity,
          usage_quantity: line.usage_quantity,
          period: { start: line.period_start, end: line.period_end },
          amount: line.amount,
          currency: line.currency,
          shares: line.shares.map((share) => ({
            resource_id: share.resource_id,
            resource_name: share.resource_name,
            project_id: share.project_id,
            project_name: share.project_name,
            amount: share.amount,
          })),
        })),
        projects: detail.projects,
      };
    },
  }),
];
