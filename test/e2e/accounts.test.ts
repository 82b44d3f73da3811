/**
 * Billing accounts managed from the console, in Debian's Chromium against the real server: an
 * owner renames an account in place (a blank name refused first), makes another account the
 * primary after seeing how many projects and resources change payer, closes the former primary
 * once nothing bills it (refused while it does), and switches a project back to inherit, closing the account it
 * leaves empty on the way. Every outcome is checked through the API too.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCaller } from "./support/api";
import { chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, type RunningServer, repoRoot, startServer } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/screenshots");

interface Account {
  id: string;
  name: string;
  primary: boolean;
  closed_at: string | null;
}

describe.skipIf(!chromiumPath)("billing accounts in the console", () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const api = apiCaller({ baseUrl: () => server.baseUrl });
  const state = { token: "", orgId: "", primaryId: "", marketingId: "", websiteId: "" };

  async function open(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    await context.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), state.token);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${server.baseUrl}${path}`);
    return page;
  }

  const card = (page: Page, name: string): Locator =>
    page.getByRole("article", { name: `Billing account ${name}`, exact: true });
  const account = (id: string) => api<Account>(state.token, "GET", `/v1/billing-accounts/${id}`);

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    ensureConsoleBuilt();
    server = await startServer();
    browser = await launchChromium(chromiumPath as string);
    const signedUp = await api<{ token: string }>("", "POST", "/v1/auth/signup", {
      email: "olivia@example.com",
      password: "correct horse battery",
      name: "Olivia",
    });
    state.token = signedUp.token;
    const website = await api<{
      id: string;
      organization_id: string;
      billing: { billing_account_id: string };
    }>(state.token, "POST", "/v1/projects", { name: "Website" });
    state.websiteId = website.id;
    state.orgId = website.organization_id;
    state.primaryId = website.billing.billing_account_id;
    await api(state.token, "POST", "/v1/resources", {
      project_id: website.id,
      resource_type: "graph",
      sku: "standard",
      name: "orders-db",
    });
    state.marketingId = (
      await api<{ id: string }>(
        state.token,
        "POST",
        `/v1/organizations/${state.orgId}/billing-accounts`,
        { name: "Marketing" },
      )
    ).id;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    expect(pageErrors).toEqual([]);
  });

  it("renames an account in place; a blank name is refused by the API's name rule, under the field", async () => {
    const page = await open(`/organizations/${state.orgId}/billing`);
    const marketing = card(page, "Marketing");
    // The local ledger has no customer portal: once every card has asked, no Stripe button.
    await marketing.getByRole("button", { name: "Rename" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.getByRole("button", { name: /in Stripe/ }).count()).toBe(0);
    await marketing.getByRole("button", { name: "Rename" }).click();
    const field = marketing.getByLabel("Account name");
    // Spaces pass the browser; the name rule the API applies (shared with the console) trims them
    // and refuses the blank name under the field.
    await field.fill("   ");
    await marketing.getByRole("button", { name: "Save name" }).click();
    await marketing.getByText(/must not be blank/i).waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect((await account(state.marketingId)).name).toBe("Marketing");

    await field.fill("Marketing EU");
    await marketing.getByRole("button", { name: "Save name" }).click();
    await card(page, "Marketing EU").getByRole("link", { name: "Marketing EU" }).waitFor();
    // The keyboard continues from the account's name, not from the top of the page.
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      "Marketing EU",
    );
    expect((await account(state.marketingId)).name).toBe("Marketing EU");
    await page.screenshot({ path: join(shotsDir, "accounts-renamed.png"), fullPage: true });
  });

  it("refuses to close the primary, makes another account primary after counting what changes payer, then closes the former one", async () => {
    const page = await open(`/organizations/${state.orgId}/billing`);
    const primaryName = (await account(state.primaryId)).name;
    const primary = card(page, primaryName);
    const close = primary.getByRole("button", { name: "Close account…" });
    await close.waitFor();
    expect(await close.isDisabled()).toBe(true);
    expect(await primary.getByText(/primary account: make another account primary/).count()).toBe(
      1,
    );

    await card(page, "Marketing EU").getByRole("button", { name: "Make primary…" }).click();
    const dialog = page.getByRole("dialog", { name: "Make “Marketing EU” the primary account?" });
    const plan = dialog.getByTestId("primary-plan-moves");
    await plan.waitFor();
    expect(await plan.textContent()).toBe("1 resource in 1 project will move.");
    await dialog.getByText(`Nothing will bill “${primaryName}” afterwards`).waitFor();
    await page.screenshot({ path: join(shotsDir, "accounts-make-primary.png"), fullPage: true });
    // Nothing happens before the confirmation.
    expect((await account(state.marketingId)).primary).toBe(false);
    await dialog.getByRole("button", { name: "Make Marketing EU primary" }).click();
    await card(page, "Marketing EU").getByText("Primary", { exact: true }).waitFor();
    expect((await account(state.marketingId)).primary).toBe(true);
    const website = await api<{ billing: { billing_account_id: string } }>(
      state.token,
      "GET",
      `/v1/projects/${state.websiteId}`,
    );
    expect(website.billing.billing_account_id).toBe(state.marketingId);

    // Nothing bills the former primary any more: it may be closed, after a confirmation.
    const former = card(page, primaryName);
    const closeNow = former.getByRole("button", { name: "Close account…" });
    await expect.poll(() => closeNow.isEnabled()).toBe(true);
    await closeNow.click();
    await page
      .getByRole("dialog", { name: `Close “${primaryName}”?` })
      .getByRole("button", { name: "Close account" })
      .click();
    await former.getByTestId("account-closed").waitFor();
    expect((await account(state.primaryId)).closed_at).not.toBeNull();
  });

  it("switching a project back to inherit offers to close the account it leaves empty", async () => {
    const events = await api<{ id: string }>(
      state.token,
      "POST",
      `/v1/organizations/${state.orgId}/billing-accounts`,
      { name: "Events" },
    );
    const campaigns = await api<{ id: string }>(state.token, "POST", "/v1/projects", {
      name: "Campaigns",
      organization_id: state.orgId,
      billing: { mode: "separate", billing_account_id: events.id },
    });
    await api(state.token, "POST", "/v1/resources", {
      project_id: campaigns.id,
      resource_type: "flow",
      sku: "standard",
      name: "mailer",
    });

    // While Campaigns bills it, Events cannot be closed and the card says why.
    const billing = await open(`/organizations/${state.orgId}/billing`);
    const eventsCard = card(billing, "Events");
    await eventsCard.getByText(/still pays for project “Campaigns”/).waitFor();
    expect(await eventsCard.getByRole("button", { name: "Close account…" }).isDisabled()).toBe(
      true,
    );

    const page = await open(`/projects/${campaigns.id}`);
    await page.getByRole("button", { name: "Change billing" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/Inherit from organization/).check();
    await dialog.getByRole("button", { name: "Review change" }).click();
    const offer = dialog.getByTestId("close-left-offer");
    await offer.waitFor();
    expect(await offer.textContent()).toContain("Also close Events");
    await page.screenshot({ path: join(shotsDir, "accounts-switch-close-offer.png") });
    await offer.getByRole("checkbox").check();
    await dialog.getByRole("button", { name: "Switch billing" }).click();
    await page.getByText("Events is now closed.").waitFor();

    expect((await account(events.id)).closed_at).not.toBeNull();
    const switched = await api<{ billing: { billing_account_id: string; inherited: boolean } }>(
      state.token,
      "GET",
      `/v1/projects/${campaigns.id}`,
    );
    expect(switched.billing).toMatchObject({
      inherited: true,
      billing_account_id: state.marketingId,
    });
  });
});
