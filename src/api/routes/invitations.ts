import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { type InvitationRow, invitationStatus } from "../../db/invitations.js";
import type { UserRow } from "../../db/users.js";
import { AppError } from "../../domain/errors.js";
import { roles } from "../../domain/roles.js";
import { acceptInvitation } from "../../organizations/accept-invitation.js";
import { inviteMember } from "../../organizations/invite-member.js";
import { listInvitations } from "../../organizations/list-invitations.js";
import { revokeInvitation } from "../../organizations/revoke-invitation.js";
import { idempotencyHeaders, runIdempotent } from "../idempotency-key.js";
import { Respond, route } from "../route.js";
import { memberBody } from "../schemas.js";

// Invitations: inviting by email (the members POSTs of both scopes), listing, revoking, accepting.

const acceptBody = z.strictObject({ token: z.string().min(1).max(200) });
const invitationStatuses = ["pending", "accepted", "revoked", "expired"] as const;
const invitationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(100).optional(),
  status: z.enum(invitationStatuses).optional(),
});

const invitationResponse = z.object({
  id: z.string(),
  organization_id: z.string(),
  project_id: z.string().nullable(),
  scope: z.enum(["organization", "project"]),
  email: z.string(),
  role: z.enum(roles),
  status: z.enum(invitationStatuses),
  invited_by: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  accepted_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

const invitedResponse = invitationResponse.extend({
  accept_url: z
    .string()
    .nullable()
    .describe(
      "The link to send to the person invited (there is no mail service): the console's accept page, with the token in the fragment. Shown in this answer only — the token is kept as a digest, never logged, never listed; a replay by Idempotency-Key answers null. Lost? Invite again: the new link replaces the old.",
    ),
});

const iso = (at: Date | null) => (at === null ? null : new Date(at).toISOString());

function presentInvitation(invitation: InvitationRow, at: Date) {
  return {
    id: invitation.id,
    organization_id: invitation.organization_id,
    project_id: invitation.project_id,
    scope: invitation.project_id === null ? ("organization" as const) : ("project" as const),
    email: invitation.email,
    role: invitation.role,
    status: invitationStatus(invitation, at),
    invited_by: invitation.invited_by,
    created_at: new Date(invitation.created_at).toISOString(),
    expires_at: new Date(invitation.expires_at).toISOString(),
    accepted_at: iso(invitation.accepted_at),
    revoked_at: iso(invitation.revoked_at),
  };
}

/**
 * Both members POSTs invite. They honour `Idempotency-Key` through the shared machinery, but the
 * answer kept for replays leaves the link out: the token must live nowhere but in the first answer.
 */
async function invite(options: {
  ctx: AppContext;
  user: UserRow;
  request: FastifyRequest;
  params: Record<string, string>;
  body: z.output<typeof memberBody>;
  scope: { organizationId: string } | { projectId: string };
}) {
  const { ctx, user, request, params, body, scope } = options;
  const header = idempotencyHeaders.safeParse(request.headers);
  if (!header.success) {
    throw new AppError({
      code: "validation_failed",
      message: `Idempotency-Key: ${header.error.issues[0]?.message ?? "invalid"}`,
      field: "Idempotency-Key",
    });
  }
  const outcome = await runIdempotent({
    ctx,
    request,
    userId: user.id,
    route: `POST ${request.routeOptions.url}`,
    params,
    body,
    run: (tx) =>
      inviteMember({ ctx, tx, actorUserId: user.id, ...scope, email: body.email, role: body.role }),
    encode: (result) => {
      const { invitation } = result as Awaited<ReturnType<typeof inviteMember>>;
      return {
        status: 201,
        body: { ...presentInvitation(invitation, ctx.clock()), accept_url: null },
      };
    },
  });
  if (outcome.kind === "replay") {
    return new Respond(outcome.status, outcome.body as z.output<typeof invitedResponse>);
  }
  const { invitation, token } = outcome.result as Awaited<ReturnType<typeof inviteMember>>;
  return {
    ...presentInvitation(invitation, ctx.clock()),
    accept_url: `${ctx.publicUrl}/invitations/accept#token=${token}`,
  };
}

const inviteSummary =
  "Invite someone by email (owners only): always 201 with a pending invitation, whether or not the email has an account; they become a member when they accept. Honours Idempotency-Key.";

export const invitationRoutes = [
  route({
    method: "POST",
    url: "/v1/organizations/:id/members",
    summary: `${inviteSummary} Organization scope.`,
    tag: "organizations",
    body: memberBody,
    status: 201,
    errors: [409],
    response: invitedResponse,
    handler: ({ ctx, user, request, params, body }) =>
      invite({ ctx, user, request, params, body, scope: { organizationId: params.id ?? "" } }),
  }),
  route({
    method: "POST",
    url: "/v1/projects/:id/members",
    summary: `${inviteSummary} This project only.`,
    tag: "projects",
    body: memberBody,
    status: 201,
    errors: [409],
    response: invitedResponse,
    handler: ({ ctx, user, request, params, body }) =>
      invite({ ctx, user, request, params, body, scope: { projectId: params.id ?? "" } }),
  }),
  route({
    method: "GET",
    url: "/v1/organizations/:id/invitations",
    summary:
      "The organization's invitations of both scopes (owners), newest first, by pages; never their tokens",
    tag: "organizations",
    query: invitationListQuery,
    response: z.object({ data: z.array(invitationResponse), next_cursor: z.string().nullable() }),
    handler: async ({ ctx, user, params, query }) => {
      const page = await listInvitations({
        ctx,
        userId: user.id,
        organizationId: params.id ?? "",
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.status ? { status: query.status } : {}),
      });
      const at = ctx.clock();
      return {
        data: page.data.map((i) => presentInvitation(i, at)),
        next_cursor: page.next_cursor,
      };
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/invitations/:id",
    summary:
      "Revoke an invitation (whoever may invite at its scope): its link stops working at once",
    tag: "organizations",
    errors: [409],
    handler: async ({ ctx, user, params }) => {
      await ctx.db.transaction((tx) =>
        revokeInvitation({ ctx, tx, actorUserId: user.id, invitationId: params.id ?? "" }),
      );
    },
  }),
  route({
    method: "POST",
    url: "/v1/invitations/accept",
    summary:
      "Accept an invitation: the signed-in person must have the email it was sent to (sign up first if needed); they get its role",
    tag: "organizations",
    body: acceptBody,
    errors: [409, 410],
    response: invitationResponse,
    handler: async ({ ctx, user, body }) => {
      const accepted = await ctx.db.transaction((tx) =>
        acceptInvitation({ ctx, tx, user, token: body.token }),
      );
      return presentInvitation(accepted, ctx.clock());
    },
  }),
];
