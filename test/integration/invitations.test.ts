import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/identity/tokens.js";
import { invitationToken, inviteAndAccept } from "../support/invite.js";
import { type ApiResponse, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Inviting members by email: one answer whether or not the email has an account, membership
// only on acceptance by the person invited, expiry, revocation, and the token kept as a digest —
// through the HTTP API, on both databases.

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}
function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect(
    { status: response.status, code: response.body?.code },
    JSON.stringify(response.body),
  ).toEqual({ status, code });
}

type Person = Awaited<ReturnType<TestApp["signUp"]>>;

describe.skipIf(!testDatabaseAvailable)("member invitations", () => {
  let app: TestApp;
  let owner: Person;
  let viewer: Person;
  let outsider: Person;
  let org: { id: string };
  let otherOrg: { id: string };
  let membersPath: string;
  let unique = 0;
  const freshEmail = () => `invitee-${++unique}-${Date.now()}@example.com`;
  const accept = (person: Person, token: string) =>
    person.api.post("/v1/invitations/accept", { token });
  const invite = (email: string, role = "editor") => owner.api.post(membersPath, { email, role });
  const members = async () =>
    (await owner.api.get(membersPath)).body.data as Array<{ email: string; role: string }>;

  beforeAll(async () => {
    app = await startTestApp();
    [owner, viewer, outsider] = await Promise.all([
      app.signUp({ name: "Olga Owner" }),
      app.signUp({ name: "Vera Viewer" }),
      app.signUp({ name: "Otto Outsider" }),
    ]);
    org = (await owner.api.post("/v1/organizations", { name: "Acme" })).body;
    otherOrg = (await outsider.api.post("/v1/organizations", { name: "Other" })).body;
    membersPath = `/v1/organizations/${org.id}/members`;
    expectStatus(
      await inviteAndAccept({ by: owner.api, path: membersPath, who: viewer, role: "viewer" }),
      200,
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it("an unknown email is invited; after signing up with it they accept and are a member with the role", async () => {
    const email = freshEmail();
    const invited = await invite(email, "editor");
    expectStatus(invited, 201);
    expect(invited.body).toMatchObject({
      organization_id: org.id,
      project_id: null,
      scope: "organization",
      email,
      role: "editor",
      status: "pending",
      invited_by: owner.user.id,
      expires_at: "2026-11-17T00:00:00.000Z",
    });
    expect(invited.body.accept_url).toMatch(
      new RegExp(`^${app.ctx.publicUrl}/invitations/accept#token=kp_inv_`),
    );
    expect((await members()).map((m) => m.email)).not.toContain(email);

    const newcomer = await app.signUp({ email, name: "Nina Newcomer" });
    const accepted = await accept(newcomer, invitationToken(invited.body.accept_url));
    expectStatus(accepted, 200);
    expect(accepted.body).toMatchObject({ id: invited.body.id, status: "accepted" });
    expect(await members()).toContainEqual(expect.objectContaining({ email, role: "editor" }));
    expectStatus(
      await newcomer.api.post("/v1/projects", { name: "Nina's", organization_id: org.id }),
      201,
    );
    // The link is used up.
    expectProblem(
      await accept(newcomer, invitationToken(invited.body.accept_url)),
      409,
      "invitation_accepted",
    );

    const audit = (await owner.api.get(`/v1/organizations/${org.id}/audit`)).body.data as Array<{
      action: string;
      actor: { id: string };
      subject: { type: string; id: string };
      after: Record<string, unknown> | null;
    }>;
    expect(
      audit
        .filter((e) => e.subject.id === invited.body.id || e.subject.id === newcomer.user.id)
        .map((e) => [e.action, e.actor.id, e.after?.role]),
    ).toEqual([
      ["invitation.created", owner.user.id, "editor"],
      ["member.role_granted", owner.user.id, "editor"],
    ]);
  });

  it("a known and an unknown email get the same answer: same status, same shape, both pending", async () => {
    const known = await app.signUp();
    const forKnown = await invite(known.user.email, "viewer");
    const forUnknown = await invite(freshEmail(), "viewer");
    expectStatus(forKnown, 201);
    expectStatus(forUnknown, 201);
    const shape = (body: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(body).map(([k, v]) => [
          k,
          ["id", "email", "accept_url"].includes(k) ? typeof v : v,
        ]),
      );
    expect(shape(forKnown.body)).toEqual(shape(forUnknown.body));
    // Nor does the members list tell: nobody is a member before accepting.
    expect((await members()).map((m) => m.email)).not.toContain(known.user.email);
  });

  it("only the person invited can accept, whatever the case of their email; others are refused", async () => {
    const invitee = await app.signUp();
    const invited = await invite(invitee.user.email.toUpperCase(), "viewer");
    expectStatus(invited, 201);
    expect(invited.body.email).toBe(invitee.user.email);
    const token = invitationToken(invited.body.accept_url);
    expectProblem(await accept(outsider, token), 403, "invitation_email_mismatch");
    expectProblem(await accept(viewer, token), 403, "invitation_email_mismatch");
    expectProblem(
      await app.client().post("/v1/invitations/accept", { token }),
      401,
      "unauthenticated",
    );
    expectProblem(await accept(invitee, "kp_inv_made-up"), 404, "invitation_not_found");
    expectStatus(await accept(invitee, token), 200);
    expect(await members()).toContainEqual(
      expect.objectContaining({ email: invitee.user.email, role: "viewer" }),
    );
    expectProblem(await invite(invitee.user.email), 409, "already_member");
  });

  it("an invitation expires after 7 days; a revoked one stops at once; a new one replaces the old", async () => {
    const late = await app.signUp();
    const expiring = await invite(late.user.email);
    app.clock.advance({ days: 7, seconds: 1 });
    try {
      expectProblem(
        await accept(late, invitationToken(expiring.body.accept_url)),
        410,
        "invitation_expired",
      );
      const listed = await owner.api.get(`/v1/organizations/${org.id}/invitations?status=expired`);
      expect(listed.body.data.map((i: { id: string }) => i.id)).toContain(expiring.body.id);
    } finally {
      app.clock.advance({ days: -7, seconds: -1 });
    }

    const revoked = await invite(late.user.email);
    expectStatus(await owner.api.delete(`/v1/invitations/${revoked.body.id}`), 204);
    expectStatus(await owner.api.delete(`/v1/invitations/${revoked.body.id}`), 204);
    expectProblem(
      await accept(late, invitationToken(revoked.body.accept_url)),
      410,
      "invitation_revoked",
    );

    const first = await invite(late.user.email, "viewer");
    const second = await invite(late.user.email, "editor");
    expectProblem(
      await accept(late, invitationToken(first.body.accept_url)),
      410,
      "invitation_revoked",
    );
    expectStatus(await accept(late, invitationToken(second.body.accept_url)), 200);
    expect(await members()).toContainEqual(
      expect.objectContaining({ email: late.user.email, role: "editor" }),
    );
    expectProblem(
      await owner.api.delete(`/v1/invitations/${second.body.id}`),
      409,
      "invitation_accepted",
    );

    const audit = (
      await owner.api.get(`/v1/organizations/${org.id}/audit?action=invitation.revoked`)
    ).body.data as Array<{ subject: { id: string } }>;
    expect(audit.map((e) => e.subject.id)).toEqual([revoked.body.id]);
  });

  it("a viewer can neither invite, list nor revoke; other organizations' invitations are 404", async () => {
    const pending = await invite(freshEmail());
    expectProblem(
      await viewer.api.post(membersPath, { email: freshEmail(), role: "viewer" }),
      403,
      "forbidden",
    );
    expectProblem(
      await viewer.api.get(`/v1/organizations/${org.id}/invitations`),
      403,
      "forbidden",
    );
    expectProblem(await viewer.api.delete(`/v1/invitations/${pending.body.id}`), 403, "forbidden");
    expectProblem(
      await outsider.api.delete(`/v1/invitations/${pending.body.id}`),
      404,
      "not_found",
    );
    expectProblem(
      await outsider.api.get(`/v1/organizations/${org.id}/invitations`),
      404,
      "not_found",
    );
    expectProblem(await owner.api.delete("/v1/invitations/inv_doesnotexist"), 404, "not_found");
    const theirs = await outsider.api.post(`/v1/organizations/${otherOrg.id}/members`, {
      email: freshEmail(),
      role: "viewer",
    });
    expectStatus(theirs, 201);
    expectProblem(await owner.api.delete(`/v1/invitations/${theirs.body.id}`), 404, "not_found");
    // A cursor from another organization pages nothing.
    const foreignCursor = await owner.api.get(
      `/v1/organizations/${org.id}/invitations?cursor=${theirs.body.id}`,
    );
    expect(foreignCursor.body).toEqual({ data: [], next_cursor: null });
    expectStatus(await owner.api.delete(`/v1/invitations/${pending.body.id}`), 204);
  });

  it("a project invitation grants a role on that project only, and dies with the project", async () => {
    const project = (await owner.api.post("/v1/projects", { name: "Web", organization_id: org.id }))
      .body;
    const helper = await app.signUp();
    const accepted = await inviteAndAccept({
      by: owner.api,
      path: `/v1/projects/${project.id}/members`,
      who: helper,
      role: "editor",
    });
    expectStatus(accepted, 200);
    expect(accepted.body).toMatchObject({
      scope: "project",
      project_id: project.id,
      role: "editor",
    });
    const projectMembers = await owner.api.get(`/v1/projects/${project.id}/members`);
    expect(projectMembers.body.data).toContainEqual(
      expect.objectContaining({ user_id: helper.user.id, role: "editor", scope: "project" }),
    );
    expect((await members()).map((m) => m.email)).not.toContain(helper.user.email);

    const late = await app.signUp();
    const stale = await owner.api.post(`/v1/projects/${project.id}/members`, {
      email: late.user.email,
      role: "viewer",
    });
    expectStatus(await owner.api.delete(`/v1/projects/${project.id}`), 204);
    expectProblem(
      await accept(late, invitationToken(stale.body.accept_url)),
      410,
      "invitation_revoked",
    );
  });

  it("the list is paged, never shows a token, and only the token's digest is stored, also for replays", async () => {
    const headers = { "Idempotency-Key": `invite-${Date.now()}` };
    const body = { email: freshEmail(), role: "viewer" };
    const invited = await owner.api.post(membersPath, body, headers);
    expectStatus(invited, 201);
    const token = invitationToken(invited.body.accept_url);
    const replay = await owner.api.post(membersPath, body, headers);
    expect(replay.body).toEqual({ ...invited.body, accept_url: null });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const page = await owner.api.get(`/v1/organizations/${org.id}/invitations?limit=2${query}`);
      expectStatus(page, 200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      expect(JSON.stringify(page.body)).not.toContain(token);
      seen.push(...page.body.data.map((i: { id: string }) => i.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    const all = await owner.api.get(`/v1/organizations/${org.id}/invitations?limit=100`);
    expect(seen).toEqual(all.body.data.map((i: { id: string }) => i.id));
    expect(seen).toContain(invited.body.id);
    expect(new Set(seen).size).toBe(seen.length);
    const pending = await owner.api.get(`/v1/organizations/${org.id}/invitations?status=pending`);
    expect(pending.body.data.every((i: { status: string }) => i.status === "pending")).toBe(true);

    const [stored] = await app.ctx.db.query<{ token_hash: string }>(
      "SELECT token_hash FROM ktrlplane.invitations WHERE id = $1",
      [invited.body.id],
    );
    expect(stored?.token_hash).toBe(hashToken(token));
    const [leaks] = await app.ctx.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM ktrlplane.idempotency_keys WHERE response_body::text LIKE $1)
            + (SELECT count(*) FROM ktrlplane.audit_events WHERE after::text LIKE $1 OR before::text LIKE $1)
            + (SELECT count(*) FROM ktrlplane.invitations WHERE token_hash LIKE $1) AS n`,
      [`%${token.slice("kp_inv_".length, 30)}%`],
    );
    expect(Number(leaks?.n)).toBe(0);
  });
});
