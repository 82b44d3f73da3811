import { z } from "zod";
import { authorizeResource } from "../../access/authorize.js";
import { aggregations } from "../../domain/meter.js";
import { usageRejections } from "../../domain/usage-event.js";
import { ingestUsage } from "../../usage/ingest-usage.js";
import {
  organizationUsageRequest,
  queryOrganizationUsage,
} from "../../usage/query-organization-usage.js";
import { queryResourceUsage } from "../../usage/query-resource-usage.js";
import { voidUsage } from "../../usage/void-usage.js";
import { organizationInPath } from "../path-access.js";
import { route } from "../route.js";
import { timestamp } from "../schemas.js";

export const MAX_USAGE_EVENTS = 10_000;

const propertyValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);
const usageEvent = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(255)
    .describe("Unique per organization, forever: a retry sends the same"),
  resource_id: z.string().min(1).max(100),
  event_name: z.string().min(1).max(100),
  value: z
    .union([z.number(), z.string().max(40)])
    .describe("A non-negative decimal (a JSON number, or a string for exact decimals)"),
  timestamp: z.string().max(40).describe("ISO 8601 with a time zone; at most 5 minutes ahead"),
  properties: z
    .record(z.string().min(1).max(100), propertyValue)
    .refine((p) => Object.keys(p).length <= 50, "at most 50 properties")
    .optional(),
});

const usageBody = z.strictObject({
  events: z.array(usageEvent).min(1).max(MAX_USAGE_EVENTS),
});

const outcome = z.object({
  index: z.number().int(),
  id: z.string(),
  status: z.enum(["accepted", "duplicate", "rejected"]),
  code: z.enum(usageRejections).optional(),
  message: z.string().optional(),
});

const usageResponse = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  events: z.array(outcome).describe("One outcome per event, in the order sent"),
});

const voidBody = z.strictObject({
  ids: z.array(z.string().min(1).max(255)).min(1).max(MAX_USAGE_EVENTS),
  organization_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Needed only when an id names events in several of the caller's organizations"),
});

const voidResponse = z.object({
  voided: z.number().int(),
  already_voided: z.number().int(),
  not_found: z.number().int(),
  events: z
    .array(
      z.object({
        index: z.number().int(),
        id: z.string(),
        status: z.enum(["voided", "already_voided", "not_found"]),
      }),
    )
    .describe("One outcome per id, in the order sent"),
});

// Edges are exact, never rounded: usage is kept per UTC hour, so a bound inside an hour is refused
// (422 naming the field) rather than silently leaving out, or counting whole, the hour it cuts.
const boundDescription =
  "Must fall on a whole UTC hour (a whole UTC day for granularity=day); a bound inside an hour is refused with 422 validation_failed naming the field, never rounded. [from, to) counts exactly the events dated in it";
const range = {
  from: z.iso.datetime({ offset: true }).optional().describe(boundDescription),
  to: z.iso.datetime({ offset: true }).optional().describe(boundDescription),
};

const decimal = z.string().describe("An exact decimal");

export const usageRoutes = [
  route({
    method: "POST",
    url: "/v1/usage",
    summary:
      "Record usage events (up to 10,000): each is accepted, a duplicate of one sent before (counted once), or rejected with a code; good events land whatever the others",
    tag: "usage",
    body: usageBody,
    response: usageResponse,
    bodyLimit: 16 * 1024 * 1024,
    handler: async ({ ctx, user, body }) => {
      const events = await ingestUsage({ ctx, userId: user.id, events: body.events });
      const count = (status: string) => events.filter((e) => e.status === status).length;
      return {
        accepted: count("accepted"),
        duplicates: count("duplicate"),
        rejected: count("rejected"),
        events,
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/usage/void",
    summary:
      "Void usage events by id (up to 10,000): they stop counting in every query and amount from then on, and nothing is deleted; each id is voided, already_voided or not_found. A voided id stays taken",
    tag: "usage",
    body: voidBody,
    response: voidResponse,
    bodyLimit: 4 * 1024 * 1024,
    handler: async ({ ctx, user, body }) => {
      const events = await voidUsage({
        ctx,
        userId: user.id,
        ids: body.ids,
        organizationId: body.organization_id,
      });
      const count = (status: string) => events.filter((e) => e.status === status).length;
      return {
        voided: count("voided"),
        already_voided: count("already_voided"),
        not_found: count("not_found"),
        events,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/resources/:id/usage",
    summary:
      "A resource's usage of one meter over [from, to) (default: this month), per hour or day in UTC, aggregated as the meter says",
    tag: "usage",
    query: z.strictObject({
      event_name: z.string().min(1).max(100),
      ...range,
      granularity: z.enum(["hour", "day"]).default("day"),
    }),
    response: z.object({
      resource_id: z.string(),
      event_name: z.string(),
      aggregation: z.enum(aggregations),
      granularity: z.enum(["hour", "day"]),
      from: timestamp,
      to: timestamp,
      total: decimal.nullable().describe("Over the whole range; null for max or latest of nothing"),
      data: z
        .array(z.object({ start: timestamp, value: decimal }))
        .describe("Buckets that hold events, in order"),
    }),
    handler: async ({ ctx, user, params, query }) => {
      const { resource } = await authorizeResource({
        db: ctx.db,
        userId: user.id,
        resourceId: params.id ?? "",
        action: "read",
      });
      return queryResourceUsage({
        ctx,
        resourceId: resource.id,
        eventName: query.event_name,
        from: query.from,
        to: query.to,
        granularity: query.granularity,
      });
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/usage",
    summary:
      "Usage over [from, to) (default: this month, whole hours) per project, resource or meter: each resource's quantity for the meter, added up; paged by cursor",
    tag: "usage",
    query: z.strictObject({
      ...range,
      group_by: z.enum(["project", "resource", "event_name"]).default("project"),
      limit: z.coerce.number().int().min(1).max(200).default(100),
      cursor: z.string().max(1000).optional(),
    }),
    response: z.object({
      from: timestamp,
      to: timestamp,
      data: z.array(
        z.object({
          project_id: z.string().nullable(),
          resource_id: z.string().nullable(),
          event_name: z.string(),
          aggregation: z.enum(aggregations),
          value: decimal.describe("The sum over resources of each resource's aggregate"),
          resources: z.number().int().describe("How many resources sent usage"),
        }),
      ),
      next_cursor: z.string().nullable(),
    }),
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const request = organizationUsageRequest({
        now: ctx.clock(),
        from: query.from,
        to: query.to,
        groupBy: query.group_by,
        limit: query.limit,
        cursor: query.cursor,
      });
      // Every resource's usage in the range is summed, whatever the page holds.
      return ctx.costQueryTurns(() =>
        queryOrganizationUsage({ ctx, organizationId: organization.id, request }),
      );
    },
  }),
];
