import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeEmulator } from "../support/stripe-emulator/index.js";
import {
  completeSetup,
  type StripeTestApp,
  signUpWithActiveAccount,
  startStripeTestApp,
  waitForSync,
} from "../support/stripe-mode.js";
import type { ApiClient, TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Issue 8 in Stripe mode: money drift between Stripe and the ledger, the customer portal, and a
// closed account's subscription ended with a final invoice. The app's and the emulator's clocks
// move together, by whole days.
describe.skipIf(!testDatabaseAvailable)("billing accounts in Stripe mode", () => {
  let emulator: StripeEmulator;
  let app: TestApp;
  let stripeApp: StripeTestApp;

  beforeAll(async () => {
    stripeApp = await startStripeTestApp({ seed: 81, debounceMs: 50, maxWaitMs: 2000 });
    ({ emulator, app } = stripeApp);
  });
  afterAll(async () => {
    await stripeApp?.close();
  });

  const setClocks = (at: string) => stripeApp.setClocks(at);
  const advanceDays = (days: number) => stripeApp.advanceDays(days);
  const subscriptionsOf = (accountId: string) =>
    [...emulator.state.subscriptions.values()].filter(
      (s) => s.metadata?.ktrlplane_billing_account_id === accountId,
    );

  it("a month of creates and deletes: Stripe charges what the ledger says, ±1 minor unit per line", async () => {
    setClocks("2026-11-02T00:00:00Z");
    const { api, project, accountId } = await signUpWithActiveAccount({
      app,
      emulator,
      projectName: "Month",
    });
    const ids: string[] = [];
    const create = async (resource_type: string, n: number) => {
      for (let i = 0; i < n; i++) {
        const created = await api.post("/v1/resources", {
          project_id: project.id,
          resource_type,
          sku: "standard",
          name: `${resource_type}-${ids.length}`,
        });
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      }
      await waitForSync({ api, billingAccountId: accountId });
    };
    const remove = async (n: number) => {
      for (const id of ids.splice(0, n)) {
        expect((await api.delete(`/v1/resources/${id}`)).status).toBeLessThan(300);
      }
      await waitForSync({ api, billingAccountId: accountId });
    };
    await create("graph", 2);
    advanceDays(3);
    await create("graph", 1);
    await create("flow", 2);
    advanceDays(4);
    await remove(2);
    advanceDays(5);
    await create("graph", 2);
    advanceDays(6);
    await remove(3);
    advanceDays(5);
    await create("flow", 1);

    expect((await api.post(`/v1/billing-accounts/${accountId}/sync`)).status).toBe(200);
    const sync = (await api.get(`/v1/billing-accounts/${accountId}/sync`)).body;
    const upcoming = (await api.get(`/v1/billing-accounts/${accountId}/upcoming-invoice`)).body;
    expect(sync.money_drift).not.toBeNull();
    expect(sync.money_drift.period).toEqual({
      start: "2026-11-01T00:00:00.000Z",
      end: "2026-12-01T00:00:00.000Z",
    });
    expect(sync.money_drift.total.ledger).toBe(upcoming.total);
    expect(sync.money_drift.total.ledger).toBeGreaterThan(0);
    expect(sync.money_drift.lines.length).toBeGreaterThanOrEqual(2);
    for (const line of sync.money_drift.lines) {
      expect(line.ledger).toBeGreaterThan(0);
      expect(Math.abs(line.drift)).toBeLessThanOrEqual(1);
    }
    expect(Math.abs(sync.money_drift.total.drift)).toBeLessThanOrEqual(
      sync.money_drift.lines.length,
    );
    // The comparison read Stripe's preview of the subscription's next invoice.
    expect(
      emulator.requests.some((r) => r.path === "/v1/invoices/create_preview" && r.status === 200),
    ).toBe(true);
  });

  async function separateProjectWithResource(api: ApiClient, organizationId: string) {
    const project = await api.post("/v1/projects", {
      name: "Lab",
      organization_id: organizationId,
      billing: { mode: "separate" },
    });
    expect(project.status).toBe(201);
    const accountId: string = (await api.get(`/v1/projects/${project.body.id}/billing`)).body
      .billing_account_id;
    await completeSetup({ api, emulator, billingAccountId: accountId });
    const resource = await api.post("/v1/resources", {
      project_id: project.body.id,
      resource_type: "graph",
      sku: "standard",
      name: "db",
    });
    expect(resource.status).toBe(201);
    await waitForSync({ api, billingAccountId: accountId });
    return { projectId: project.body.id as string, accountId };
  }

  it("the customer portal: a Stripe session for the account's customer, 409 before set-up", async () => {
    setClocks("2026-12-02T00:00:00Z");
    const { api } = await app.signUp();
    const primary = (await api.post("/v1/projects", { name: "Portal" })).body;
    const before = await api.post(
      `/v1/billing-accounts/${primary.billing.billing_account_id}/portal-session`,
    );
    expect(before.status).toBe(409);
    expect(before.body.code).toBe("conflict");
    const { accountId } = await separateProjectWithResource(api, primary.organization_id);
    const portal = await api.post(`/v1/billing-accounts/${accountId}/portal-session`);
    expect(portal.status).toBe(200);
    expect(portal.body.url.startsWith(emulator.url)).toBe(true);
    const request = [...emulator.requests]
      .reverse()
      .find((r) => r.path === "/v1/billing_portal/sessions");
    const customer = [...emulator.state.customers.values()].find(
      (c) => c.metadata.ktrlplane_billing_account_id === accountId,
    );
    expect(request?.params).toMatchObject({
      customer: customer?.id,
      return_url: `${app.ctx.publicUrl}/billing-accounts/${accountId}`,
    });
  });

  it("closing the account a switch back to inherit leaves cancels its subscription with a final invoice; the customer stays", async () => {
    setClocks("2026-12-03T00:00:00Z");
    const { api } = await app.signUp();
    const primary = (await api.post("/v1/projects", { name: "Main" })).body;
    await completeSetup({
      api,
      emulator,
      billingAccountId: primary.billing.billing_account_id,
    });
    const { projectId, accountId } = await separateProjectWithResource(
      api,
      primary.organization_id,
    );
    const [sub] = subscriptionsOf(accountId);
    expect(sub?.status).toBe("active");
    advanceDays(10);
    const back = await api.put(`/v1/projects/${projectId}/billing`, {
      mode: "inherit",
      close_left_account: true,
    });
    expect(back.status).toBe(200);
    expect(back.body.left_account).toMatchObject({ billing_account_id: accountId, closed: true });
    await waitForSync({ api, billingAccountId: accountId });
    await waitForSync({ api, billingAccountId: primary.billing.billing_account_id });

    expect(emulator.state.subscriptions.get(sub?.id ?? "")?.status).toBe("canceled");
    const cancel = emulator.requests.find(
      (r) => r.method === "DELETE" && r.path === `/v1/subscriptions/${sub?.id}`,
    );
    expect(cancel?.params).toMatchObject({ invoice_now: "true", prorate: "true" });
    const final = [...emulator.state.invoices.values()].filter(
      (i) => i.parent?.subscription_details?.subscription === sub?.id && i.total < 0,
    );
    // The final invoice credits the 19 unused days of December's 31 (9,900 × 19 / 31).
    expect(final.map((i) => i.total)).toEqual([-6068]);
    const customer = [...emulator.state.customers.values()].find(
      (c) => c.metadata.ktrlplane_billing_account_id === accountId,
    );
    expect(customer).toBeDefined();
    expect((await api.get(`/v1/billing-accounts/${accountId}`)).body.closed_at).not.toBeNull();
    // The resource is billed on through the primary account's subscription.
    expect(subscriptionsOf(primary.billing.billing_account_id)[0]?.status).toBe("active");
  });
  it("renaming an account renames its Stripe customer through the reconciler, a rename back too", async () => {
    setClocks("2026-12-04T00:00:00Z");
    const { api, accountId } = await signUpWithActiveAccount({
      app,
      emulator,
      projectName: "Renamed",
    });
    const customer = () =>
      [...emulator.state.customers.values()].find(
        (c) => c.metadata.ktrlplane_billing_account_id === accountId,
      );
    const original = customer()?.name;
    expect(original).toBeTruthy();
    const customerWrites = () =>
      emulator.requests.filter(
        (r) =>
          r.method === "POST" && r.path === `/v1/customers/${customer()?.id}` && r.status === 200,
      ).length;
    const before = customerWrites();

    const rename = (name: string | null | undefined) =>
      api.send("PATCH", `/v1/billing-accounts/${accountId}`, JSON.stringify({ name }), {
        "content-type": "application/json",
      });
    const renamed = await rename("Research & Co");
    expect(renamed.status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    expect(customer()?.name).toBe("Research & Co");
    expect((await rename(original)).status).toBe(200);
    await waitForSync({ api, billingAccountId: accountId });
    expect(customer()?.name).toBe(original);
    expect(customerWrites() - before).toBe(2);
  });
});
