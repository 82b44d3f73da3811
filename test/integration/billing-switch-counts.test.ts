import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// A switch answers how much moves as counts the database makes, never a list that grows with the
// organization: what a user checks after a change of the primary and a project switch, with a
// dry run that counts the same and moves nothing.
const NOV_10 = "2026-11-10T00:00:00Z";

describe.skipIf(!testDatabaseAvailable)("what a billing switch says it moves", () => {
  let app: TestApp;
  let api: ApiClient;
  let orgId: string;
  let primaryId: string;

  beforeAll(async () => {
    app = await startTestApp({ at: NOV_10 });
    ({ api } = await app.signUp({ name: "Owner" }));
    const org = await api.post("/v1/organizations", { name: "Acme" });
    expect(org.status).toBe(201);
    orgId = org.body.id;
    primaryId = org.body.primary_billing_account_id;
  });
  afterAll(async () => {
    await app?.close();
  });

  async function project(name: string, billing?: unknown): Promise<string> {
    const created = await api.post("/v1/projects", {
      name,
      organization_id: orgId,
      ...(billing ? { billing } : {}),
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function resources(projectId: string, skus: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [i, sku] of skus.entries()) {
      const created = await api.post("/v1/resources", {
        project_id: projectId,
        resource_type: "graph",
        sku,
        name: `r${i}`,
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    return ids;
  }

  async function addAccount(name: string): Promise<string> {
    const added = await api.post(`/v1/organizations/${orgId}/billing-accounts`, { name });
    expect(added.status).toBe(201);
    return added.body.id;
  }

  /** What the account bills now: its quantity of each price, as its page shows it. */
  async function quantities(accountId: string): Promise<Record<string, number>> {
    const account = await api.get(`/v1/billing-accounts/${accountId}`);
    expect(account.status).toBe(200);
    return Object.fromEntries(
      account.body.items.map((i: { resource_type: string; sku: string; quantity: number }) => [
        `${i.resource_type}/${i.sku}`,
        i.quantity,
      ]),
    );
  }

  async function audited(action: string): Promise<{ after: Record<string, unknown> }[]> {
    const found = await api.get(`/v1/organizations/${orgId}/audit?action=${action}`);
    expect(found.status).toBe(200);
    return found.body.data;
  }

  it("counts the resources and projects a change of the primary moves; the dry run counts the same and moves nothing", async () => {
    const web = await project("web");
    const shop = await project("shop");
    await project("empty");
    await resources(web, ["standard", "standard", "performance"]);
    const [deleted] = await resources(shop, ["standard", "standard"]);
    expect((await api.delete(`/v1/resources/${deleted}`)).status).toBe(204);
    // A project that chose an account of its own does not follow the primary.
    const marketing = await addAccount("Marketing");
    const campaigns = await project("campaigns", {
      mode: "separate",
      billing_account_id: marketing,
    });
    await resources(campaigns, ["standard", "standard"]);
    const ops = await addAccount("Operations");
    app.clock.set("2026-11-20T00:00:00Z");
    const before = {
      primary: await quantities(primaryId),
      marketing: await quantities(marketing),
    };
    expect(before.primary).toEqual({ "graph/standard": 3, "graph/performance": 1 });

    // Three inheriting projects change payer (one without resources); four live resources move.
    const preview = await api.post(`/v1/billing-accounts/${ops}/make-primary?dry_run=true`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ dry_run: true, moved: { resources: 4, projects: 3 } });
    expect((await api.get(`/v1/organizations/${orgId}`)).body.primary_billing_account_id).toBe(
      primaryId,
    );
    expect(await quantities(primaryId)).toEqual(before.primary);
    expect(await quantities(ops)).toEqual({});
    expect(await audited("organization.primary_billing_account_changed")).toEqual([]);

    const changed = await api.post(`/v1/billing-accounts/${ops}/make-primary`);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ dry_run: false, moved: preview.body.moved });
    expect(await quantities(ops)).toEqual(before.primary);
    expect(await quantities(primaryId)).toEqual({});
    expect(await quantities(marketing)).toEqual(before.marketing);
    expect((await audited("organization.primary_billing_account_changed"))[0]?.after).toMatchObject(
      { moved_resources: 4 },
    );

    // Already the primary: nothing changes payer, nothing moves.
    const again = await api.post(`/v1/billing-accounts/${ops}/make-primary?dry_run=true`);
    expect(again.body.moved).toEqual({ resources: 0, projects: 0 });
  });

  it("counts the resources a project switch moves; the dry run counts the same and moves nothing", async () => {
    const api2 = await project("api");
    await resources(api2, ["standard", "performance", "free"]);
    const ops = (await api.get(`/v1/organizations/${orgId}`)).body.primary_billing_account_id;
    const onOps = await quantities(ops);

    const preview = await api.put(`/v1/projects/${api2}/billing?dry_run=true`, {
      mode: "separate",
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      dry_run: true,
      billing_account_id: null,
      moved: { resources: 3 },
    });
    expect((await api.get(`/v1/projects/${api2}/billing`)).body).toMatchObject({
      mode: "inherit",
      billing_account_id: ops,
    });
    expect(await quantities(ops)).toEqual(onOps);

    const switched = await api.put(`/v1/projects/${api2}/billing`, { mode: "separate" });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ dry_run: false, moved: preview.body.moved });
    expect(await quantities(switched.body.billing_account_id)).toEqual({
      "graph/standard": 1,
      "graph/performance": 1,
      "graph/free": 1,
    });
    expect((await audited("project.billing_switched"))[0]?.after).toMatchObject({
      moved_resources: 3,
    });

    // Onto the account that pays already: its resources stay where they are.
    const stay = await api.put(`/v1/projects/${api2}/billing`, {
      mode: "separate",
      billing_account_id: switched.body.billing_account_id,
    });
    expect(stay.status).toBe(200);
    expect(stay.body.moved).toEqual({ resources: 0 });
    // A project without resources moves none.
    const empty = await project("empty too");
    const emptySwitch = await api.put(`/v1/projects/${empty}/billing?dry_run=true`, {
      mode: "separate",
    });
    expect(emptySwitch.body.moved).toEqual({ resources: 0 });
  });
});
