import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteAndAccept } from "../support/invite.js";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Issue 8, part 7: accounts people can manage — rename, make another one the primary, close one
// nothing bills, use a closed one again, and close the account a switch back to inherit leaves.
// November 2026 has 30 days; graph/standard is 9900 a month.
const NOV_10 = "2026-11-10T00:00:00Z";

const patch = (api: ApiClient, path: string, body: unknown) =>
  api.send("PATCH", path, JSON.stringify(body), { "content-type": "application/json" });

describe.skipIf(!testDatabaseAvailable)("billing accounts people can manage", () => {
  let app: TestApp;
  let owner: { api: ApiClient; user: { id: string; email: string } };
  let orgId: string;
  let primaryId: string;

  beforeAll(async () => {
    app = await startTestApp({ at: NOV_10 });
    owner = await app.signUp({ name: "Owner" });
    const org = await owner.api.post("/v1/organizations", { name: "Acme" });
    expect(org.status).toBe(201);
    orgId = org.body.id;
    primaryId = org.body.primary_billing_account_id;
  });
  afterAll(async () => {
    await app?.close();
  });

  async function addAccount(name: string): Promise<string> {
    const added = await owner.api.post(`/v1/organizations/${orgId}/billing-accounts`, { name });
    expect(added.status).toBe(201);
    return added.body.id;
  }

  async function audit(action: string) {
    const found = await owner.api.get(`/v1/organizations/${orgId}/audit?action=${action}`);
    expect(found.status).toBe(200);
    return found.body.data;
  }

  it("renames an account, audited with the old name; viewers are refused, other organizations see 404", async () => {
    const id = await addAccount("Research");
    const renamed = await patch(owner.api, `/v1/billing-accounts/${id}`, { name: "R&D" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: "R&D", primary: false, closed_at: null });
    expect((await owner.api.get(`/v1/billing-accounts/${id}`)).body.name).toBe("R&D");
    const entries = await audit("billing_account.renamed");
    expect(entries.at(-1)).toMatchObject({
      subject: { id },
      before: { name: "Research" },
      after: { name: "R&D" },
    });

    const viewer = await app.signUp({ name: "Viewer" });
    expect(
      (
        await inviteAndAccept({
          by: owner.api,
          path: `/v1/organizations/${orgId}/members`,
          who: viewer,
          role: "viewer",
        })
      ).status,
    ).toBe(200);
    const refused = await patch(viewer.api, `/v1/billing-accounts/${id}`, { name: "Mine" });
    expect(refused.status).toBe(403);
    expect((await viewer.api.post(`/v1/billing-accounts/${id}/close`)).status).toBe(403);
    expect((await viewer.api.post(`/v1/billing-accounts/${id}/make-primary`)).status).toBe(403);

    const stranger = await app.signUp({ name: "Stranger" });
    for (const answer of [
      await patch(stranger.api, `/v1/billing-accounts/${id}`, { name: "Mine" }),
      await stranger.api.post(`/v1/billing-accounts/${id}/close`),
      await stranger.api.post(`/v1/billing-accounts/${id}/make-primary`),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe("not_found");
    }
    expect((await owner.api.get(`/v1/billing-accounts/${id}`)).body.name).toBe("R&D");

    // The local ledger has no payment provider portal: a clear problem, not a link.
    const portal = await owner.api.post(`/v1/billing-accounts/${id}/portal-session`);
    expect(portal.status).toBe(409);
    expect(portal.body.code).toBe("provider_not_configured");
    expect(portal.headers.get("content-type")).toContain("application/problem+json");
    expect((await viewer.api.post(`/v1/billing-accounts/${id}/portal-session`)).status).toBe(403);

    const blank = await patch(owner.api, `/v1/billing-accounts/${id}`, { name: "  " });
    expect(blank.status).toBe(422);
    expect(blank.body.field).toBe("name");
  });

  it("a change of the primary moves every inheriting resource at one instant: nothing billed twice or not at all", async () => {
    app.clock.set(NOV_10);
    const web = (await owner.api.post("/v1/projects", { name: "web", organization_id: orgId }))
      .body;
    for (const name of ["a", "b"]) {
      const created = await owner.api.post("/v1/resources", {
        project_id: web.id,
        resource_type: "graph",
        sku: "standard",
        name,
      });
      expect(created.status).toBe(201);
    }
    const ops = await addAccount("Operations");
    app.clock.set("2026-11-20T00:00:00Z");

    const preview = await owner.api.post(`/v1/billing-accounts/${ops}/make-primary?dry_run=true`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      dry_run: true,
      primary_billing_account_id: ops,
      from: { billing_account_id: primaryId },
      left_account: { billing_account_id: primaryId, closable: true },
    });
    expect(preview.body.moved).toEqual({ resources: 2, projects: 1 });
    // The preview wrote nothing.
    expect(
      (await owner.api.get(`/v1/organizations/${orgId}`)).body.primary_billing_account_id,
    ).toBe(primaryId);

    const changed = await owner.api.post(`/v1/billing-accounts/${ops}/make-primary`);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      dry_run: false,
      effective_at: "2026-11-20T00:00:00.000Z",
    });
    expect(changed.body.moved).toEqual({ resources: 2, projects: 1 });
    expect(
      (await owner.api.get(`/v1/organizations/${orgId}`)).body.primary_billing_account_id,
    ).toBe(ops);
    expect((await owner.api.get(`/v1/projects/${web.id}/billing`)).body).toMatchObject({
      mode: "inherit",
      billing_account_id: ops,
    });
    // Again: nothing left to move, nothing moves twice.
    const again = await owner.api.post(`/v1/billing-accounts/${ops}/make-primary`);
    expect(again.status).toBe(200);
    expect(again.body.moved).toEqual({ resources: 0, projects: 0 });
    expect(await audit("organization.primary_billing_account_changed")).toHaveLength(1);

    // 10 days on the former primary, 11 on the new one: 2 × 9900 × 10/30 and 2 × 9900 × 11/30,
    // together exactly 2 × 9900 × 21/30.
    const before = (await owner.api.get(`/v1/billing-accounts/${primaryId}/upcoming-invoice`)).body;
    const after = (await owner.api.get(`/v1/billing-accounts/${ops}/upcoming-invoice`)).body;
    expect(before.total).toBe(6600);
    expect(after.total).toBe(7260);
    expect(before.total + after.total).toBe((2 * 9900 * 21) / 30);
    const opsAccount = (await owner.api.get(`/v1/billing-accounts/${ops}`)).body;
    expect(opsAccount).toMatchObject({ primary: true });
    expect(opsAccount.projects.map((p: { id: string }) => p.id)).toContain(web.id);

    // New resources of inheriting projects go to the new primary.
    const later = await owner.api.post("/v1/resources", {
      project_id: web.id,
      resource_type: "graph",
      sku: "standard",
      name: "c",
    });
    expect(later.body.billing.billing_account_id).toBe(ops);
    expect(
      (await owner.api.get(`/v1/billing-accounts/${primaryId}`)).body.items.reduce(
        (n: number, i: { quantity: number }) => n + i.quantity,
        0,
      ),
    ).toBe(0);
  });

  it("closes only an account nothing bills, with stable codes; closing twice changes nothing", async () => {
    const ops = (await owner.api.get(`/v1/organizations/${orgId}`)).body.primary_billing_account_id;
    const primary = await owner.api.post(`/v1/billing-accounts/${ops}/close`);
    expect(primary.status).toBe(409);
    expect(primary.body.code).toBe("billing_account_primary");

    const dept = await addAccount("Marketing");
    const site = await owner.api.post("/v1/projects", {
      name: "site",
      organization_id: orgId,
      billing: { mode: "separate", billing_account_id: dept },
    });
    expect(site.status).toBe(201);
    const inUse = await owner.api.post(`/v1/billing-accounts/${dept}/close`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe("billing_account_in_use");

    // The former primary bills nothing any more.
    const closed = await owner.api.post(`/v1/billing-accounts/${primaryId}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ id: primaryId, primary: false });
    expect(closed.body.closed_at).toBe("2026-11-20T00:00:00.000Z");
    const twice = await owner.api.post(`/v1/billing-accounts/${primaryId}/close`);
    expect(twice.status).toBe(200);
    expect(twice.body.closed_at).toBe(closed.body.closed_at);
    expect(await audit("billing_account.closed")).toHaveLength(1);
    // Its history stays readable.
    const history = await owner.api.get(`/v1/billing-accounts/${primaryId}/upcoming-invoice`);
    expect(history.body.total).toBe(6600);
  });

  it("a closed account is reopened by billing a project to it again", async () => {
    const dept = await addAccount("Sales");
    expect((await owner.api.post(`/v1/billing-accounts/${dept}/close`)).status).toBe(200);
    const project = await owner.api.post("/v1/projects", { name: "crm", organization_id: orgId });
    const dry = await owner.api.put(`/v1/projects/${project.body.id}/billing?dry_run=true`, {
      mode: "separate",
      billing_account_id: dept,
    });
    expect(dry.status).toBe(200);
    expect((await owner.api.get(`/v1/billing-accounts/${dept}`)).body.closed_at).not.toBeNull();
    const switched = await owner.api.put(`/v1/projects/${project.body.id}/billing`, {
      mode: "separate",
      billing_account_id: dept,
    });
    expect(switched.status).toBe(200);
    expect((await owner.api.get(`/v1/billing-accounts/${dept}`)).body.closed_at).toBeNull();
    expect((await audit("billing_account.reopened")).at(-1)).toMatchObject({
      subject: { id: dept },
    });

    // A closed account made the primary is reopened too.
    const spare = await addAccount("Spare");
    expect((await owner.api.post(`/v1/billing-accounts/${spare}/close`)).status).toBe(200);
    const made = await owner.api.post(`/v1/billing-accounts/${spare}/make-primary`);
    expect(made.status).toBe(200);
    expect(made.body.reopened).toBe(true);
    expect((await owner.api.get(`/v1/billing-accounts/${spare}`)).body).toMatchObject({
      primary: true,
      closed_at: null,
    });
  });

  it("a switch back to inherit says the account it leaves is empty, and closes it when asked", async () => {
    const project = await owner.api.post("/v1/projects", {
      name: "lab",
      organization_id: orgId,
      billing: { mode: "separate" },
    });
    expect(project.status).toBe(201);
    const own = (await owner.api.get(`/v1/projects/${project.body.id}/billing`)).body
      .billing_account_id;
    await owner.api.post("/v1/resources", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "db",
    });
    const offer = await owner.api.put(`/v1/projects/${project.body.id}/billing?dry_run=true`, {
      mode: "inherit",
    });
    expect(offer.status).toBe(200);
    expect(offer.body.left_account).toEqual({
      billing_account_id: own,
      name: "lab",
      closable: true,
      closed: false,
    });
    const back = await owner.api.put(`/v1/projects/${project.body.id}/billing`, {
      mode: "inherit",
      close_left_account: true,
    });
    expect(back.status).toBe(200);
    expect(back.body.left_account).toMatchObject({ billing_account_id: own, closed: true });
    expect((await owner.api.get(`/v1/billing-accounts/${own}`)).body.closed_at).not.toBeNull();

    // Separate again: the project's own account is used again, reopened; no second account.
    const accountsBefore = (await owner.api.get(`/v1/organizations/${orgId}/billing-accounts`)).body
      .data.length;
    const separate = await owner.api.put(`/v1/projects/${project.body.id}/billing`, {
      mode: "separate",
    });
    expect(separate.body.billing_account_id).toBe(own);
    expect((await owner.api.get(`/v1/billing-accounts/${own}`)).body.closed_at).toBeNull();
    expect(
      (await owner.api.get(`/v1/organizations/${orgId}/billing-accounts`)).body.data.length,
    ).toBe(accountsBefore);

    // An account another project still bills cannot be closed with the switch: nothing changes.
    const shared = await addAccount("Shared");
    const other = await owner.api.post("/v1/projects", {
      name: "other",
      organization_id: orgId,
      billing: { mode: "separate", billing_account_id: shared },
    });
    expect(other.status).toBe(201);
    await owner.api.put(`/v1/projects/${project.body.id}/billing`, {
      mode: "separate",
      billing_account_id: shared,
    });
    const refused = await owner.api.put(`/v1/projects/${project.body.id}/billing`, {
      mode: "inherit",
      close_left_account: true,
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: "billing_account_in_use",
      field: "close_left_account",
    });
    expect((await owner.api.get(`/v1/projects/${project.body.id}/billing`)).body).toMatchObject({
      mode: "separate",
      billing_account_id: shared,
    });
  });
});
