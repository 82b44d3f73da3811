import { authorizeProject } from "../../access/authorize.js";
import { createResource } from "../../billing/create-resource.js";
import { deleteResource } from "../../billing/delete-resource.js";
import { claimIdempotencyKey, storeIdempotentResponse } from "../../db/idempotency.js";
import { getResource } from "../../db/resources.js";
import { AppError, notFound } from "../../domain/errors.js";
import { idempotencyKeyOf, requestHash } from "../idempotency-key.js";
import { presentResource } from "../presenters.js";
import { Respond, route } from "../route.js";
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
    handler: async ({ ctx, user, body, request }) => {
      const key = idempotencyKeyOf(request);
      // The claim, the writes and the stored response share one transaction: a retry either
      // replays a committed result or finds no trace of a failed attempt.
      return ctx.db.transaction(async (tx) => {
        if (key) {
          const claim = await claimIdempotencyKey({
            db: tx,
            userId: user.id,
            key,
            requestHash: requestHash(body),
            at: ctx.clock(),
          });
          if (claim.kind === "replay") return new Respond(claim.status, claim.body);
          if (claim.kind === "reused") {
            throw new AppError({
              code: "idempotency_key_reused",
              message: "This Idempotency-Key was used with another request body",
              field: "Idempotency-Key",
            });
          }
        }
        const { resource, billing } = await createResource({
          ctx,
          tx,
          userId: user.id,
          input: body,
        });
        const response = presentResource(resource, billing);
        if (key)
          await storeIdempotentResponse({
            db: tx,
            userId: user.id,
            key,
            status: 201,
            body: response,
          });
        return new Respond(201, response);
      });
    },
  }),
  route({
    method: "GET",
    url: "/v1/resources/:id",
    summary: "One resource and the account billed for it",
    tag: "resources",
    response: resourceResponse,
    handler: async ({ ctx, user, params }) => {
      const resource = await getResource({ db: ctx.db, id: params.id ?? "" });
      if (!resource) throw notFound("Resource");
      const { billing } = await authorizeProject({
        db: ctx.db,
        userId: user.id,
        projectId: resource.project_id,
        action: "read",
      }).catch((error) => {
        throw error instanceof AppError && error.code === "not_found"
          ? notFound("Resource")
          : error;
      });
      return presentResource(resource, billing);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/resources/:id",
    summary: "Delete a resource and stop billing it",
    tag: "resources",
    handler: async ({ ctx, user, params }) => {
      await ctx.db.transaction((tx) =>
        deleteResource({ ctx, tx, userId: user.id, resourceId: params.id ?? "" }),
      );
    },
  }),
];
