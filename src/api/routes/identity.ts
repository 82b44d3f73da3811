import { z } from "zod";
import { machineScopes } from "../../access/machine-scopes.js";
import type { MachineTokenRow } from "../../db/machine-tokens.js";
import { createMachineToken } from "../../identity/create-machine-token.js";
import { listMachineTokens } from "../../identity/list-machine-tokens.js";
import { logOut } from "../../identity/log-out.js";
import { revokeMachineToken } from "../../identity/revoke-machine-token.js";
import { presentPage } from "../cursor.js";
import { route } from "../route.js";
import { pageOf, pageQuery } from "../schemas.js";

// Sessions and machine tokens. Registered in `server.ts` next to the auth routes.

const machineTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(machineScopes)).min(1).max(machineScopes.length),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

const machineTokenResponse = z.object({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  created_by: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

const iso = (at: Date | string | null) => (at === null ? null : new Date(at).toISOString());

function presentMachineToken(t: MachineTokenRow) {
  return {
    id: t.id,
    organization_id: t.organization_id,
    name: t.name,
    scopes: t.scopes,
    created_by: t.created_by,
    created_at: new Date(t.created_at).toISOString(),
    expires_at: iso(t.expires_at),
    last_used_at: iso(t.last_used_at),
    revoked_at: iso(t.revoked_at),
  };
}

export const identityRoutes = [
  route({
    method: "POST",
    url: "/v1/auth/logout",
    summary: "End the session of the bearer token used, at once",
    tag: "auth",
    status: 204,
    handler: async ({ ctx, request, authenticator }) => {
      await logOut({ ctx, authenticator, authorization: request.headers.authorization });
    },
  }),
  route({
    method: "POST",
    url: "/v1/organizations/:id/machine-tokens",
    summary:
      "Create a machine token (owners): scoped to this organization; the secret is shown only in this answer",
    tag: "machine-tokens",
    body: machineTokenBody,
    status: 201,
    response: machineTokenResponse.extend({ token: z.string() }),
    handler: async ({ ctx, user, params, body }) => {
      const { token, secret } = await createMachineToken({
        ctx,
        userId: user.id,
        organizationId: params.id ?? "",
        input: body,
      });
      return { ...presentMachineToken(token), token: secret };
    },
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/machine-tokens",
    summary: "The organization's machine tokens (owners), newest first; never their secrets",
    tag: "machine-tokens",
    query: pageQuery,
    response: pageOf(machineTokenResponse),
    handler: async ({ ctx, user, params, query }) => {
      const page = await listMachineTokens({
        ctx,
        userId: user.id,
        organizationId: params.id ?? "",
        page: { limit: query.limit, after: query.cursor },
      });
      return presentPage(page, presentMachineToken);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/organizations/:id/machine-tokens/:token_id",
    summary: "Revoke a machine token (owners); it stops working at once",
    tag: "machine-tokens",
    status: 204,
    handler: async ({ ctx, user, params }) => {
      await revokeMachineToken({
        ctx,
        userId: user.id,
        organizationId: params.id ?? "",
        tokenId: params.token_id ?? "",
      });
    },
  }),
];
