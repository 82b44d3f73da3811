import { z } from "zod";
import { authorizeOrganizationMember } from "../../access/authorize.js";
import { addBillingAccount } from "../../billing/add-billing-account.js";
import { costBreakdown } from "../../billing/cost-breakdown.js";
import {
  describeBillingAccount,
  describeBillingAccounts,
} from "../../billing/describe-billing-account.js";
import { type ProjectBilling, resolveProjectsBilling } from "../../billing/project-billing.js";
import { listAudit } from "../../db/audit.js";
import { listBillingAccounts } from "../../db/billing-accounts.js";
import { listMembers } from "../../db/memberships.js";
import { listOrganizationsOfUser } from "../../db/organizations.js";
import { listProjects } from "../../db/projects.js";
import { calendarMonthOf } from "../../domain/billing-period.js";
import { AppError } from "../../domain/errors.js";
import type { Role } from "../../domain/roles.js";
import { createOrganization } from "../../organizations/create-organization.js";
import { organizationInPath } from "../path-access.js";
import { presentBillingAccount, presentOrganization, presentProject } from "../presenters.js";
import { route } from "../route.js";
import {
  auditQuery,
  billingAccountBody,
  billingAccountResponse,
  costsQuery,
  costsResponse,
  listOf,
  memberResponse,
  organizationBody,
  organizationResponse,
  projectResponse,
  timestamp,
} from "../schemas.js";

export const organizationRoutes = [
  route({
    method: "POST",
    url: "/v1/organizations",
    summary: "Create an organization with its primary billing account",
    tag: "organizations",
    body: organizationBody,
    status: 201,
    response: organizationResponse,
    idempotent: true,
    handler: async ({ ctx, tx, user, body }) => {
      const organization = await createOrganization({
        ctx,
        tx,
        userId: user.id,
        name: body.name,
        at: ctx.clock(),
      });
      return presentOrganization(organization, "owner");
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations",
    summary: "Organizations the caller belongs to",
    tag: "organizations",
    response: listOf(organizationResponse),
    handler: async ({ ctx, user }) => {
      const organizations = await listOrganizationsOfUser({ db: ctx.db, userId: user.id });
      return { data: organizations.map((o) => presentOrganization(o, o.role)) };
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id",
    summary: "One organization",
    tag: "organizations",
    response: organizationResponse,
    handler: async ({ ctx, user, params }) => {
      const { organization, role } = await authorizeOrganizationMember({
        db: ctx.db,
        userId: user.id,
        organizationId: params.id ?? "",
      });
      return presentOrganization(organization, role);
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/members",
    summary: "Members with a role at organization scope",
    tag: "organizations",
    response: listOf(memberResponse),
    handler: async ({ ctx, user, params }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const members = await listMembers({ db: ctx.db, organizationId: organization.id });
      return {
        data: members.map((m) => ({
          user_id: m.user_id,
          email: m.email,
          name: m.name,
          role: m.role,
          scope: "organization" as const,
        })),
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/billing-accounts",
    summary: "The organization's billing accounts",
    tag: "billing",
    response: listOf(billingAccountResponse),
    handler: async ({ ctx, user, params }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const accounts = await listBillingAccounts({ db: ctx.db, organizationId: organization.id });
      const described = await describeBillingAccounts({
        ctx,
        db: ctx.db,
        organizationId: organization.id,
        accounts,
      });
      return { data: described.map(presentBillingAccount) };
    },
  }),
  route({
    method: "POST",
    url: "/v1/organizations/:id/billing-accounts",
    summary: "Add a billing account (a department)",
    tag: "billing",
    body: billingAccountBody,
    status: 201,
    response: billingAccountResponse,
    idempotent: true,
    handler: async ({ ctx, tx, user, params, body }) => {
      const account = await addBillingAccount({
        ctx,
        tx,
        userId: user.id,
        organizationId: params.id ?? "",
        input: body,
      });
      return presentBillingAccount(await describeBillingAccount({ ctx, db: tx, account }));
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/projects",
    summary: "Projects of the organization the caller may read",
    tag: "projects",
    response: listOf(projectResponse),
    handler: async ({ ctx, user, params }) => {
      const { organization, role, projectRoles } = await authorizeOrganizationMember({
        db: ctx.db,
        userId: user.id,
        organizationId: params.id ?? "",
      });
      const projects = (await listProjects({ db: ctx.db, organizationId: organization.id })).filter(
        (p) => role !== null || projectRoles.has(p.id),
      );
      const billings = await resolveProjectsBilling({
        db: ctx.db,
        organizationId: organization.id,
        projects,
      });
      return {
        data: projects.map((project, i) => {
          const held = [role, projectRoles.get(project.id) ?? null].filter(
            (r): r is Role => r !== null,
          );
          return presentProject(project, billings[i] as ProjectBilling, held);
        }),
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/costs",
    summary: "Accrued and projected cost in [from, to), grouped; groups sum exactly to the totals",
    tag: "billing",
    query: costsQuery,
    response: costsResponse,
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const period = calendarMonthOf(ctx.clock());
      const from = query.from ? new Date(query.from) : period.start;
      const to = query.to ? new Date(query.to) : period.end;
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
      return costBreakdown({
        ctx,
        db: ctx.db,
        organizationId: organization.id,
        currency: organization.currency,
        from,
        to,
        groupBy: query.group_by,
      });
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/audit",
    summary:
      "Changes to billing, members and names: who, when, from what, to what (owners and billing admins); paged by cursor, filterable by action and actor",
    tag: "organizations",
    query: auditQuery,
    response: z.object({
      data: z.array(
        z.object({
          id: z.number(),
          at: timestamp,
          actor: z.object({ id: z.string(), email: z.string() }),
          action: z.string(),
          subject: z.object({ type: z.string(), id: z.string() }),
          before: z.unknown(),
          after: z.unknown(),
        }),
      ),
      next_cursor: z
        .string()
        .nullable()
        .describe("Pass as `cursor` for the next page; null on the last page"),
    }),
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read_audit");
      const { rows, more } = await listAudit({
        db: ctx.db,
        organizationId: organization.id,
        limit: query.limit,
        order: query.order,
        ...(query.cursor !== undefined ? { after: query.cursor } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
      });
      const last = rows.at(-1);
      return {
        data: rows.map((r) => ({
          id: Number(r.id),
          at: r.at,
          actor: { id: r.actor_user_id, email: r.actor_email },
          action: r.action,
          subject: { type: r.subject_type, id: r.subject_id },
          before: r.before,
          after: r.after,
        })),
        next_cursor: more && last ? String(last.id) : null,
      };
    },
  }),
];
