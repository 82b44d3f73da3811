import type { ApiClient, ApiResponse } from "./test-app.js";

/** The token an invitation's `accept_url` carries (in its fragment, never sent to a server). */
export function invitationToken(acceptUrl: string): string {
  return new URLSearchParams(new URL(acceptUrl).hash.slice(1)).get("token") ?? "";
}

/**
 * Membership the way people get it: `by` invites `who` at `path` (an organization's or a
 * project's `/members`), then `who` accepts. Answers the acceptance (200), or the refused
 * invitation as it came.
 */
export async function inviteAndAccept(options: {
  by: ApiClient;
  path: string;
  who: { api: ApiClient; user: { email: string } };
  role: string;
}): Promise<ApiResponse> {
  const { by, path, who, role } = options;
  const invited = await by.post(path, { email: who.user.email, role });
  if (invited.status !== 201) return invited;
  return who.api.post("/v1/invitations/accept", {
    token: invitationToken(invited.body.accept_url),
  });
}
