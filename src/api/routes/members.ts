import { listMembers, memberKey } from "../../db/memberships.js";
import { toPage } from "../../db/page.js";
import { changeMemberRole } from "../../organizations/change-member-role.js";
import { removeMember } from "../../organizations/remove-member.js";
import { presentPage } from "../cursor.js";
import { projectInPath } from "../path-access.js";
import { presentMember } from "../presenters.js";
import { route } from "../route.js";
import { memberResponse, memberRoleBody, pageOf, pageQuery } from "../schemas.js";

// Changing and removing members names them by user id, taken from the members list: it never
// confirms whether an email has an account. Owners only; the last owner stays.
export const memberRoutes = [
  route({
    method: "PUT",
    url: "/v1/organizations/:id/members/:user_id",
    summary: "Change a member's organization role (owners only; the last owner stays owner)",
    tag: "organizations",
    errors: [409],
    body: memberRoleBody,
    response: memberResponse,
    handler: async ({ ctx, user, params, body }) => {
      const member = await ctx.db.transaction((tx) =>
        changeMemberRole({
          ctx,
          tx,
          actorUserId: user.id,
          organizationId: params.id ?? "",
          memberUserId: params.user_id ?? "",
          role: body.role,
        }),
      );
      return { ...member, scope: "organization" as const };
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/organizations/:id/members/:user_id",
    summary: "Remove a member's organization role (owners only; roles on projects stay)",
    tag: "organizations",
    errors: [409],
    handler: async ({ ctx, user, params }) => {
      await ctx.db.transaction((tx) =>
        removeMember({
          ctx,
          tx,
          actorUserId: user.id,
          organizationId: params.id ?? "",
          memberUserId: params.user_id ?? "",
        }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/projects/:id/members",
    summary:
      "Members with a role on this project only (organization members apply too), by pages in the order they joined",
    tag: "projects",
    query: pageQuery,
    response: pageOf(memberResponse),
    handler: async ({ ctx, user, params, query }) => {
      const { project } = await projectInPath({ ctx, user, params }, "read");
      const found = await listMembers({
        db: ctx.db,
        organizationId: project.organization_id,
        projectId: project.id,
        page: { limit: query.limit, after: query.cursor },
      });
      return presentPage(toPage({ found, limit: query.limit, keyOf: memberKey }), (m) =>
        presentMember(m, "project"),
      );
    },
  }),
  route({
    method: "PUT",
    url: "/v1/projects/:id/members/:user_id",
    summary: "Change a member's role on this project (owners only)",
    tag: "projects",
    body: memberRoleBody,
    response: memberResponse,
    handler: async ({ ctx, user, params, body }) => {
      const member = await ctx.db.transaction((tx) =>
        changeMemberRole({
          ctx,
          tx,
          actorUserId: user.id,
          projectId: params.id ?? "",
          memberUserId: params.user_id ?? "",
          role: body.role,
        }),
      );
      return { ...member, scope: "project" as const };
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/projects/:id/members/:user_id",
    summary: "Remove a member's role on this project (owners only)",
    tag: "projects",
    handler: async ({ ctx, user, params }) => {
      await ctx.db.transaction((tx) =>
        removeMember({
          ctx,
          tx,
          actorUserId: user.id,
          projectId: params.id ?? "",
          memberUserId: params.user_id ?? "",
        }),
      );
    },
  }),
];
