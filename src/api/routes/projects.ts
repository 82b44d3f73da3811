import { z } from "zod";
import { authorizeOrganization } from "../../access/authorize.js";
import { type ProjectBilling, resolveProjectsBilling } from "../../billing/project-billing.js";
import {
  applyProjectBillingSwitch,
  planProjectBillingSwitch,
} from "../../billing/switch-project-billing.js";
import { listMembers, rolesOf } from "../../db/memberships.js";
import { creationKey, toPage } from "../../db/page.js";
import { listResources } from "../../db/resources.js";
import { type Role, rolesAllow } from "../../domain/roles.js";
import { createProject } from "../../projects/create-project.js";
import { deleteProject } from "../../projects/delete-project.js";
import { presentPage } from "../cursor.js";
import { projectInPath } from "../path-access.js";
import { presentBilling, presentProject, presentResource } from "../presenters.js";
import { route } from "../route.js";
import {
  pageOf,
  pageQuery,
  projectBillingBody,
  projectBillingQuery,
  projectBillingResponse,
  projectBody,
  projectResponse,
  resourceResponse,
  timestamp,
} from "../schemas.js";

const billingSwitchResponse = projectBillingResponse.pick({ mode: true, inherited: true }).extend({
  // null on a dry run that would create the project's own account.
  billing_account_id: z.string().nullable(),
  billing_account: z.object({ id: z.string().nullable(), name: z.string() }),
  effective_at: timestamp,
  dry_run: z.boolean(),
  from: z.object({ billing_account_id: z.string(), name: z.string() }),
  moved: z
    .object({ resources: z.number().int().describe("the resources whose billing moves") })
    .describe("how much moves, as a count (which resources: the project's paged resource list)"),
  left_account: z
    .object({
      billing_account_id: z.string(),
      name: z.string(),
      closable: z.boolean().describe("nothing bills it after the switch: it may be closed"),
      closed: z.boolean().describe("closed by this switch (close_left_account)"),
    })
    .nullable()
    .describe("the account the project leaves, when it is another one"),
});

export const projectRoutes = [
  route({
    method: "POST",
    url: "/v1/projects",
    summary:
      "Create a project (and, for a caller without one, its organization); billing inherits by default",
    errors: [409],
    tag: "projects",
    body: projectBody,
    status: 201,
    response: projectResponse,
    idempotent: true,
    handler: async ({ ctx, tx, user, body }) => {
      const project = await createProject({ ctx, tx, userId: user.id, input: body });
      const [billing] = await resolveProjectsBilling({
        db: tx,
        organizationId: project.organization_id,
        projects: [project],
      });
      const { organizationRole, projectRoles } = await rolesOf({
        db: tx,
        userId: user.id,
        organizationId: project.organization_id,
      });
      const held = [organizationRole, projectRoles.get(project.id) ?? null].filter(
        (r): r is Role => r !== null,
      );
      return presentProject(project, billing as ProjectBilling, held);
    },
  }),
  route({
    method: "GET",
    url: "/v1/projects/:id",
    summary: "One project with the account that pays for it",
    tag: "projects",
    response: projectResponse,
    handler: async ({ ctx, user, params }) => {
      const { project, billing, roles } = await projectInPath({ ctx, user, params }, "read");
      return presentProject(project, billing, roles);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/projects/:id",
    summary: "Delete a project and stop billing all of its resources",
    tag: "projects",
    handler: async ({ ctx, user, params }) => {
      await ctx.db.transaction((tx) =>
        deleteProject({ ctx, tx, userId: user.id, projectId: params.id ?? "" }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/projects/:id/resources",
    summary: "The project's resources (deleted ones are not listed), oldest first, by pages",
    tag: "resources",
    query: pageQuery,
    response: pageOf(resourceResponse),
    handler: async ({ ctx, user, params, query }) => {
      const { project, billing } = await projectInPath({ ctx, user, params }, "read");
      const found = await listResources({
        db: ctx.db,
        projectId: project.id,
        page: { limit: query.limit, after: query.cursor },
      });
      return presentPage(toPage({ found, limit: query.limit, keyOf: creationKey }), (r) =>
        presentResource(r, billing),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/projects/:id/billing",
    summary: "Who pays for the project, whether it is inherited, and who may change it",
    tag: "billing",
    response: projectBillingResponse,
    handler: async ({ ctx, user, params }) => {
      const { project, roles, billing } = await projectInPath({ ctx, user, params }, "read");
      const organizationAccess = await authorizeOrganization({
        db: ctx.db,
        userId: user.id,
        organizationId: project.organization_id,
        action: "manage_billing",
      }).then(
        () => true,
        () => false,
      );
      const managers = [
        ...(await listMembers({ db: ctx.db, organizationId: project.organization_id })),
        ...(await listMembers({
          db: ctx.db,
          organizationId: project.organization_id,
          projectId: project.id,
        })),
      ].filter((m) => rolesAllow({ roles: [m.role], action: "manage_billing" }));
      return {
        ...presentBilling(billing),
        can_manage_billing: rolesAllow({ roles, action: "manage_billing" }),
        can_manage_organization_billing: organizationAccess,
        managed_by: managers.map((m) => ({ email: m.email, name: m.name, role: m.role })),
      };
    },
  }),
  route({
    method: "PUT",
    url: "/v1/projects/:id/billing",
    summary:
      "Switch the project's billing; every open interval moves at one instant. ?dry_run=true previews",
    errors: [409],
    tag: "billing",
    body: projectBillingBody,
    query: projectBillingQuery,
    response: billingSwitchResponse,
    handler: async ({ ctx, user, params, body, query }) => {
      const dryRun = query.dry_run === "true";
      return ctx.db.transaction(async (tx) => {
        const change = await planProjectBillingSwitch({
          ctx,
          tx,
          userId: user.id,
          projectId: params.id ?? "",
          input: body,
        });
        if (!dryRun) await applyProjectBillingSwitch({ ctx, tx, userId: user.id, change });
        return {
          mode: change.mode,
          billing_account_id: change.to.create && dryRun ? null : change.to.billing_account_id,
          inherited: change.mode === "inherit",
          billing_account: {
            id: change.to.create && dryRun ? null : change.to.billing_account_id,
            name: change.to.name,
          },
          effective_at: change.plan.at,
          dry_run: dryRun,
          from: change.from,
          left_account: change.left && {
            billing_account_id: change.left.billing_account_id,
            name: change.left.name,
            closable: change.left.closable,
            closed: change.left.close && !dryRun,
          },
          moved: { resources: change.plan.moving.resources },
        };
      });
    },
  }),
];
