/**
 * A metered resource's page in Debian's Chromium: usage sent through `POST /v1/usage` shows as one
 * column per hour (and per day) holding events, with the values sent, and the page shows what the
 * resource cost this month as the API's costs say. The server runs in this process with a test
 * clock (`startTestApp`): the resource is created two hours back, so that usage can fall into
 * two hours of its life; then the clock is set to the browser's now.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, repoRoot } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/screenshots");
const HOUR = 3_600_000;

describe.skipIf(!chromiumPath)("a metered resource's usage in the console", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let api: ApiClient;
  let resourceId = "";
  let organizationId = "";
  const now = Date.now();
  // Two events in this hour and one an hour earlier (a minute back, so never ahead of the server).
  const events = [
    { at: now - 60_000, value: 5 },
    { at: now - 120_000, value: 3 },
    { at: now - HOUR - 60_000, value: 7 },
  ];
  const bucket = (at: number, step: number) => new Date(Math.floor(at / step) * step).toISOString();
  /** What each bucket should hold: the events in it, added up (the meter sums). */
  function expected(step: number): Record<string, string> {
    const sums: Record<string, number> = {};
    for (const e of events) sums[bucket(e.at, step)] = (sums[bucket(e.at, step)] ?? 0) + e.value;
    return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, String(v)]));
  }

  async function bars(): Promise<Record<string, string>> {
    const chart = page.getByTestId("usage-chart");
    await chart.waitFor();
    return Object.fromEntries(
      await page
        .getByTestId("usage-bar")
        .evaluateAll((rects) =>
          rects.map((r) => [r.getAttribute("data-start"), r.getAttribute("data-value")]),
        ),
    );
  }

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    ensureConsoleBuilt();
    app = await startTestApp({ at: new Date(now - 2 * HOUR).toISOString() });
    browser = await launchChromium(chromiumPath as string);
    const signedUp = await app.signUp({ name: "Uma" });
    api = signedUp.api;
    const project = (await api.post("/v1/projects", { name: "Automations" })).body;
    organizationId = project.organization_id;
    const created = await api.post("/v1/resources", {
      project_id: project.id,
      resource_type: "flow",
      sku: "runs",
      name: "nightly-sync",
    });
    expect(created.status).toBe(201);
    resourceId = created.body.id;
    app.clock.set(new Date(now));
    const sent = await api.post("/v1/usage", {
      events: events.map((e, i) => ({
        id: `run-${i}`,
        resource_id: resourceId,
        event_name: "flow_runs",
        value: e.value,
        timestamp: new Date(e.at).toISOString(),
      })),
    });
    expect(sent.body.accepted).toBe(3);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), signedUp.token);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    expect(pageErrors).toEqual([]);
  });

  it("draws a column per hour holding usage, with the summed values, and names the total", async () => {
    await page.goto(`${app.url}/resources/${resourceId}`);
    await page.getByRole("heading", { name: "Usage" }).waitFor();
    expect(await bars()).toEqual(expected(HOUR));
    const label = await page.getByTestId("usage-chart").getAttribute("aria-label");
    // The peak is computed, not written down: a run in the first two minutes of an hour puts the
    // 3 next to the 7 an hour earlier instead of next to the 5.
    const peak = Math.max(...Object.values(expected(HOUR)).map(Number));
    // Titled with the meter's name from the catalog, not its event name.
    expect(label).toMatch(new RegExp(`^Flow runs per hour, .*: total 15; peak ${peak} on `));
    await page.screenshot({ path: join(shotsDir, "resource-usage-hours.png"), fullPage: true });
  });

  it("per day over this month, the same events fall into days", async () => {
    await page.getByLabel("Range", { exact: true }).selectOption("month");
    await expect.poll(async () => page.getByLabel("Per", { exact: true }).inputValue()).toBe("day");
    // Only this month's days: run just after a month began, the earlier hour is last month's.
    const monthStart = new Date(now).toISOString().slice(0, 8);
    const days = Object.entries(expected(24 * HOUR)).filter(([day]) => day >= `${monthStart}01`);
    await expect.poll(bars).toEqual(Object.fromEntries(days));
    const total = days.reduce((sum, [, value]) => sum + Number(value), 0);
    expect(await page.getByTestId("usage-total").textContent()).toContain(`: ${total}`);
  });

  it("shows the resource's cost this month as the API's costs say", async () => {
    const costs = (await api.get(`/v1/organizations/${organizationId}/costs?group_by=resource`))
      .body as { groups: { key: string; amount: number }[] };
    const amount = costs.groups.find((g) => g.key === resourceId)?.amount ?? 0;
    const shown = await page.getByTestId("resource-cost-so-far").textContent();
    expect(Number(shown?.replace(/[^0-9]/g, ""))).toBe(amount);
    // Usage is not projected: the projection is what was reported, and the page says so.
    expect(await page.getByTestId("resource-cost-projection").textContent()).toBe(
      "If no more usage is reported",
    );
  });
});
