import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH } from "../../src/domain/names.js";
import { inviteAndAccept } from "../support/invite.js";
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
} from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Members (change role, remove), renames, the paged audit log and the permissions the console
// reads to hide what a role cannot do — through the HTTP API, on both databases.

function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}
function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect(
    { status: response.status, code: response.body?.code },
    JSON.stringify(response.body),
  ).toEqual({ status, code });
}
const patch = (api: ApiClient, path: string, body: unknown) =>
  api.send("PATCH", path, JSON.stringify(body));

interface Member {
  api: ApiClient;
  user: { id: string; email: string; name: string };
}

describe.skipIf(!testDatabaseAvailable)("team: members, renames, audit, permissions", () => {
  let app: TestApp;
  let owner: Member;
  let editor: Member;
  let viewer: Member;
  let projectEditor: Member;
  let outsider: Member;
  let org: { id: string };
  let otherOrg: { id: string };
  let project: { id: string };
  let otherProject: { id: string };
  let resource: { id: string };
  let otherResource: { id: string };

  beforeAll(async () => {
    app = await startTestApp();
    [owner, editor, viewer, projectEditor, outsider] = await Promise.all([
      app.signUp({ name: "Olga Owner" }),
      app.signUp({ name: "Eddie Editor" }),
      app.signUp({ name: "Vera Viewer" }),
      app.signUp({ name: "Pete ProjectEditor" }),
      app.signUp({ name: "Otto Outsider" }),
    ]);
    org = (await owner.api.post("/v1/organizations", { name: "Acme" })).body;
    for (const [m, role] of [
      [editor, "editor"],
      [viewer, "viewer"],
    ] as const) {
      expectStatus(
        await inviteAndAccept({
          by: owner.api,
          path: `/v1/organizations/${org.id}/members`,
          who: m,
          role,
        }),
        200,
      );
    }
    project = (await owner.api.post("/v1/projects", { name: "Web", organization_id: org.id })).body;
    expectStatus(
      await inviteAndAccept({
        by: owner.api,
        path: `/v1/projects/${project.id}/members`,
        who: projectEditor,
        role: "editor",
      }),
      200,
    );
    resource = (
      await owner.api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "graph",
        sku: "free",
        name: "db",
      })
    ).body;
    otherOrg = (await outsider.api.post("/v1/organizations", { name: "Bravo" })).body;
    otherProject = (
      await outsider.api.post("/v1/projects", { name: "B", organization_id: otherOrg.id })
    ).body;
    otherResource = (
      await outsider.api.post("/v1/resources", {
        project_id: otherProject.id,
        resource_type: "graph",
        sku: "free",
        name: "other",
      })
    ).body;
  });
  afterAll(async () => {
    await app?.close();
  });

  it("says what each caller may do: /v1/me, organizations and projects carry permissions", async () => {
    const me = await viewer.api.get("/v1/me");
    expect(me.body.organizations).toEqual([
      expect.objectContaining({
        id: org.id,
        role: "viewer",
        permissions: expect.objectContaining({ write_resources: false, manage_members: false }),
      }),
    ]);
    const asOwner = await owner.api.get(`/v1/organizations/${org.id}`);
    expect(asOwner.body.permissions).toEqual({
      manage_billing: true,
      write_resources: true,
      write_projects: true,
      manage_members: true,
      manage_organization: true,
      read_audit: true,
    });
    const asProjectEditor = await projectEditor.api.get(`/v1/projects/${project.id}`);
    expect(asProjectEditor.body.permissions).toEqual(
      expect.objectContaining({
        write_resources: true,
        write_projects: true,
        manage_billing: false,
      }),
    );
    const orgOfProjectEditor = await projectEditor.api.get(`/v1/organizations/${org.id}`);
    expect(orgOfProjectEditor.body.role).toBeNull();
    expect(orgOfProjectEditor.body.permissions.read_audit).toBe(false);
    const list = await viewer.api.get(`/v1/organizations/${org.id}/projects`);
    expect(list.body.data[0].permissions.write_resources).toBe(false);
    expect(list.body.data[0].permissions.write_projects).toBe(false);
  });

  it("renames: owners the organization, editors projects and resources; others 403, other tenants 404", async () => {
    expectProblem(
      await patch(editor.api, `/v1/organizations/${org.id}`, { name: "X" }),
      403,
      "forbidden",
    );
    expectProblem(
      await patch(viewer.api, `/v1/projects/${project.id}`, { name: "X" }),
      403,
      "forbidden",
    );
    expectProblem(
      await patch(viewer.api, `/v1/resources/${resource.id}`, { name: "X" }),
      403,
      "forbidden",
    );
    expectProblem(
      await patch(owner.api, `/v1/organizations/${otherOrg.id}`, { name: "X" }),
      404,
      "not_found",
    );
    expectProblem(
      await patch(owner.api, `/v1/projects/${otherProject.id}`, { name: "X" }),
      404,
      "not_found",
    );
    expectProblem(
      await patch(owner.api, `/v1/resources/${otherResource.id}`, { name: "X" }),
      404,
      "not_found",
    );

    const renamedOrg = await patch(owner.api, `/v1/organizations/${org.id}`, {
      name: " Acme Inc ",
    });
    expectStatus(renamedOrg, 200);
    expect(renamedOrg.body.name).toBe("Acme Inc");
    const renamedProject = await patch(projectEditor.api, `/v1/projects/${project.id}`, {
      name: "Website",
    });
    expectStatus(renamedProject, 200);
    expect(renamedProject.body.name).toBe("Website");
    const renamedResource = await patch(editor.api, `/v1/resources/${resource.id}`, {
      name: "main-db",
    });
    expectStatus(renamedResource, 200);
    expect((await owner.api.get(`/v1/resources/${resource.id}`)).body.name).toBe("main-db");
    expect((await owner.api.get(`/v1/organizations/${otherOrg.id}`)).status).toBe(404);
    expect((await outsider.api.get(`/v1/organizations/${otherOrg.id}`)).body.name).toBe("Bravo");
  });

  it("names are limited the same way everywhere: blank and over-long names are 422", async () => {
    const tooLong = "x".repeat(NAME_MAX_LENGTH + 1);
    for (const path of [
      `/v1/organizations/${org.id}`,
      `/v1/projects/${project.id}`,
      `/v1/resources/${resource.id}`,
    ]) {
      expectProblem(await patch(owner.api, path, { name: tooLong }), 422, "validation_failed");
      expectProblem(await patch(owner.api, path, { name: "   " }), 422, "validation_failed");
      expectProblem(
        await patch(owner.api, path, { name: "a", extra: 1 }),
        422,
        "validation_failed",
      );
    }
    expectStatus(
      await patch(owner.api, `/v1/projects/${project.id}`, { name: "y".repeat(NAME_MAX_LENGTH) }),
      200,
    );
    expectStatus(await patch(owner.api, `/v1/projects/${project.id}`, { name: "Website" }), 200);
  });

  it("owners change and remove members; others get 403, unknown members and other tenants 404", async () => {
    const path = `/v1/organizations/${org.id}/members/${viewer.user.id}`;
    expectProblem(await editor.api.put(path, { role: "editor" }), 403, "forbidden");
    expectProblem(await outsider.api.put(path, { role: "editor" }), 404, "not_found");
    expectProblem(
      await owner.api.put(`/v1/organizations/${org.id}/members/${outsider.user.id}`, {
        role: "viewer",
      }),
      404,
      "not_found",
    );
    expectProblem(
      await owner.api.put(`/v1/organizations/${otherOrg.id}/members/${outsider.user.id}`, {
        role: "viewer",
      }),
      404,
      "not_found",
    );
    expectProblem(await owner.api.put(path, { role: "king" }), 422, "validation_failed");

    const changed = await owner.api.put(path, { role: "billing_admin" });
    expectStatus(changed, 200);
    expect(changed.body).toEqual(
      expect.objectContaining({
        user_id: viewer.user.id,
        role: "billing_admin",
        scope: "organization",
      }),
    );
    expectProblem(await editor.api.delete(path), 403, "forbidden");
    expectStatus(await owner.api.delete(path), 204);
    expectProblem(await owner.api.delete(path), 404, "not_found");
    expectProblem(await viewer.api.get(`/v1/organizations/${org.id}`), 404, "not_found");

    // Project scope.
    const projectPath = `/v1/projects/${project.id}/members/${projectEditor.user.id}`;
    expectProblem(await editor.api.put(projectPath, { role: "viewer" }), 403, "forbidden");
    expectStatus(await owner.api.put(projectPath, { role: "viewer" }), 200);
    const projectMembers = await projectEditor.api.get(`/v1/projects/${project.id}/members`);
    expect(projectMembers.body.data).toEqual([
      expect.objectContaining({ user_id: projectEditor.user.id, role: "viewer", scope: "project" }),
    ]);
    expectProblem(await outsider.api.get(`/v1/projects/${project.id}/members`), 404, "not_found");
    expectStatus(await owner.api.delete(projectPath), 204);
    expectProblem(await projectEditor.api.get(`/v1/projects/${project.id}`), 404, "not_found");

    // Put the viewer back for later tests.
    expectStatus(
      await inviteAndAccept({
        by: owner.api,
        path: `/v1/organizations/${org.id}/members`,
        who: viewer,
        role: "viewer",
      }),
      200,
    );
  });

  it("the last owner can be neither demoted nor removed; with a second owner they can", async () => {
    const self = `/v1/organizations/${org.id}/members/${owner.user.id}`;
    expectProblem(await owner.api.put(self, { role: "editor" }), 409, "last_owner");
    expectProblem(await owner.api.delete(self), 409, "last_owner");
    expectStatus(
      await owner.api.put(`/v1/organizations/${org.id}/members/${editor.user.id}`, {
        role: "owner",
      }),
      200,
    );
    expectStatus(await owner.api.put(self, { role: "editor" }), 200);
    expectStatus(await editor.api.put(self, { role: "owner" }), 200);
  });

  it("the audit log pages by cursor, newest first on request, and filters by action and actor", async () => {
    const all = await owner.api.get(`/v1/organizations/${org.id}/audit?limit=200`);
    expectStatus(all, 200);
    expect(all.body.next_cursor).toBeNull();
    const actions = all.body.data.map((e: { action: string }) => e.action);
    for (const action of [
      "organization.renamed",
      "project.renamed",
      "resource.renamed",
      "member.role_changed",
      "member.removed",
    ]) {
      expect(actions).toContain(action);
    }
    const ids = all.body.data.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiResponse = await owner.api.get(
        `/v1/organizations/${org.id}/audit?order=desc&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expectStatus(page, 200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((e: { id: number }) => e.id));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen).toEqual([...ids].reverse());

    const renames = await owner.api.get(
      `/v1/organizations/${org.id}/audit?action=project.renamed&actor=${encodeURIComponent(projectEditor.user.email)}`,
    );
    expect(renames.body.data).toEqual([
      expect.objectContaining({
        action: "project.renamed",
        actor: { id: projectEditor.user.id, email: projectEditor.user.email },
        before: { name: "Web" },
        after: { name: "Website" },
      }),
    ]);
    const removed = await owner.api.get(`/v1/organizations/${org.id}/audit?action=member.removed`);
    expect(removed.body.data[0].before).toEqual(
      expect.objectContaining({ role: "billing_admin", email: viewer.user.email }),
    );
    expectProblem(
      await owner.api.get(`/v1/organizations/${org.id}/audit?cursor=abc`),
      422,
      "validation_failed",
    );
    expectProblem(await viewer.api.get(`/v1/organizations/${org.id}/audit`), 403, "forbidden");
    expectProblem(await owner.api.get(`/v1/organizations/${otherOrg.id}/audit`), 404, "not_found");
  });
});
