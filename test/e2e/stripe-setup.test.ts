/**
 * Flow 3 in Stripe mode, end to end: the server runs with the Stripe provider pointed at the
 * emulator; a project with separate billing leads to the set-up page, "Set up payment" goes to the
 * (emulated) Checkout page, saving the card comes back to the console, and the account turns
 * active — after which a paid resource is billed in Stripe.
 */
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StripeEmulator, startStripeEmulator } from "../support/stripe-emulator/index.js";
import { stripeQuantitiesByCatalogPrice } from "../support/stripe-mode.js";
import { chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, type RunningServer, repoRoot, startServer } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/screenshots");

describe.skipIf(!chromiumPath)("console e2e in Stripe mode", () => {
  let emulator: StripeEmulator;
  let server: RunningServer;
  let browser: Browser;
  const active = { token: "", accountId: "" };

  beforeAll(async () => {
    ensureConsoleBuilt();
    emulator = await startStripeEmulator({ seed: 11 });
    server = await startServer({
      env: {
        STRIPE_SECRET_KEY: "sk_test_e2e",
        STRIPE_API_BASE: emulator.url,
        STRIPE_WEBHOOK_SECRET: "whsec_e2e",
        KTRLPLANE_SYNC_DEBOUNCE_MS: "50",
        KTRLPLANE_SYNC_POLL_MS: "50",
      },
    });
    browser = await launchChromium(chromiumPath as string);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.close();
  });

  async function call(token: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: await response.json() };
  }

  it("separate billing: set-up page → Stripe Checkout → back, active, and a paid resource billed in Stripe", async () => {
    const signup = await fetch(`${server.baseUrl}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "stripe@example.com",
        password: "correct horse battery",
        name: "Stripe User",
      }),
    });
    const { token } = await signup.json();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), token);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    await page.goto(`${server.baseUrl}/projects/new`);
    await page.getByLabel("Project name").fill("Paid project");
    await page.getByLabel(/Separate billing/).check();
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(/\/billing-accounts\/[^/]+\/setup\?/);
    expect((await page.getByTestId("account-status").textContent())?.trim()).toBe(
      "Set-up required",
    );
    const accountId = new URL(page.url()).pathname.split("/")[2] as string;

    await page.getByRole("button", { name: "Set up payment" }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.url));
    await page.screenshot({ path: join(shotsDir, "stripe-checkout.png") });
    await page.locator("#submit").click();
    await page.waitForURL(
      (url) => url.href.startsWith(server.baseUrl) && url.searchParams.has("session_id"),
    );
    await page.getByText("This account is ready").waitFor();
    expect((await page.getByTestId("account-status").textContent())?.trim()).toBe("Active");
    await page.screenshot({ path: join(shotsDir, "stripe-setup-active.png"), fullPage: true });
    await page.getByRole("link", { name: "Continue to Paid project" }).waitFor();
    const customers = [...emulator.state.customers.values()].filter(
      (c) => c.metadata?.ktrlplane_billing_account_id === accountId,
    );
    expect(customers).toHaveLength(1);

    const projectId = (await call(token, "GET", `/v1/billing-accounts/${accountId}`)).body
      .projects[0].id;
    const created = await call(token, "POST", "/v1/resources", {
      project_id: projectId,
      resource_type: "graph",
      sku: "standard",
      name: "db",
    });
    expect(created.status).toBe(201);
    const deadline = Date.now() + 15_000;
    while (
      (await call(token, "GET", `/v1/billing-accounts/${accountId}/sync`)).body.pending > 0 &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stripeQuantitiesByCatalogPrice(emulator, accountId)).toEqual({ "graph/standard": 1 });
    Object.assign(active, { token, accountId });
    await context.close();
  });

  it("the account's card opens Stripe's customer portal to manage the card and invoices", async () => {
    expect(active.accountId).not.toBe("");
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), active.token);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.baseUrl}/billing-accounts/${active.accountId}`);
    await page.getByRole("button", { name: "Manage card and invoices in Stripe" }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.url));
    await context.close();
  });
});
