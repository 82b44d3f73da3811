import { randomBytes, scryptSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { throttleKeys } from "../../src/identity/login-throttle.js";
import { hashToken } from "../../src/identity/tokens.js";
import { invitationToken, inviteAndAccept } from "../support/invite.js";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Issue 11, identity: password rules, log-in throttling, sessions, machine tokens. Through HTTP.

function expectProblem(response: ApiResponse, status: number, code: string, field?: string): void {
  expect(
    { status: response.status, code: response.body?.code },
    JSON.stringify(response.body),
  ).toEqual({ status, code });
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  if (field !== undefined) expect(response.body.field, JSON.stringify(response.body)).toBe(field);
}

const password = "correct horse battery";
let emails = 0;
const freshEmail = (local = "someone") => `${local}-${++emails}-${Date.now()}@example.com`;

describe.skipIf(!testDatabaseAvailable)("identity", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Forgets every throttle: a day and a bit later, with no failure in between. */
  const afterADay = () => app.clock.advance({ days: 1, seconds: 120 });
  const logIn = (email: string, pw: string) =>
    app.client().post("/v1/auth/login", { email, password: pw });

  describe("passwords", () => {
    const signUpWith = (pw: string, email = freshEmail()) =>
      app.client().post("/v1/auth/signup", { email, password: pw, name: "P" });

    it("refuses a lone UTF-16 surrogate, naming the field", async () => {
      const raw = `{"email":"${freshEmail()}","password":"abcdefghijkl\\ud800","name":"P"}`;
      expectProblem(
        await app.client().send("POST", "/v1/auth/signup", raw),
        422,
        "validation_failed",
        "password",
      );
    });

    it("refuses fewer than 10 characters, common passwords and passwords holding the email", async () => {
      expectProblem(await signUpWith("nine char"), 422, "validation_failed", "password");
      // Ten code points after NFKC, though more UTF-16 units: accepted.
      expect((await signUpWith("😀😀😀😀😀😀😀😀😀😀")).status).toBe(201);
      for (const common of ["password1234", "Password1234", "1q2w3e4r5t", "qwertyuiop"]) {
        expectProblem(await signUpWith(common), 422, "validation_failed", "password");
      }
      const email = freshEmail("margaret.hamilton");
      expectProblem(await signUpWith(`x${email}x`, email), 422, "validation_failed", "password");
      expectProblem(
        await signUpWith("Margaret.Hamilton-1969", "margaret.hamilton@nasa.example"),
        422,
        "validation_failed",
        "password",
      );
    });

    it("normalizes to NFKC: full-width and decomposed forms log in as their plain forms", async () => {
      const email = freshEmail();
      expect((await signUpWith("ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ", email)).status).toBe(
        201,
      );
      expect((await logIn(email, "correct horse battery")).status).toBe(200);
      const other = freshEmail();
      expect((await signUpWith("cafe\u0301 au lait noir", other)).status).toBe(201);
      expect((await logIn(other, "caf\u00e9 au lait noir")).status).toBe(200);
    });

    it("users with a hash from before normalization still log in, and get an NFKC hash", async () => {
      const email = freshEmail("legacy");
      const salt = randomBytes(16);
      // The old scheme: scrypt over the password as typed, and an 8-character minimum.
      const key = scryptSync("old pass", salt, 32, { N: 16384, r: 8, p: 1, maxmem: 64 << 20 });
      const hash = `scrypt$16384$8$1$${salt.toString("base64")}$${key.toString("base64")}`;
      await app.ctx.db.query(
        "INSERT INTO ktrlplane.users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'L', $3, $4)",
        [`usr_legacy${emails}`, email, hash, app.clock.now()],
      );
      expect((await logIn(email, "old pass")).status).toBe(200);
      const [row] = await app.ctx.db.query<{ password_hash: string }>(
        "SELECT password_hash FROM ktrlplane.users WHERE email = $1",
        [email],
      );
      expect(row?.password_hash).toMatch(/^scrypt-nfkc\$/);
      expect((await logIn(email, "old pass")).status).toBe(200);
      expect((await logIn(email, "old pass!")).status).toBe(401);
    });

    it("signing up with a taken email answers like a new sign-up, but creates nothing and its token never works", async () => {
      const email = freshEmail();
      const first = await signUpWith(password, email);
      expect(first.status).toBe(201);
      const again = await signUpWith("another long passphrase", email);
      expect(again.status).toBe(201);
      expect(Object.keys(again.body).sort()).toEqual(Object.keys(first.body).sort());
      expect(Object.keys(again.body.user).sort()).toEqual(Object.keys(first.body.user).sort());
      expect(again.body.user.email).toBe(email);
      expect(again.body.token).toMatch(/^ktp_/);
      expectProblem(await app.client(again.body.token).get("/v1/me"), 401, "unauthenticated");
      expect((await logIn(email, password)).status).toBe(200);
      expect((await logIn(email, "another long passphrase")).status).toBe(401);
      afterADay();
    });
  });

  describe("log-in throttling", () => {
    it("an unknown email and a wrong password get the same answer", async () => {
      const { user } = await app.signUp();
      const wrong = await logIn(user.email, "not the password");
      const unknown = await logIn(freshEmail("nobody"), "not the password");
      expectProblem(wrong, 401, "invalid_credentials");
      expect(unknown.status).toBe(wrong.status);
      expect(unknown.body).toEqual(wrong.body);
      afterADay();
    });

    it("backs off exponentially per account, with 429 and Retry-After; the right password then resets it", async () => {
      const { user } = await app.signUp();
      for (let i = 0; i < 6; i++) {
        expectProblem(await logIn(user.email, `wrong ${i}`), 401, "invalid_credentials");
      }
      // Six failures: locked for 1 s — even the right password waits.
      const locked = await logIn(user.email, password);
      expectProblem(locked, 429, "rate_limited");
      expect(locked.headers.get("retry-after")).toBe("1");
      app.clock.advance({ seconds: 1 });
      expectProblem(await logIn(user.email, "wrong 7"), 401, "invalid_credentials");
      const longer = await logIn(user.email, password);
      expectProblem(longer, 429, "rate_limited");
      expect(longer.headers.get("retry-after")).toBe("2");
      app.clock.advance({ seconds: 2 });
      expect((await logIn(user.email, password)).status).toBe(200);
      // Reset: five more failures are free again.
      for (let i = 0; i < 5; i++) expect((await logIn(user.email, `again ${i}`)).status).toBe(401);
      expect((await logIn(user.email, password)).status).toBe(200);
      afterADay();
    });

    it("throttles unknown emails exactly like known ones (no enumeration through the lock)", async () => {
      const nobody = freshEmail("nobody");
      for (let i = 0; i < 6; i++) expect((await logIn(nobody, `guess ${i}`)).status).toBe(401);
      expectProblem(await logIn(nobody, "guess 7"), 429, "rate_limited");
      afterADay();
    });

    it("throttles an address that tries many accounts", async () => {
      const { user } = await app.signUp();
      for (let i = 0; i < 21; i++) {
        expect((await logIn(freshEmail("spray"), "Summer2026!!")).status).toBe(401);
      }
      const blocked = await logIn(user.email, password);
      expectProblem(blocked, 429, "rate_limited");
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      afterADay();
      expect((await logIn(user.email, password)).status).toBe(200);
    });

    it("counts every failure of a concurrent burst", async () => {
      const { user } = await app.signUp();
      const burst = await Promise.all(
        Array.from({ length: 8 }, (_, i) => logIn(user.email, `burst ${i}`)),
      );
      expect(burst.every((r) => r.status === 401 || r.status === 429)).toBe(true);
      const [row] = await app.ctx.db.query<{ failures: number }>(
        "SELECT failures FROM ktrlplane.login_throttle WHERE key = $1",
        [throttleKeys({ email: user.email, address: undefined }).account],
      );
      expect(row?.failures).toBeGreaterThanOrEqual(burst.filter((r) => r.status === 401).length);
      expectProblem(await logIn(user.email, password), 429, "rate_limited");
      afterADay();
    });

    it("keeps the state in the database, where every API process sees it", async () => {
      const { user } = await app.signUp();
      for (let i = 0; i < 6; i++) await logIn(user.email, `wrong ${i}`);
      const rows = await app.ctx.db.query<{ failures: number }>(
        "SELECT failures FROM ktrlplane.login_throttle WHERE key LIKE 'account:%' AND failures = 6",
      );
      expect(rows.length).toBeGreaterThanOrEqual(1);
      afterADay();
    });
  });

  describe("sessions", () => {
    const lastUsedOf = async (token: string) => {
      const rows = await app.ctx.db.query<{ last_used_at: Date }>(
        "SELECT last_used_at FROM ktrlplane.api_tokens WHERE token_hash = $1",
        [hashToken(token)],
      );
      return new Date(rows[0]?.last_used_at ?? 0).toISOString();
    };

    it("log-out ends the session at once; the user's other sessions live on", async () => {
      const { api, token, user } = await app.signUp();
      expect((await api.get("/v1/me")).status).toBe(200);
      const other = await logIn(user.email, password);
      expect(other.status).toBe(200);
      const out = await api.post("/v1/auth/logout");
      expect(out.status).toBe(204);
      expectProblem(await app.client(token).get("/v1/me"), 401, "unauthenticated");
      expectProblem(await app.client(token).post("/v1/auth/logout"), 401, "unauthenticated");
      expect((await app.client(other.body.token).get("/v1/me")).status).toBe(200);
      const [row] = await app.ctx.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ktrlplane.api_tokens WHERE token_hash = $1",
        [hashToken(token)],
      );
      expect(row?.n).toBe(0);
    });

    it("expires after 14 days idle, sliding with use", async () => {
      const { api } = await app.signUp();
      app.clock.advance({ days: 13 });
      expect((await api.get("/v1/me")).status).toBe(200);
      app.clock.advance({ days: 13 });
      expect((await api.get("/v1/me")).status).toBe(200);
      app.clock.advance({ days: 14, seconds: 1 });
      expectProblem(await api.get("/v1/me"), 401, "unauthenticated");
    });

    it("stores only a digest, and writes last_used_at at most once a minute", async () => {
      const { api, token } = await app.signUp();
      const lastUsed = () => lastUsedOf(token);
      const created = await lastUsed();
      app.clock.advance({ seconds: 30 });
      await api.get("/v1/me");
      expect(await lastUsed()).toBe(created);
      app.clock.advance({ seconds: 31 });
      await api.get("/v1/me");
      expect(await lastUsed()).toBe(app.clock.now().toISOString());
      const stored = await app.ctx.db.query(
        "SELECT 1 FROM ktrlplane.api_tokens WHERE token_hash = $1",
        [token],
      );
      expect(stored).toEqual([]);
    });

    // Resource create and delete read the session in their first statement once this process has
    // seen the token (see DeferredSession): the same expiry, log-out and touch, on every answer.
    const graph = (projectId: string, name: string) => ({
      project_id: projectId,
      resource_type: "graph",
      sku: "standard",
      name,
    });
    const unauthenticated = async (response: Promise<ApiResponse>) =>
      expectProblem(await response, 401, "unauthenticated");
    const liveResources = async (projectId: string) =>
      (
        await app.ctx.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM ktrlplane.resources WHERE project_id = $1 AND deleted_at IS NULL",
          [projectId],
        )
      )[0]?.n;

    /**
     * Another session of the user, used once so that this process knows whose its token is: its
     * first request after the session ends reads it in the request's statement (the process then
     * forgets the token and reads its later requests up front). Its client.
     */
    const knownSession = async (email: string) => {
      const login = await logIn(email, password);
      expect(login.status).toBe(200);
      const client = app.client(login.body.token);
      expect((await client.get("/v1/me")).status).toBe(200);
      return { client, token: login.body.token as string };
    };

    it("resource create and delete refuse a session idle 14 days with 401, whatever else the request would get", async () => {
      const { api, user } = await app.signUp();
      const project = (await api.post("/v1/projects", { name: "Idle" })).body;
      const kept = (await api.post("/v1/resources", graph(project.id, "kept"))).body;
      const replayed = { "Idempotency-Key": `idle-${Date.now()}` };
      expect((await api.post("/v1/resources", graph(project.id, "keyed"), replayed)).status).toBe(
        201,
      );
      // One session per refusal: each is the first request of its token after the end.
      const b = (await knownSession(user.email)).client;
      const c = (await knownSession(user.email)).client;
      const d = (await knownSession(user.email)).client;
      const e = (await knownSession(user.email)).client;
      const f = (await knownSession(user.email)).client;
      app.clock.advance({ days: 13 });
      // Still alive, and this use slides the expiry.
      expect((await api.post("/v1/resources", graph(project.id, "slid"))).status).toBe(201);
      app.clock.advance({ days: 14, seconds: 1 });
      await unauthenticated(api.delete(`/v1/resources/${kept.id}`));
      await unauthenticated(b.post("/v1/resources", graph(project.id, "n")));
      // The replay of a committed response, a resource that does not exist, a body that does not
      // validate: the same 401.
      await unauthenticated(c.post("/v1/resources", graph(project.id, "keyed"), replayed));
      await unauthenticated(d.delete("/v1/resources/res_nothing"));
      await unauthenticated(e.post("/v1/resources", { project_id: project.id }));
      // An inline project's writes come before its resource's: refused too, nothing made.
      await unauthenticated(
        f.post("/v1/resources", {
          project: { name: "Inline", organization_id: project.organization_id },
          resource_type: "graph",
          sku: "standard",
          name: "n",
        }),
      );
      // Later requests of an ended token: read up front, the same 401.
      await unauthenticated(api.post("/v1/resources", graph(project.id, "n")));
      expect(await liveResources(project.id)).toBe(3);
      const projects = await app.ctx.db.query(
        "SELECT 1 FROM ktrlplane.projects WHERE organization_id = $1 AND name = 'Inline'",
        [project.organization_id],
      );
      expect(projects).toEqual([]);
    });

    it("resource create and delete refuse a session logged out here or in another process with 401, also for another tenant's resource", async () => {
      const { api, token, user } = await app.signUp();
      const other = await app.signUp();
      const project = (await api.post("/v1/projects", { name: "Mine" })).body;
      const theirs = (await other.api.post("/v1/projects", { name: "Theirs" })).body;
      const mine = (await api.post("/v1/resources", graph(project.id, "mine"))).body;
      const foreign = (await other.api.post("/v1/resources", graph(theirs.id, "theirs"))).body;
      // Live: another tenant's resource and project are not found, and stay as they were.
      expectProblem(await api.delete(`/v1/resources/${foreign.id}`), 404, "not_found");
      expectProblem(await api.post("/v1/resources", graph(theirs.id, "x")), 404, "not_found");
      const refusals = [
        (ended: ApiClient) => ended.delete(`/v1/resources/${mine.id}`),
        (ended: ApiClient) => ended.delete(`/v1/resources/${foreign.id}`),
        (ended: ApiClient) => ended.post("/v1/resources", graph(project.id, "y")),
        (ended: ApiClient) => ended.post("/v1/resources", graph(theirs.id, "y")),
      ];
      // Another API process on the same database serves these log-outs: this one still knows
      // whose the tokens are, and reads each session in the request's statement.
      const elsewhere = await startTestApp({ db: app.db, at: app.clock.now().toISOString() });
      try {
        for (const refuse of refusals) {
          const ended = await knownSession(user.email);
          expect((await elsewhere.client(ended.token).post("/v1/auth/logout")).status).toBe(204);
          await unauthenticated(refuse(ended.client));
        }
      } finally {
        await elsewhere.close({ keepDatabase: true });
      }
      // Logged out here: this process forgot the token, and reads its session up front.
      expect((await api.post("/v1/auth/logout")).status).toBe(204);
      await unauthenticated(app.client(token).delete(`/v1/resources/${mine.id}`));
      await unauthenticated(app.client(token).post("/v1/resources", graph(theirs.id, "y")));
      expect(await liveResources(project.id)).toBe(1);
      expect(await liveResources(theirs.id)).toBe(1);
    });

    it("resource create and delete write last_used_at at most once a minute, refused or not", async () => {
      const { api, token } = await app.signUp();
      const lastUsed = () => lastUsedOf(token);
      const project = (await api.post("/v1/projects", { name: "Touch" })).body;
      const before = await lastUsed();
      app.clock.advance({ seconds: 30 });
      const made = (await api.post("/v1/resources", graph(project.id, "a"))).body;
      expect(await lastUsed()).toBe(before);
      app.clock.advance({ seconds: 31 });
      expect((await api.delete(`/v1/resources/${made.id}`)).status).toBe(204);
      expect(await lastUsed()).toBe(app.clock.now().toISOString());
      app.clock.advance({ seconds: 61 });
      expectProblem(await api.delete(`/v1/resources/${made.id}`), 404, "not_found");
      expect(await lastUsed()).toBe(app.clock.now().toISOString());
      app.clock.advance({ seconds: 61 });
      expectProblem(
        await api.post("/v1/resources", { project_id: project.id }),
        422,
        "validation_failed",
      );
      expect(await lastUsed()).toBe(app.clock.now().toISOString());
    });
  });

  describe("machine tokens", () => {
    let owner: Awaited<ReturnType<TestApp["signUp"]>>;
    let editor: Awaited<ReturnType<TestApp["signUp"]>>;
    let outsider: Awaited<ReturnType<TestApp["signUp"]>>;
    let orgId: string;
    let projectId: string;
    let otherOrgId: string;
    let otherProjectId: string;

    beforeAll(async () => {
      [owner, editor, outsider] = await Promise.all([app.signUp(), app.signUp(), app.signUp()]);
      orgId = (await owner.api.post("/v1/organizations", { name: "CI org" })).body.id;
      projectId = (await owner.api.post("/v1/projects", { name: "infra", organization_id: orgId }))
        .body.id;
      await inviteAndAccept({
        by: owner.api,
        path: `/v1/organizations/${orgId}/members`,
        who: editor,
        role: "editor",
      });
      otherOrgId = (await outsider.api.post("/v1/organizations", { name: "Other" })).body.id;
      otherProjectId = (
        await outsider.api.post("/v1/projects", { name: "theirs", organization_id: otherOrgId })
      ).body.id;
    });

    const mint = async (body: Record<string, unknown>) => {
      const created = await owner.api.post(`/v1/organizations/${orgId}/machine-tokens`, body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body as { id: string; token: string; scopes: string[] };
    };

    it("an owner creates one; the secret is shown once and stored only as a digest", async () => {
      const created = await mint({ name: "terraform", scopes: ["resources:write"] });
      expect(created.token).toMatch(/^kp_mt_[A-Za-z0-9_-]{40,}$/);
      expect(created.scopes).toEqual(["resources:write"]);
      const list = await owner.api.get(`/v1/organizations/${orgId}/machine-tokens`);
      expect(list.status).toBe(200);
      const listed = list.body.data.find((t: { id: string }) => t.id === created.id);
      expect(listed).toMatchObject({ name: "terraform", revoked_at: null, last_used_at: null });
      expect(JSON.stringify(list.body)).not.toContain(created.token);
      const rows = await app.ctx.db.query<{ token_hash: string }>(
        "SELECT token_hash FROM ktrlplane.machine_tokens WHERE id = $1",
        [created.id],
      );
      expect(rows[0]?.token_hash).toBe(hashToken(created.token));
    });

    it("only owners create, list and revoke; other tenants get 404", async () => {
      const body = { name: "ci", scopes: ["resources:read"] };
      expectProblem(
        await editor.api.post(`/v1/organizations/${orgId}/machine-tokens`, body),
        403,
        "forbidden",
      );
      expectProblem(
        await editor.api.get(`/v1/organizations/${orgId}/machine-tokens`),
        403,
        "forbidden",
      );
      expectProblem(
        await outsider.api.post(`/v1/organizations/${orgId}/machine-tokens`, body),
        404,
        "not_found",
      );
      const created = await mint(body);
      expectProblem(
        await outsider.api.delete(`/v1/organizations/${orgId}/machine-tokens/${created.id}`),
        404,
        "not_found",
      );
      expectProblem(
        await outsider.api.delete(`/v1/organizations/${otherOrgId}/machine-tokens/${created.id}`),
        404,
        "not_found",
      );
      expectProblem(
        await owner.api.post(`/v1/organizations/${orgId}/machine-tokens`, {
          name: "x",
          scopes: ["everything"],
        }),
        422,
        "validation_failed",
        "scopes.0",
      );
    });

    it("acts within its scopes in its own organization; every other organization's ids are 404", async () => {
      const writer = app.client((await mint({ name: "ci", scopes: ["resources:write"] })).token);
      const created = await writer.post("/v1/resources", {
        project_id: projectId,
        resource_type: "graph",
        sku: "standard",
        name: "from-ci",
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect((await writer.get(`/v1/projects/${projectId}`)).status).toBe(200);
      expect((await writer.delete(`/v1/resources/${created.body.id}`)).status).toBe(204);
      // Outside its scopes: 403.
      expectProblem(
        await writer.put(`/v1/projects/${projectId}/billing`, { mode: "separate" }),
        403,
        "forbidden",
      );
      expectProblem(
        await writer.post("/v1/projects", { name: "new", organization_id: orgId }),
        403,
        "forbidden",
      );
      expectProblem(
        await writer.post(`/v1/organizations/${orgId}/members`, {
          email: outsider.user.email,
          role: "owner",
        }),
        403,
        "forbidden",
      );
      expectProblem(await writer.get(`/v1/organizations/${orgId}/audit`), 403, "forbidden");
      expectProblem(
        await writer.post(`/v1/organizations/${orgId}/machine-tokens`, {
          name: "child",
          scopes: ["resources:write"],
        }),
        403,
        "forbidden",
      );
      expectProblem(await writer.post("/v1/organizations", { name: "escape" }), 403, "forbidden");
      // Another organization: 404, as for ids that do not exist.
      expectProblem(await writer.get(`/v1/organizations/${otherOrgId}`), 404, "not_found");
      expectProblem(await writer.get(`/v1/projects/${otherProjectId}`), 404, "not_found");
      expectProblem(
        await writer.post("/v1/resources", {
          project_id: otherProjectId,
          resource_type: "graph",
          sku: "free",
          name: "x",
        }),
        404,
        "not_found",
      );
      // A read-only token reads but does not write.
      const reader = app.client((await mint({ name: "dash", scopes: ["resources:read"] })).token);
      expect((await reader.get(`/v1/projects/${projectId}/resources`)).status).toBe(200);
      expectProblem(
        await reader.post("/v1/resources", {
          project_id: projectId,
          resource_type: "graph",
          sku: "free",
          name: "no",
        }),
        403,
        "forbidden",
      );
      // Its user cannot be given another role, here or in another organization.
      const [row] = await app.ctx.db.query<{ email: string }>(
        "SELECT u.email FROM ktrlplane.users u JOIN ktrlplane.machine_tokens t ON t.id = u.id WHERE t.name = 'dash'",
      );
      // Invitations to its email are made like any other (nothing says which emails exist), but
      // nobody can accept them: the token cannot, and nobody signs in as it.
      for (const [api, organizationId] of [
        [outsider.api, otherOrgId],
        [owner.api, orgId],
      ] as const) {
        const invited = await api.post(`/v1/organizations/${organizationId}/members`, {
          email: row?.email,
          role: "owner",
        });
        expect(invited.status).toBe(201);
        expectProblem(
          await reader.post("/v1/invitations/accept", {
            token: invitationToken(invited.body.accept_url),
          }),
          403,
          "forbidden",
        );
      }
      expectProblem(await reader.get(`/v1/projects/${otherProjectId}`), 404, "not_found");
    });

    it("revocation and expiry take effect at once; last use is recorded; both are audited", async () => {
      const created = await mint({
        name: "short-lived",
        scopes: ["billing:read"],
        expires_at: new Date(app.clock.now().getTime() + 3600_000).toISOString(),
      });
      const machine = app.client(created.token);
      expect((await machine.get(`/v1/projects/${projectId}/billing`)).status).toBe(200);
      const listed = (await owner.api.get(`/v1/organizations/${orgId}/machine-tokens`)).body.data;
      expect(listed.find((t: { id: string }) => t.id === created.id).last_used_at).toBe(
        app.clock.now().toISOString(),
      );
      app.clock.advance({ seconds: 3601 });
      expectProblem(await machine.get(`/v1/projects/${projectId}`), 401, "unauthenticated");

      const revocable = await mint({ name: "revocable", scopes: ["resources:read"] });
      const client = app.client(revocable.token);
      expect((await client.get(`/v1/projects/${projectId}`)).status).toBe(200);
      const revoked = await owner.api.delete(
        `/v1/organizations/${orgId}/machine-tokens/${revocable.id}`,
      );
      expect(revoked.status).toBe(204);
      expectProblem(await client.get(`/v1/projects/${projectId}`), 401, "unauthenticated");
      expect(
        (await owner.api.delete(`/v1/organizations/${orgId}/machine-tokens/${revocable.id}`))
          .status,
      ).toBe(204);
      const audit = (await owner.api.get(`/v1/organizations/${orgId}/audit`)).body.data as Array<{
        action: string;
        subject: { id: string };
      }>;
      expect(audit.filter((e) => e.subject.id === revocable.id).map((e) => e.action)).toEqual([
        "machine_token.created",
        "machine_token.revoked",
      ]);
    });

    it("is no member: member lists and billing admins show only people", async () => {
      // A billing_admin (billing:write) and an owner (billing:write + resources:write) token:
      // both would count among those who may manage billing if they were listed.
      const billing = await mint({ name: "billing-bot", scopes: ["billing:write"] });
      const full = await mint({ name: "full-bot", scopes: ["billing:write", "resources:write"] });
      const [memberships] = await app.ctx.db.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM ktrlplane.memberships WHERE user_id = ANY($1::text[])",
        [[billing.id, full.id]],
      );
      expect(memberships?.count).toBe(2);

      const members = await owner.api.get(`/v1/organizations/${orgId}/members`);
      expect(members.status).toBe(200);
      const listed = members.body.data as Array<{ user_id: string; email: string; role: string }>;
      expect(listed.map((m) => m.user_id).sort()).toEqual([owner.user.id, editor.user.id].sort());
      expect(listed.every((m) => m.user_id.startsWith("usr_"))).toBe(true);

      const projectBilling = await owner.api.get(`/v1/projects/${projectId}/billing`);
      expect(projectBilling.status).toBe(200);
      expect(projectBilling.body.managed_by).toEqual([
        { email: owner.user.email, name: owner.user.name, role: "owner" },
      ]);
    });
  });
});
