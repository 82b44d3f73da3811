import { authorizeResource } from "../../access/authorize.js";
import { createResource } from "../../billing/create-resource.js";
import { deleteResource } from "../../billing/delete-resource.js";
import { presentResource } from "../presenters.js";
import { route } from "../route.js";
import { resourceBody, resourceResponse } from "../schemas.js";

export const resourceRoutes = [
  route({
    method: "POST",
    url: "/v1/resources",
    summary:
      "Create a resource and start billing it (Idempotency-Key honoured); `project` creates the project inline",
    tag: "resources",
    body: resourceBody,
    status: 201,
    response: resourceResponse,
    idempotent: true,
    sessionInFirstRead: true,
    errors: [402, 403, 409],
    handler: async ({ ctx, tx, user, session, body }) => {
      const { resource, billing } = await createResource({
        ctx,
        tx,
        userId: user.id,
        session,
        input: body,
      });
      return presentResource(resource, billing);
    },
  }),
  route({
    method: "GET",
    url: "/v1/resources/:id",
    summary: "One resource and the account billed for it",
    tag: "resources",
    response: resourceResponse,
    handler: async ({ ctx, user, params }) => {
      const { resource, billing } = await authorizeResource({
        db: ctx.db,
        userId: user.id,
        resourceId: params.id ?? "",
        action: "read",
      });
      return presentResource(resource, billing);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/resources/:id",
    summary: "Delete a resource and stop billing it",
    tag: "resources",
    sessionInFirstRead: true,
    handler: async ({ ctx, tx, user, session, params }) => {
      await deleteResource({ ctx, tx, userId: user.id, session, resourceId: params.id ?? "" });
    },
  }),
];
