import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteAndAccept } from "../support/invite.js";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Roles and tenant isolation, through the HTTP API only.
// Organization A (owner, billing admin, editor, viewer at organization scope, plus project-scope
// members) and organization B (another tenant) live side by side in one server.

function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect(
    { status: response.status, code: response.body?.code },
    JSON.stringify(response.body),
  ).toEqual({ status, code });
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.body.status).toBe(status);
  expect(typeof response.body.detail).toBe("string");
  expect(response.body.detail.length).toBeGreaterThan(0);
}

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

interface Member {
  api: ApiClient;
  token: string;
  user: { id: string; email: string; name: string };
}

describe.skipIf(!testDatabaseAvailable)("access: roles and tenant isolation", () => {
  let app: TestApp;
  let owner: Member;
  let billingAdmin: Member;
  let editor: Member;
  let viewer: Member;
  let projectViewer: Member;
  let projectEditor: Member;
  let outsider: Member;
  let orgA: { id: string; primary_billing_account_id: string };
  let orgB: { id: string; primary_billing_account_id: string };
  let p1: { id: string };
  let p2: { id: string };
  let resourceA: { id: string };
  let projectB: { id: string };
  let deptAccountA: { id: string };
  let deptAccountB: { id: string };

  const projectIdsOf = async (api: ApiClient, organizationId: string): Promise<string[]> => {
    const list = await api.get(`/v1/organizations/${organizationId}/projects`);
    expectStatus(list, 200);
    return list.body.data.map((p: { id: string }) => p.id).sort();
  };
  const itemsOf = async (accountId: string) => {
    const account = await owner.api.get(`/v1/billing-accounts/${accountId}`);
    expectStatus(account, 200);
    return account.body.items;
  };
  const auditOf = async (organizationId: string) => {
    const audit = await owner.api.get(`/v1/organizations/${organizationId}/audit`);
    expectStatus(audit, 200);
    return audit.body.data as Array<{
      action: string;
      actor: { id: string; email: string };
      subject: { type: string; id: string };
      before: any;
      after: any;
    }>;
  };

  /** The owner invites each member to `path` (an organization's or a project's) with its role. */
  const grant = async (options: { path: string; roles: [Member, string][] }) => {
    for (const [who, role] of options.roles) {
      expectStatus(await inviteAndAccept({ by: owner.api, path: options.path, who, role }), 200);
    }
  };

  beforeAll(async () => {
    app = await startTestApp();
    [owner, billingAdmin, editor, viewer, projectViewer, projectEditor, outsider] =
      await Promise.all([
        app.signUp({ name: "Olive Owner" }),
        app.signUp({ name: "Bill Admin" }),
        app.signUp({ name: "Eddie Editor" }),
        app.signUp({ name: "Vera Viewer" }),
        app.signUp({ name: "Pia ProjectViewer" }),
        app.signUp({ name: "Ed ProjectEditor" }),
        app.signUp({ name: "Otto Outsider" }),
      ]);

    const a = await owner.api.post("/v1/organizations", { name: "Acme" });
    expectStatus(a, 201);
    orgA = a.body;
    await grant({
      path: `/v1/organizations/${orgA.id}/members`,
      roles: [
        [billingAdmin, "billing_admin"],
        [editor, "editor"],
        [viewer, "viewer"],
      ],
    });
    const created1 = await owner.api.post("/v1/projects", { name: "p1", organization_id: orgA.id });
    expectStatus(created1, 201);
    p1 = created1.body;
    const created2 = await owner.api.post("/v1/projects", { name: "p2", organization_id: orgA.id });
    expectStatus(created2, 201);
    p2 = created2.body;
    const resource = await owner.api.post("/v1/resources", {
      project_id: p1.id,
      resource_type: "graph",
      sku: "standard",
      name: "g1",
    });
    expectStatus(resource, 201);
    resourceA = resource.body;
    const dept = await owner.api.post(`/v1/organizations/${orgA.id}/billing-accounts`, {
      name: "Research A",
    });
    expectStatus(dept, 201);
    deptAccountA = dept.body;
    await grant({
      path: `/v1/projects/${p1.id}/members`,
      roles: [
        [projectViewer, "viewer"],
        [projectEditor, "editor"],
      ],
    });

    const b = await outsider.api.post("/v1/organizations", { name: "Bravo" });
    expectStatus(b, 201);
    orgB = b.body;
    const pb = await outsider.api.post("/v1/projects", { name: "pb", organization_id: orgB.id });
    expectStatus(pb, 201);
    projectB = pb.body;
    const deptB = await outsider.api.post(`/v1/organizations/${orgB.id}/billing-accounts`, {
      name: "Research B",
    });
    expectStatus(deptB, 201);
    deptAccountB = deptB.body;
  });

  afterAll(async () => {
    await app?.close();
  });

  describe("authentication", () => {
    it("answers 401 unauthenticated without a token, with an unknown token, or a non-bearer scheme", async () => {
      const anonymous = app.client();
      const forged = app.client("not-a-real-token");
      for (const api of [anonymous, forged]) {
        expectProblem(await api.get("/v1/me"), 401, "unauthenticated");
        expectProblem(await api.get("/v1/organizations"), 401, "unauthenticated");
        expectProblem(await api.get(`/v1/projects/${p1.id}`), 401, "unauthenticated");
        expectProblem(await api.delete(`/v1/resources/${resourceA.id}`), 401, "unauthenticated");
        expectProblem(
          await api.post("/v1/resources", {
            project_id: p1.id,
            resource_type: "graph",
            sku: "standard",
            name: "sneaky",
          }),
          401,
          "unauthenticated",
        );
      }
      const basic = await fetch(`${app.url}/v1/me`, {
        headers: { authorization: `Basic ${owner.token}` },
      });
      expect(basic.status).toBe(401);
      expect((await basic.json()).code).toBe("unauthenticated");
      // Nothing was deleted or created by the anonymous calls.
      expectStatus(await owner.api.get(`/v1/resources/${resourceA.id}`), 200);
      const resources = await owner.api.get(`/v1/projects/${p1.id}/resources`);
      expect(resources.body.data.map((r: { id: string }) => r.id)).toEqual([resourceA.id]);
    });

    it("checks the token before the body: an anonymous invalid request is 401, not 422", async () => {
      expectProblem(
        await app.client().post("/v1/projects", { colour: "red" }),
        401,
        "unauthenticated",
      );
    });

    it("a token from sign-up and from log-in both work", async () => {
      const login = await app.client().post("/v1/auth/login", {
        email: owner.user.email,
        password: "correct horse battery",
      });
      expectStatus(login, 200);
      const me = await app.client(login.body.token).get("/v1/me");
      expectStatus(me, 200);
      expect(me.body.user.id).toBe(owner.user.id);
      expect(me.body.organizations).toEqual([
        expect.objectContaining({ id: orgA.id, name: "Acme", role: "owner" }),
      ]);
    });
  });

  describe("roles at organization scope", () => {
    it("every role may read the organization, its projects, billing and accounts", async () => {
      for (const [member, role] of [
        [owner, "owner"],
        [billingAdmin, "billing_admin"],
        [editor, "editor"],
        [viewer, "viewer"],
      ] as const) {
        const org = await member.api.get(`/v1/organizations/${orgA.id}`);
        expectStatus(org, 200);
        expect(org.body.role).toBe(role);
        expect(await projectIdsOf(member.api, orgA.id)).toEqual([p1.id, p2.id].sort());
        expectStatus(await member.api.get(`/v1/projects/${p2.id}`), 200);
        expectStatus(await member.api.get(`/v1/projects/${p1.id}/resources`), 200);
        expectStatus(await member.api.get(`/v1/resources/${resourceA.id}`), 200);
        expectStatus(
          await member.api.get(`/v1/billing-accounts/${orgA.primary_billing_account_id}`),
          200,
        );
        expectStatus(await member.api.get(`/v1/organizations/${orgA.id}/billing-accounts`), 200);
        expectStatus(await member.api.get(`/v1/organizations/${orgA.id}/costs`), 200);
        expectStatus(await member.api.get(`/v1/resources/${resourceA.id}/costs`), 200);
        expectStatus(await member.api.get(`/v1/organizations/${orgA.id}/members`), 200);
        const billing = await member.api.get(`/v1/projects/${p1.id}/billing`);
        expectStatus(billing, 200);
        expect(billing.body.can_manage_billing).toBe(role === "owner" || role === "billing_admin");
      }
    });

    it("only owners and editors create projects; the others get 403 and nothing is created", async () => {
      for (const member of [billingAdmin, viewer]) {
        expectProblem(
          await member.api.post("/v1/projects", { name: "nope", organization_id: orgA.id }),
          403,
          "forbidden",
        );
      }
      expect(await projectIdsOf(owner.api, orgA.id)).toEqual([p1.id, p2.id].sort());

      const byEditor = await editor.api.post("/v1/projects", {
        name: "editor's",
        organization_id: orgA.id,
      });
      expectStatus(byEditor, 201);
      expect(byEditor.body.billing.mode).toBe("inherit");
      expect(byEditor.body.billing.billing_account_id).toBe(orgA.primary_billing_account_id);
      // An editor may also delete it again.
      expectStatus(await editor.api.delete(`/v1/projects/${byEditor.body.id}`), 204);
      expectProblem(await owner.api.get(`/v1/projects/${byEditor.body.id}`), 404, "not_found");
    });

    it("an editor choosing separate billing at creation gets 403 and no project or account appears", async () => {
      const accountsBefore = await owner.api.get(`/v1/organizations/${orgA.id}/billing-accounts`);
      for (const billing of [
        { mode: "separate" },
        { mode: "separate", billing_account_id: deptAccountA.id },
      ]) {
        expectProblem(
          await editor.api.post("/v1/projects", {
            name: "own account",
            organization_id: orgA.id,
            billing,
          }),
          403,
          "forbidden",
        );
        expectProblem(
          await editor.api.post("/v1/resources", {
            project: { name: "own account", organization_id: orgA.id, billing },
            resource_type: "graph",
            sku: "free",
            name: "r",
          }),
          403,
          "forbidden",
        );
      }
      expect(await projectIdsOf(owner.api, orgA.id)).toEqual([p1.id, p2.id].sort());
      const accountsAfter = await owner.api.get(`/v1/organizations/${orgA.id}/billing-accounts`);
      expect(accountsAfter.body.data.map((a: { id: string }) => a.id)).toEqual(
        accountsBefore.body.data.map((a: { id: string }) => a.id),
      );
      const audit = await auditOf(orgA.id);
      expect(audit.filter((e) => e.actor.id === editor.user.id)).toEqual([]);
    });

    it("an owner may create a project with separate billing (the same request the editor was refused)", async () => {
      const created = await owner.api.post("/v1/projects", {
        name: "own account",
        organization_id: orgA.id,
        billing: { mode: "separate", billing_account_id: deptAccountA.id },
      });
      expectStatus(created, 201);
      expect(created.body.billing).toMatchObject({
        mode: "separate",
        billing_account_id: deptAccountA.id,
      });
      expectStatus(await owner.api.delete(`/v1/projects/${created.body.id}`), 204);
    });

    it("only owners and editors create and delete resources; billing admins and viewers get 403", async () => {
      const itemsBefore = await itemsOf(orgA.primary_billing_account_id);
      for (const member of [billingAdmin, viewer]) {
        expectProblem(
          await member.api.post("/v1/resources", {
            project_id: p1.id,
            resource_type: "graph",
            sku: "standard",
            name: "nope",
          }),
          403,
          "forbidden",
        );
        expectProblem(await member.api.delete(`/v1/resources/${resourceA.id}`), 403, "forbidden");
        expectProblem(await member.api.delete(`/v1/projects/${p2.id}`), 403, "forbidden");
      }
      expect(await itemsOf(orgA.primary_billing_account_id)).toEqual(itemsBefore);
      expectStatus(await owner.api.get(`/v1/resources/${resourceA.id}`), 200);
      expectStatus(await owner.api.get(`/v1/projects/${p2.id}`), 200);

      const byEditor = await editor.api.post("/v1/resources", {
        project_id: p2.id,
        resource_type: "graph",
        sku: "standard",
        name: "editor's",
      });
      expectStatus(byEditor, 201);
      const during = await itemsOf(orgA.primary_billing_account_id);
      const standard = (items: Array<{ resource_type: string; sku: string; quantity: number }>) =>
        items.find((i) => i.resource_type === "graph" && i.sku === "standard")?.quantity ?? 0;
      expect(standard(during)).toBe(standard(itemsBefore) + 1);
      expectStatus(await editor.api.delete(`/v1/resources/${byEditor.body.id}`), 204);
      expect(standard(await itemsOf(orgA.primary_billing_account_id))).toBe(standard(itemsBefore));
    });

    it("only owners and billing admins switch a project's billing; editors and viewers get 403 and nothing moves", async () => {
      for (const member of [editor, viewer]) {
        expectProblem(
          await member.api.put(`/v1/projects/${p1.id}/billing`, {
            mode: "separate",
            billing_account_id: deptAccountA.id,
          }),
          403,
          "forbidden",
        );
        expectProblem(
          await member.api.put(`/v1/projects/${p1.id}/billing?dry_run=true`, { mode: "separate" }),
          403,
          "forbidden",
        );
      }
      const unchanged = await owner.api.get(`/v1/projects/${p1.id}/billing`);
      expect(unchanged.body.billing_account_id).toBe(orgA.primary_billing_account_id);
      expect(unchanged.body.mode).toBe("inherit");

      const moved = await billingAdmin.api.put(`/v1/projects/${p1.id}/billing`, {
        mode: "separate",
        billing_account_id: deptAccountA.id,
      });
      expectStatus(moved, 200);
      expect(moved.body.moved).toEqual({ resources: 1 });
      const movedResource = await owner.api.get(`/v1/resources/${resourceA.id}`);
      expect(movedResource.body.billing.billing_account_id).toBe(deptAccountA.id);
      const back = await owner.api.put(`/v1/projects/${p1.id}/billing`, { mode: "inherit" });
      expectStatus(back, 200);
      expect(back.body.billing_account_id).toBe(orgA.primary_billing_account_id);

      const audit = await auditOf(orgA.id);
      const switches = audit.filter(
        (e) => e.action === "project.billing_switched" && e.subject.id === p1.id,
      );
      expect(switches.map((e) => [e.actor.email, e.before, e.after])).toEqual([
        [
          billingAdmin.user.email,
          expect.objectContaining({
            mode: "inherit",
            billing_account_id: orgA.primary_billing_account_id,
          }),
          expect.objectContaining({ mode: "separate", billing_account_id: deptAccountA.id }),
        ],
        [
          owner.user.email,
          expect.objectContaining({ mode: "separate", billing_account_id: deptAccountA.id }),
          expect.objectContaining({
            mode: "inherit",
            billing_account_id: orgA.primary_billing_account_id,
          }),
        ],
      ]);
    });

    it("only owners and billing admins add billing accounts; the audit records who added what", async () => {
      for (const member of [editor, viewer]) {
        expectProblem(
          await member.api.post(`/v1/organizations/${orgA.id}/billing-accounts`, { name: "x" }),
          403,
          "forbidden",
        );
      }
      const added = await billingAdmin.api.post(`/v1/organizations/${orgA.id}/billing-accounts`, {
        name: "Marketing",
      });
      expectStatus(added, 201);
      const accounts = await viewer.api.get(`/v1/organizations/${orgA.id}/billing-accounts`);
      expect(accounts.body.data.map((a: { name: string }) => a.name).sort()).toEqual([
        "Acme",
        "Marketing",
        "Research A",
      ]);
      const entry = (await auditOf(orgA.id)).find(
        (e) => e.action === "billing_account.added" && e.subject.id === added.body.id,
      );
      expect(entry).toMatchObject({
        actor: { id: billingAdmin.user.id, email: billingAdmin.user.email },
        subject: { type: "billing_account", id: added.body.id },
        before: null,
        after: { name: "Marketing" },
      });
    });

    it("only owners and billing admins read the audit; editors, viewers and project members get 403", async () => {
      expectStatus(await owner.api.get(`/v1/organizations/${orgA.id}/audit`), 200);
      expectStatus(await billingAdmin.api.get(`/v1/organizations/${orgA.id}/audit`), 200);
      for (const member of [editor, viewer, projectViewer, projectEditor]) {
        expectProblem(await member.api.get(`/v1/organizations/${orgA.id}/audit`), 403, "forbidden");
      }
    });
  });

  describe("members", () => {
    it("only owners grant roles; others get 403 and no grant is recorded", async () => {
      const newcomer = await app.signUp({ name: "Nina Newcomer" });
      const auditBefore = await auditOf(orgA.id);
      for (const member of [billingAdmin, editor, viewer]) {
        expectProblem(
          await member.api.post(`/v1/organizations/${orgA.id}/members`, {
            email: newcomer.user.email,
            role: "viewer",
          }),
          403,
          "forbidden",
        );
      }
      expectProblem(
        await projectEditor.api.post(`/v1/projects/${p1.id}/members`, {
          email: newcomer.user.email,
          role: "viewer",
        }),
        403,
        "forbidden",
      );
      expect(await auditOf(orgA.id)).toEqual(auditBefore);
      expectProblem(await newcomer.api.get(`/v1/organizations/${orgA.id}`), 404, "not_found");
      const members = await owner.api.get(`/v1/organizations/${orgA.id}/members`);
      expect(members.body.data.map((m: { email: string }) => m.email)).not.toContain(
        newcomer.user.email,
      );
    });

    it("an accepted invitation grants the role; inviting a member again is 409; PUT changes the role, which takes effect", async () => {
      const flipper = await app.signUp({ name: "Flip Flop" });
      const membersPath = `/v1/organizations/${orgA.id}/members`;
      const granted = await inviteAndAccept({
        by: owner.api,
        path: membersPath,
        who: flipper,
        role: "viewer",
      });
      expectStatus(granted, 200);
      expect(granted.body).toMatchObject({
        email: flipper.user.email,
        role: "viewer",
        scope: "organization",
        status: "accepted",
      });
      expectProblem(
        await flipper.api.post("/v1/projects", { name: "f", organization_id: orgA.id }),
        403,
        "forbidden",
      );
      expectProblem(
        await owner.api.post(membersPath, { email: flipper.user.email, role: "editor" }),
        409,
        "already_member",
      );

      const changed = await owner.api.put(`${membersPath}/${flipper.user.id}`, { role: "editor" });
      expectStatus(changed, 200);
      expect(changed.body.role).toBe("editor");
      const created = await flipper.api.post("/v1/projects", {
        name: "f",
        organization_id: orgA.id,
      });
      expectStatus(created, 201);

      const demoted = await owner.api.put(`${membersPath}/${flipper.user.id}`, { role: "viewer" });
      expectStatus(demoted, 200);
      expectProblem(await flipper.api.delete(`/v1/projects/${created.body.id}`), 403, "forbidden");
      expectStatus(await owner.api.delete(`/v1/projects/${created.body.id}`), 204);

      const members = await owner.api.get(membersPath);
      expect(
        members.body.data.filter((m: { user_id: string }) => m.user_id === flipper.user.id),
      ).toEqual([expect.objectContaining({ role: "viewer", scope: "organization" })]);

      const trail = (await auditOf(orgA.id))
        .filter((e) => e.subject.type === "member" && e.subject.id === flipper.user.id)
        .map((e) => ({
          action: e.action,
          actor: e.actor.email,
          before: e.before?.role ?? null,
          after: e.after.role,
        }));
      expect(trail).toEqual([
        { action: "member.role_granted", actor: owner.user.email, before: null, after: "viewer" },
        {
          action: "member.role_changed",
          actor: owner.user.email,
          before: "viewer",
          after: "editor",
        },
        {
          action: "member.role_changed",
          actor: owner.user.email,
          before: "editor",
          after: "viewer",
        },
      ]);
    });

    it("an unknown email gets a pending invitation like a known one: nobody is told which emails exist", async () => {
      const response = await owner.api.post(`/v1/organizations/${orgA.id}/members`, {
        email: "nobody-here@example.com",
        role: "viewer",
      });
      expectStatus(response, 201);
      expect(response.body).toMatchObject({ email: "nobody-here@example.com", status: "pending" });
    });
  });

  describe("roles at project scope", () => {
    it("a project viewer reads that project and its billing, and gets 404 for the other projects", async () => {
      const api = projectViewer.api;
      expectStatus(await api.get(`/v1/projects/${p1.id}`), 200);
      const billing = await api.get(`/v1/projects/${p1.id}/billing`);
      expectStatus(billing, 200);
      expect(billing.body.can_manage_billing).toBe(false);
      expect(billing.body.can_manage_organization_billing).toBe(false);
      expectStatus(await api.get(`/v1/projects/${p1.id}/resources`), 200);
      expectStatus(await api.get(`/v1/resources/${resourceA.id}`), 200);

      expectProblem(await api.get(`/v1/projects/${p2.id}`), 404, "not_found");
      expectProblem(await api.get(`/v1/projects/${p2.id}/billing`), 404, "not_found");
      expectProblem(await api.get(`/v1/projects/${p2.id}/resources`), 404, "not_found");
      // Other projects are not even listed.
      expect(await projectIdsOf(api, orgA.id)).toEqual([p1.id]);
    });

    it("a project viewer may not write in it: resources, billing, members and deletion are 403", async () => {
      const api = projectViewer.api;
      expectProblem(
        await api.post("/v1/resources", {
          project_id: p1.id,
          resource_type: "graph",
          sku: "free",
          name: "x",
        }),
        403,
        "forbidden",
      );
      expectProblem(await api.delete(`/v1/resources/${resourceA.id}`), 403, "forbidden");
      expectProblem(
        await api.put(`/v1/projects/${p1.id}/billing`, { mode: "separate" }),
        403,
        "forbidden",
      );
      expectProblem(await api.delete(`/v1/projects/${p1.id}`), 403, "forbidden");
      expectProblem(
        await api.post("/v1/projects", { name: "x", organization_id: orgA.id }),
        403,
        "forbidden",
      );
      expectStatus(await owner.api.get(`/v1/projects/${p1.id}`), 200);
    });

    it("a project editor creates resources in that project only; the other project is 404", async () => {
      const api = projectEditor.api;
      const created = await api.post("/v1/resources", {
        project_id: p1.id,
        resource_type: "graph",
        sku: "free",
        name: "by project editor",
      });
      expectStatus(created, 201);
      expectProblem(
        await api.post("/v1/resources", {
          project_id: p2.id,
          resource_type: "graph",
          sku: "free",
          name: "elsewhere",
        }),
        404,
        "not_found",
      );
      const inP2 = await owner.api.get(`/v1/projects/${p2.id}/resources`);
      expect(inP2.body.data.map((r: { name: string }) => r.name)).not.toContain("elsewhere");
      // Project scope gives no organization-wide write: no new project, no billing.
      expectProblem(
        await api.post("/v1/projects", { name: "x", organization_id: orgA.id }),
        403,
        "forbidden",
      );
      expectProblem(
        await api.put(`/v1/projects/${p1.id}/billing`, { mode: "separate" }),
        403,
        "forbidden",
      );
      expectStatus(await api.delete(`/v1/resources/${created.body.id}`), 204);
    });
  });

  describe("tenant isolation", () => {
    it("another tenant's ids in the path are 404, exactly like ids that do not exist", async () => {
      const api = outsider.api;
      const pairs: Array<[string, string, string]> = [
        ["GET", `/v1/organizations/${orgA.id}`, "/v1/organizations/org_doesnotexist"],
        ["GET", `/v1/projects/${p1.id}`, "/v1/projects/prj_doesnotexist"],
        ["GET", `/v1/projects/${p1.id}/billing`, "/v1/projects/prj_doesnotexist/billing"],
        ["GET", `/v1/projects/${p1.id}/resources`, "/v1/projects/prj_doesnotexist/resources"],
        ["GET", `/v1/resources/${resourceA.id}`, "/v1/resources/res_doesnotexist"],
        [
          "GET",
          `/v1/billing-accounts/${orgA.primary_billing_account_id}`,
          "/v1/billing-accounts/ba_doesnotexist",
        ],
        [
          "GET",
          `/v1/billing-accounts/${orgA.primary_billing_account_id}/upcoming-invoice`,
          "/v1/billing-accounts/ba_doesnotexist/upcoming-invoice",
        ],
        [
          "GET",
          `/v1/billing-accounts/${orgA.primary_billing_account_id}/charges`,
          "/v1/billing-accounts/ba_doesnotexist/charges",
        ],
        [
          "GET",
          `/v1/organizations/${orgA.id}/projects`,
          "/v1/organizations/org_doesnotexist/projects",
        ],
        [
          "GET",
          `/v1/organizations/${orgA.id}/members`,
          "/v1/organizations/org_doesnotexist/members",
        ],
        [
          "GET",
          `/v1/organizations/${orgA.id}/billing-accounts`,
          "/v1/organizations/org_doesnotexist/billing-accounts",
        ],
        ["GET", `/v1/organizations/${orgA.id}/costs`, "/v1/organizations/org_doesnotexist/costs"],
        ["GET", `/v1/resources/${resourceA.id}/costs`, "/v1/resources/res_doesnotexist/costs"],
        ["GET", `/v1/organizations/${orgA.id}/audit`, "/v1/organizations/org_doesnotexist/audit"],
        ["DELETE", `/v1/projects/${p1.id}`, "/v1/projects/prj_doesnotexist"],
      ];
      for (const [method, foreign, missing] of pairs) {
        const a = method === "GET" ? await api.get(foreign) : await api.delete(foreign);
        const b = method === "GET" ? await api.get(missing) : await api.delete(missing);
        expectProblem(a, 404, "not_found");
        expectProblem(b, 404, "not_found");
        expect(a.body.detail, `${method} ${foreign}`).toBe(b.body.detail);
      }
      expectStatus(await owner.api.get(`/v1/resources/${resourceA.id}`), 200);
      expectStatus(await owner.api.get(`/v1/projects/${p1.id}`), 200);
    });

    it("deleting another tenant's resource is 404, worded like a resource that does not exist", async () => {
      const foreign = await outsider.api.delete(`/v1/resources/${resourceA.id}`);
      const missing = await outsider.api.delete("/v1/resources/res_doesnotexist");
      expectProblem(foreign, 404, "not_found");
      expectProblem(missing, 404, "not_found");
      expect(foreign.body.detail).toBe(missing.body.detail);
      expectStatus(await owner.api.get(`/v1/resources/${resourceA.id}`), 200);
    });

    it("writes against another tenant's path ids are 404 and change nothing", async () => {
      const api = outsider.api;
      const auditBefore = await auditOf(orgA.id);
      expectProblem(
        await api.put(`/v1/projects/${p1.id}/billing`, { mode: "separate" }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post(`/v1/organizations/${orgA.id}/members`, {
          email: outsider.user.email,
          role: "owner",
        }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post(`/v1/projects/${p1.id}/members`, {
          email: outsider.user.email,
          role: "owner",
        }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post(`/v1/organizations/${orgA.id}/billing-accounts`, { name: "mine" }),
        404,
        "not_found",
      );
      expect(await auditOf(orgA.id)).toEqual(auditBefore);
      const billing = await owner.api.get(`/v1/projects/${p1.id}/billing`);
      expect(billing.body.mode).toBe("inherit");
      const me = await outsider.api.get("/v1/me");
      expect(me.body.organizations.map((o: { id: string }) => o.id)).toEqual([orgB.id]);
    });

    it("another tenant's ids in the body are 404: organization_id, project_id, billing account ids", async () => {
      const api = outsider.api;
      expectProblem(
        await api.post("/v1/projects", { name: "intruder", organization_id: orgA.id }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post("/v1/resources", {
          project_id: p1.id,
          resource_type: "graph",
          sku: "standard",
          name: "intruder",
        }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post("/v1/resources", {
          project: { name: "intruder", organization_id: orgA.id },
          resource_type: "graph",
          sku: "standard",
          name: "intruder",
        }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post("/v1/pricing/preview", {
          project_id: p1.id,
          resource_type: "graph",
          sku: "standard",
        }),
        404,
        "not_found",
      );
      expectProblem(
        await api.post("/v1/pricing/preview", {
          organization_id: orgA.id,
          resource_type: "graph",
          sku: "standard",
        }),
        404,
        "not_found",
      );
      // The outsider's own organization, paid by A's account: the account is not found.
      const projectsOfB = await projectIdsOf(api, orgB.id);
      const viaProject = await api.post("/v1/projects", {
        name: "paid by A",
        organization_id: orgB.id,
        billing: { mode: "separate", billing_account_id: deptAccountA.id },
      });
      expectProblem(viaProject, 404, "not_found");
      expect(viaProject.body.field).toBe("billing.billing_account_id");
      const viaResource = await api.post("/v1/resources", {
        project: {
          name: "paid by A",
          organization_id: orgB.id,
          billing: { mode: "separate", billing_account_id: orgA.primary_billing_account_id },
        },
        resource_type: "graph",
        sku: "standard",
        name: "r",
      });
      expectProblem(viaResource, 404, "not_found");
      expect(viaResource.body.field).toBe("project.billing.billing_account_id");
      const viaSwitch = await api.put(`/v1/projects/${projectB.id}/billing`, {
        mode: "separate",
        billing_account_id: deptAccountA.id,
      });
      expectProblem(viaSwitch, 404, "not_found");
      expect(viaSwitch.body.field).toBe("billing_account_id");
      const preview = await api.post("/v1/pricing/preview", {
        organization_id: orgB.id,
        project_billing: { mode: "separate", billing_account_id: deptAccountA.id },
        resource_type: "graph",
        sku: "standard",
      });
      expectProblem(preview, 404, "not_found");

      expect(await projectIdsOf(api, orgB.id)).toEqual(projectsOfB);
      const billingB = await api.get(`/v1/projects/${projectB.id}/billing`);
      expect(billingB.body.billing_account_id).toBe(orgB.primary_billing_account_id);
      const resourcesA = await owner.api.get(`/v1/projects/${p1.id}/resources`);
      expect(resourcesA.body.data.map((r: { name: string }) => r.name)).not.toContain("intruder");
      // A's account carries nothing of B's.
      const accountA = await owner.api.get(`/v1/billing-accounts/${deptAccountA.id}`);
      expect(accountA.body.projects.map((p: { id: string }) => p.id)).not.toContain(projectB.id);
    });

    it("the owner of one organization is a stranger in the other, in both directions", async () => {
      expectProblem(await owner.api.get(`/v1/organizations/${orgB.id}`), 404, "not_found");
      expectProblem(await owner.api.get(`/v1/projects/${projectB.id}`), 404, "not_found");
      const pinned = await owner.api.put(`/v1/projects/${p2.id}/billing`, {
        mode: "separate",
        billing_account_id: deptAccountB.id,
      });
      expectProblem(pinned, 404, "not_found");
      const billing = await owner.api.get(`/v1/projects/${p2.id}/billing`);
      expect(billing.body.billing_account_id).toBe(orgA.primary_billing_account_id);
      const orgs = await owner.api.get("/v1/organizations");
      expect(orgs.body.data.map((o: { id: string }) => o.id)).toEqual([orgA.id]);
      // Members of A see none of B in their lists.
      const accounts = await viewer.api.get(`/v1/organizations/${orgA.id}/billing-accounts`);
      const ids = accounts.body.data.map((a: { id: string }) => a.id);
      expect(ids).not.toContain(deptAccountB.id);
      expect(ids).not.toContain(orgB.primary_billing_account_id);
    });
  });
});
