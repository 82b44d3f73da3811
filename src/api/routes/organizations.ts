import { z } from "zod";
import { authorizeOrganizationMember } from "../../access/authorize.js";
import { addBillingAccount } from "../../billing/add-billing-account.js";
import {
  describeBillingAccount,
  describeBillingAccounts,
} from "../../billing/describe-billing-account.js";
import { type ProjectBilling, resolveProjectsBilling } from "../../billing/project-billing.js";
import { listAudit } from "../../db/audit.js";
import { listBillingAccounts } from "../../db/billing-accounts.js";
import { listMembers, memberKey } from "../../db/memberships.js";
import { listOrganizationsOfUser } from "../../db/organizations.js";
import { creationKey, toPage } from "../../db/page.js";
import { listProjects } from "../../db/projects.js";
import type { Role } from "../../domain/roles.js";
import { createOrganization } from "../../organizations/create-organization.js";
import { presentPage } from "../cursor.js";
import { organizationInPath } from "../path-access.js";
import {
  presentBillingAccount,
  presentMember,
  presentOrganization,
  presentProject,
} from "../presenters.js";
import { route } from "../route.js";
import {
  auditQuery,
  billingAccountBody,
  billingAccountResponse,
  memberResponse,
  organizationBody,
  organizationResponse,
  pageOf,
  pageQuery,
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
    summary: "Organizations the caller belongs to, oldest first, by pages",
    tag: "organizations",
    query: pageQuery,
    response: pageOf(organizationResponse),
    handler: async ({ ctx, user, query }) => {
      const found = await listOrganizationsOfUser({
        db: ctx.db,
        userId: user.id,
        page: { limit: query.limit, after: query.cursor },
      });
      return presentPage(toPage({ keyOf: creationKey, found, limit: query.limit }), (o) =>
        presentOrganization(o, o.role),
      );
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
    summary: "Members with a role at organization scope, by pages in the order they joined",
    tag: "organizations",
    query: pageQuery,
    response: pageOf(memberResponse),
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const found = await listMembers({
        db: ctx.db,
        organizationId: organization.id,
        page: { limit: query.limit, after: query.cursor },
      });
      return presentPage(toPage({ found, limit: query.limit, keyOf: memberKey }), (m) =>
        presentMember(m, "organization"),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/billing-accounts",
    summary: "The organization's billing accounts, oldest first, by pages",
    tag: "billing",
    query: pageQuery,
    response: pageOf(billingAccountResponse),
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read");
      const page = toPage({
        keyOf: creationKey,
        found: await listBillingAccounts({
          db: ctx.db,
          organizationId: organization.id,
          page: { limit: query.limit, after: query.cursor },
        }),
        limit: query.limit,
      });
      // Each account's items hold the month's metered usage of every resource on it.
      const described = await ctx.costQueryTurns(() =>
        describeBillingAccounts({
          ctx,
          db: ctx.db,
          organizationId: organization.id,
          accounts: page.rows,
        }),
      );
      return presentPage({ ...page, rows: described }, presentBillingAccount);
    },
  }),
  route({
    method: "POST",
    url: "/v1/organizations/:id/billing-accounts",
    summary: "Add a billing account (a department)",
    errors: [409],
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
    summary: "Projects of the organization the caller may read, oldest first, by pages",
    tag: "projects",
    query: pageQuery,
    response: pageOf(projectResponse),
    handler: async ({ ctx, user, params, query }) => {
      const { organization, role, projectRoles } = await authorizeOrganizationMember({
        db: ctx.db,
        userId: user.id,
        organizationId: params.id ?? "",
      });
      const page = toPage({
        keyOf: creationKey,
        found: await listProjects({
          db: ctx.db,
          organizationId: organization.id,
          // Without an organization role, only the projects the caller holds a role on.
          ...(role === null ? { onlyIds: [...projectRoles.keys()] } : {}),
          page: { limit: query.limit, after: query.cursor },
        }),
        limit: query.limit,
      });
      const billings = await resolveProjectsBilling({
        db: ctx.db,
        organizationId: organization.id,
        projects: page.rows,
      });
      return presentPage(
        { ...page, rows: page.rows.map((project, i) => ({ project, billing: billings[i] })) },
        ({ project, billing }) => {
          const held = [role, projectRoles.get(project.id) ?? null].filter(
            (r): r is Role => r !== null,
          );
          return presentProject(project, billing as ProjectBilling, held);
        },
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/audit",
    summary:
      "Changes to billing, members and names: who, when, from what, to what (owners and billing admins); paged by cursor, filterable by action and actor",
    tag: "organizations",
    query: auditQuery,
    response: pageOf(
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
    handler: async ({ ctx, user, params, query }) => {
      const { organization } = await organizationInPath({ ctx, user, params }, "read_audit");
      const page = await listAudit({
        db: ctx.db,
        organizationId: organization.id,
        limit: query.limit,
        order: query.order,
        ...(query.cursor !== undefined ? { after: query.cursor } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
      });
      return presentPage(page, (r) => ({
        id: Number(r.id),
        at: r.at,
        actor: { id: r.actor_user_id, email: r.actor_email },
        action: r.action,
        subject: { type: r.subject_type, id: r.subject_id },
        before: r.before,
        after: r.after,
      }));
    },
  }),
];
