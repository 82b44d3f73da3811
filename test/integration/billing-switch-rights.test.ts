import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteAndAccept } from "../support/invite.js";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Issue 11: choosing who pays when switching a project's billing takes the same rights as
// choosing it when creating the project — an organization-scope billing role, unless the
// account is the project's own.

interface Member {
  api: ApiClient;
  user: { id: string; email: string };
}

describe.skipIf(!testDatabaseAvailable)(
  "switching billing: the account chosen needs rights",
  () => {
    let app: TestApp;
    let owner: Member;
    let projectAdmin: Member;
    let projectOwner: Member;
    let orgId: string;
    let primaryId: string;
    let mine: { id: string };
    let other: { id: string };
    let otherOwnAccountId: string;
    let deptAccountId: string;

    beforeAll(async () => {
      app = await startTestApp();
      [owner, projectAdmin, projectOwner] = await Promise.all([
        app.signUp({ name: "Owner" }),
        app.signUp({ name: "Project billing admin" }),
        app.signUp({ name: "Project owner" }),
      ]);
      const org = await owner.api.post("/v1/organizations", { name: "Acme" });
      expect(org.status).toBe(201);
      orgId = org.body.id;
      primaryId = org.body.primary_billing_account_id;
      mine = (await owner.api.post("/v1/projects", { name: "mine", organization_id: orgId })).body;
      const otherCreated = await owner.api.post("/v1/projects", {
        name: "other",
        organization_id: orgId,
        billing: { mode: "separate" },
      });
      expect(otherCreated.status).toBe(201);
      other = otherCreated.body;
      otherOwnAccountId = (await owner.api.get(`/v1/projects/${other.id}/billing`)).body
        .billing_account_id;
      const dept = await owner.api.post(`/v1/organizations/${orgId}/billing-accounts`, {
        name: "Research",
      });
      expect(dept.status).toBe(201);
      deptAccountId = dept.body.id;
      for (const [member, role] of [
        [projectAdmin, "billing_admin"],
        [projectOwner, "owner"],
      ] as const) {
        const granted = await inviteAndAccept({
          by: owner.api,
          path: `/v1/projects/${mine.id}/members`,
          who: member,
          role,
        });
        expect(granted.status).toBe(200);
      }
      const resource = await owner.api.post("/v1/resources", {
        project_id: mine.id,
        resource_type: "graph",
        sku: "standard",
        name: "g",
      });
      expect(resource.status).toBe(201);
    });

    afterAll(async () => {
      await app?.close();
    });

    it("a project-scope billing admin or owner may not move the project onto another project's or a department's account", async () => {
      for (const member of [projectAdmin, projectOwner]) {
        for (const accountId of [otherOwnAccountId, deptAccountId, primaryId]) {
          for (const query of ["", "?dry_run=true"]) {
            const response = await member.api.put(`/v1/projects/${mine.id}/billing${query}`, {
              mode: "separate",
              billing_account_id: accountId,
            });
            expect(response.status, JSON.stringify(response.body)).toBe(403);
            expect(response.body.code).toBe("forbidden");
            expect(response.body.field).toBe("billing_account_id");
          }
        }
      }
      const billing = await owner.api.get(`/v1/projects/${mine.id}/billing`);
      expect(billing.body).toMatchObject({ mode: "inherit", billing_account_id: primaryId });
    });

    it("the same member may still give the project its own account, name that account, and go back to inheriting", async () => {
      const own = await projectAdmin.api.put(`/v1/projects/${mine.id}/billing`, {
        mode: "separate",
      });
      expect(own.status, JSON.stringify(own.body)).toBe(200);
      const ownId = own.body.billing_account_id;
      expect(ownId).not.toBe(primaryId);
      const inherit = await projectOwner.api.put(`/v1/projects/${mine.id}/billing`, {
        mode: "inherit",
      });
      expect(inherit.status, JSON.stringify(inherit.body)).toBe(200);
      const named = await projectAdmin.api.put(`/v1/projects/${mine.id}/billing`, {
        mode: "separate",
        billing_account_id: ownId,
      });
      expect(named.status, JSON.stringify(named.body)).toBe(200);
      expect(named.body.billing_account_id).toBe(ownId);
    });

    it("an organization-scope owner may still pin the project to a department's account", async () => {
      const moved = await owner.api.put(`/v1/projects/${mine.id}/billing`, {
        mode: "separate",
        billing_account_id: deptAccountId,
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body.billing_account_id).toBe(deptAccountId);
      // Naming the account the project already pays with changes nothing and stays allowed.
      const same = await projectAdmin.api.put(`/v1/projects/${mine.id}/billing?dry_run=true`, {
        mode: "separate",
        billing_account_id: deptAccountId,
      });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
    });
  },
);
