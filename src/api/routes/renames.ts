import { renameOrganization } from "../../organizations/rename-organization.js";
import { renameProject } from "../../projects/rename-project.js";
import { renameResource } from "../../projects/rename-resource.js";
import { presentOrganization, presentProject, presentResource } from "../presenters.js";
import { route } from "../route.js";
import { organizationResponse, projectResponse, renameBody, resourceResponse } from "../schemas.js";

// Names change; ids, billing and the ledger do not. Every rename is audited with the old name.
export const renameRoutes = [
  route({
    method: "PATCH",
    url: "/v1/organizations/:id",
    summary: "Rename the organization (owners only)",
    tag: "organizations",
    body: renameBody,
    response: organizationResponse,
    handler: async ({ ctx, user, params, body }) => {
      const { organization, role } = await ctx.db.transaction((tx) =>
        renameOrganization({
          ctx,
          tx,
          actorUserId: user.id,
          organizationId: params.id ?? "",
          name: body.name,
        }),
      );
      return presentOrganization(organization, role);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/projects/:id",
    summary: "Rename the project (editors and owners)",
    tag: "projects",
    body: renameBody,
    response: projectResponse,
    handler: async ({ ctx, user, params, body }) => {
      const { project, billing, roles } = await ctx.db.transaction((tx) =>
        renameProject({
          ctx,
          tx,
          actorUserId: user.id,
          projectId: params.id ?? "",
          name: body.name,
        }),
      );
      return presentProject(project, billing, roles);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/resources/:id",
    summary: "Rename the resource (editors and owners of its project); billing is unchanged",
    tag: "resources",
    body: renameBody,
    response: resourceResponse,
    handler: async ({ ctx, user, params, body }) => {
      const { resource, billing } = await ctx.db.transaction((tx) =>
        renameResource({
          ctx,
          tx,
          actorUserId: user.id,
          resourceId: params.id ?? "",
          name: body.name,
        }),
      );
      return presentResource(resource, billing);
    },
  }),
];
