/**
 * A finalized invoice in the console: listed on its billing account's page, opened, checked with
 * axe at a desktop width and a phone's, and printed as the invoice alone. The server runs in
 * this process with a test clock (`startTestApp`), so that a month can close.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalizeDueInvoices } from "../../src/invoices/finalize-due-invoices.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, repoRoot } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/layout");
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

describe.skipIf(!chromiumPath)("a finalized invoice in the console", () => {
  let app: TestApp;
  let browser: Browser;
  let token: string;
  let accountId: string;
  let total: number;

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    ensureConsoleBuilt();
    app = await startTestApp({ at: "2026-10-05T09:00:00Z" });
    const signedUp = await app.signUp({ name: "Ada" });
    token = signedUp.token;
    const api = signedUp.api;
    const project = (await api.post("/v1/projects", { name: "Website" })).body;
    accountId = project.billing.billing_account_id;
    for (const [resource_type, sku, name] of [
      ["graph", "standard", "orders-db"],
      ["storage", "standard", "assets"],
      ["flow", "standard", "nightly-import"],
    ] as const) {
      const created = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type,
        sku,
        name,
      });
      expect(created.status).toBe(201);
    }
    // A returning user: a session lives 14 days without use.
    for (const at of ["2026-10-15T00:00:00Z", "2026-10-25T00:00:00Z", "2026-11-01T00:10:00Z"]) {
      app.clock.set(at);
      expect((await api.get("/v1/me")).status).toBe(200);
    }
    expect((await finalizeDueInvoices({ ctx: app.ctx })).finalized).toBe(1);
    const list = (await api.get(`/v1/billing-accounts/${accountId}/invoices`)).body;
    total = list.data[0].total;
    browser = await launchChromium(chromiumPath as string);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function open(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    await context.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), token);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  async function seriousAxeViolations(page: Page): Promise<string[]> {
    // Through the DevTools protocol: the console's CSP rightly refuses inline scripts.
    if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
    const violations = (await page.evaluate(() =>
      (window as any).axe
        .run(document, {
          resultTypes: ["violations"],
          runOnly: {
            type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
          },
        })
        .then((r: { violations: unknown[] }) => r.violations),
    )) as { id: string; impact: string | null; help: string }[];
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help}`);
  }

  it("is listed on the account's page, opens, passes axe and fits a phone", async () => {
    for (const [label, viewport] of [
      ["desktop", { width: 1280, height: 860 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      const page = await open(viewport);
      await page.goto(`${app.url}/billing-accounts/${accountId}`);
      const link = page.getByRole("link", { name: /^[0-9A-Z]{8}-0001$/ });
      await link.waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await link.click();
      await page.getByRole("heading", { level: 1, name: /-0001$/ }).waitFor();
      await page.getByText("orders-db").waitFor();
      const shown = await page.getByTestId("invoice-total").textContent();
      expect(shown?.replace(/[^0-9]/g, "")).toBe(String(total));
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shotsDir, `invoice-${label}.png`), fullPage: true });
      await page.context().close();
    }
  });

  it("prints the invoice alone", async () => {
    const page = await open({ width: 1280, height: 860 });
    await page.goto(`${app.url}/billing-accounts/${accountId}`);
    await page.getByRole("link", { name: /-0001$/ }).click();
    await page.getByTestId("invoice-total").waitFor();
    await page.emulateMedia({ media: "print" });
    const shown = (selector: string) =>
      page.evaluate(
        (s) =>
          // Laid out at all (a child of a hidden element keeps its own `display`).
          [...document.querySelectorAll(s)].some((e) => e.getClientRects().length > 0),
        selector,
      );
    expect(await shown(".topbar")).toBe(false);
    expect(await shown("nav[aria-label='Breadcrumb']")).toBe(false);
    expect(await page.getByRole("button", { name: /Print/ }).isVisible()).toBe(false);
    expect(await shown(".invoice-doc")).toBe(true);
    await page.screenshot({ path: join(shotsDir, "invoice-print.png"), fullPage: true });
    await page.context().close();
  });
});
