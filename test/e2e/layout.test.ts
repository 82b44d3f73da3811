/**
 * The console's layout and accessibility in Debian's Chromium, at a desktop width and at a phone
 * (390×844): every page is checked with axe-core (serious or critical violations fail; at the
 * desktop width, plus the phone's menu and dialog), at 390 px no page may scroll sideways, and
 * each page is saved under test-artifacts/layout/ at both widths.
 * Then the phone menu, dialogs and focus, the wizard's steps in the address, tier effects in
 * words, CSV cells neutralised against formulas, Retry when loading fails and success notices.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCaller } from "./support/api";
import { chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, type RunningServer, repoRoot, startServer } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/layout");
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

const desktop = { width: 1280, height: 860 };
const phone = { width: 390, height: 844 };
type Viewport = typeof desktop;

const longName = `${"Averyveryverylongprojectnamewithoutanyspaces".repeat(3)}`.slice(0, 100);
const formulaName = '=HYPERLINK("http://evil.example","x")';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** How much taller the page header's title block is than what it holds (0 without a header). */
async function blankUnderTitle(page: Page): Promise<number> {
  return page.evaluate(() => {
    const block = document.querySelector(".page-header > div:first-child");
    const first = block?.firstElementChild;
    const last = block?.lastElementChild;
    if (!block || !first || !last) return 0;
    const held = last.getBoundingClientRect().bottom - first.getBoundingClientRect().top;
    return Math.round(block.getBoundingClientRect().height - held);
  });
}

describe.skipIf(!chromiumPath)("console layout and accessibility", () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const ids = {
    token: "",
    orgId: "",
    websiteId: "",
    longId: "",
    formulaId: "",
    accountId: "",
    meteredId: "",
    /** The month the resources above lived in (`2026-11`), whatever month the run reaches. */
    month: "",
  };

  const api = apiCaller({ baseUrl: () => server.baseUrl });

  async function newPage(viewport: Viewport, signedIn = true): Promise<Page> {
    // axe-core is injected as an inline script, which the console's CSP (script-src 'self')
    // rightly refuses: the test's own context bypasses it.
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    contexts.push(context);
    if (signedIn)
      await context.addInitScript(
        (token) => localStorage.setItem("ktrlplane.token", token),
        ids.token,
      );
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    return page;
  }

  async function settle(page: Page): Promise<void> {
    await page.locator("h1").first().waitFor({ state: "attached" });
    await page.waitForFunction(() => !document.querySelector(".loading"), null, {
      timeout: 10_000,
    });
  }

  async function seriousAxeViolations(page: Page): Promise<string[]> {
    const injected = await page.evaluate(() => "axe" in window);
    // Evaluated through the DevTools protocol, not as an inline <script>: the console's CSP
    // (script-src 'self') rightly refuses inline scripts, and the test keeps that CSP on.
    if (!injected) await page.evaluate(axeSource);
    const violations = (await page.evaluate(() =>
      (window as any).axe
        .run(document, {
          resultTypes: ["violations"],
          // The WCAG 2.x A/AA rules; axe's best-practice rules are advice, and slow the suite.
          runOnly: {
            type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
          },
        })
        .then((r: { violations: unknown[] }) => r.violations),
    )) as AxeViolation[];
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      );
  }

  async function horizontalOverflow(page: Page): Promise<number> {
    return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  }

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    ensureConsoleBuilt();
    server = await startServer();
    browser = await launchChromium(chromiumPath as string);

    const signup = await api<{ token: string }>("", "POST", "/v1/auth/signup", {
      name: "Alice Smith",
      email: "alice@example.com",
      password: "correct horse battery",
    });
    ids.token = signup.token;
    const website = await api<{ id: string; organization_id: string }>(
      ids.token,
      "POST",
      "/v1/projects",
      {
        name: "Website",
      },
    );
    ids.websiteId = website.id;
    ids.orgId = website.organization_id;
    const long = await api<{ id: string }>(ids.token, "POST", "/v1/projects", {
      name: longName,
      organization_id: ids.orgId,
    });
    ids.longId = long.id;
    let n = 0;
    const create = (project_id: string, resource_type: string, sku: string, name: string) =>
      api<{ id: string; created_at: string; billing: { billing_account_id: string } }>(
        ids.token,
        "POST",
        "/v1/resources",
        {
          project_id,
          resource_type,
          sku,
          name,
        },
      ).then((r) => {
        n++;
        return r;
      });
    for (let i = 1; i <= 5; i++) await create(ids.websiteId, "storage", "standard", `bucket-${i}`);
    const formula = await create(ids.websiteId, "graph", "standard", formulaName);
    ids.formulaId = formula.id;
    ids.accountId = formula.billing.billing_account_id;
    await create(ids.longId, "graph", "standard", `${"x".repeat(90)}-graph`);
    // A metered resource that received usage: its page draws the usage chart.
    ids.meteredId = (await create(ids.longId, "flow", "runs", "event-runs")).id;
    await api(ids.token, "POST", "/v1/usage", {
      events: [
        {
          id: "layout-run-1",
          resource_id: ids.meteredId,
          event_name: "flow_runs",
          value: 42,
          timestamp: new Date().toISOString(),
        },
      ],
    });
    const gone = await create(ids.websiteId, "flow", "standard", "old-flow");
    ids.month = gone.created_at.slice(0, 7);
    // Billed by the second: it must live at least one for its (deleted) row to exist.
    await new Promise((r) => setTimeout(r, 1_100));
    await api(ids.token, "DELETE", `/v1/resources/${gone.id}`);
    expect(n).toBe(9);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    expect(pageErrors).toEqual([]);
  });

  const pages: { name: string; url: () => string; signedIn?: boolean }[] = [
    { name: "login", url: () => "/login", signedIn: false },
    { name: "signup", url: () => "/signup", signedIn: false },
    { name: "landing", url: () => "/" },
    { name: "project-new", url: () => "/projects/new" },
    { name: "project-long-name", url: () => `/projects/${ids.longId}` },
    { name: "project", url: () => `/projects/${ids.websiteId}` },
    { name: "project-billing", url: () => `/projects/${ids.websiteId}/billing` },
    { name: "resource", url: () => `/resources/${ids.formulaId}` },
    { name: "resource-metered", url: () => `/resources/${ids.meteredId}` },
    { name: "wizard", url: () => `/resources/new?project=${ids.websiteId}` },
    { name: "org-billing", url: () => `/organizations/${ids.orgId}/billing` },
    { name: "costs", url: () => `/organizations/${ids.orgId}/costs?group_by=resource` },
    { name: "costs-12-months", url: () => `/organizations/${ids.orgId}/costs?range=last_12` },
    { name: "billing-account", url: () => `/billing-accounts/${ids.accountId}` },
    { name: "members", url: () => `/organizations/${ids.orgId}/members` },
    { name: "project-members", url: () => `/projects/${ids.websiteId}/members` },
    { name: "audit", url: () => `/organizations/${ids.orgId}/audit` },
    { name: "new-organization", url: () => "/organizations/new" },
    { name: "not-found", url: () => "/no/such/page" },
  ];

  it("the console's index page carries a CSP it satisfies", async () => {
    for (const page of ["/", "/organizations/some/deep/link"]) {
      const response = await fetch(`${server.baseUrl}${page}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      // The built page has no inline script or style the policy would block.
      const html = await response.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=/);
    }
  });

  for (const [label, viewport] of [
    ["desktop", desktop],
    ["phone", phone],
  ] as const) {
    it(`every page at ${label} (${viewport.width} px): ${
      viewport === phone ? "no sideways scroll" : "axe finds nothing serious or critical"
    }`, async () => {
      const signedIn = await newPage(viewport);
      const signedOut = await newPage(viewport, false);
      const problems: string[] = [];
      for (const p of pages) {
        const page = p.signedIn === false ? signedOut : signedIn;
        await page.goto(`${server.baseUrl}${p.url()}`);
        try {
          await settle(page);
        } catch (e) {
          throw new Error(`${p.name}: ${(e as Error).message}`);
        }
        // axe runs on every page once (desktop; the phone's own parts, the menu and the dialog,
        // are checked below), which keeps the suite's running time reasonable.
        if (viewport === desktop)
          for (const v of await seriousAxeViolations(page)) problems.push(`${p.name}: ${v}`);
        if (viewport === phone) {
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) problems.push(`${p.name}: the page scrolls ${overflow} px sideways`);
          const blank = await blankUnderTitle(page);
          if (blank > 8) problems.push(`${p.name}: ${blank} px of blank space under the title`);
        }
        await page.screenshot({
          path: join(shotsDir, `${p.name}-${viewport.width}.png`),
          fullPage: true,
        });
      }
      expect(problems).toEqual([]);
    });
  }

  it("phone: the top bar folds into a menu; Log out is reachable; Escape closes it", async () => {
    const page = await newPage(phone);
    await page.goto(`${server.baseUrl}/`);
    await settle(page);
    const logOut = page.getByRole("button", { name: "Log out" });
    expect(await logOut.isVisible()).toBe(false);
    const menu = page.getByRole("button", { name: "Menu" });
    await menu.click();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await logOut.waitFor();
    const box = await logOut.boundingBox();
    expect(box && box.x + box.width <= phone.width).toBe(true);
    // The team's links live in the same menu and fit the phone too.
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Members", "Audit"]) {
      const link = nav.getByRole("link", { name });
      await link.waitFor();
      const b = await link.boundingBox();
      expect(b && b.x >= 0 && b.x + b.width <= phone.width).toBe(true);
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(shotsDir, "menu-open-390.png") });
    await page.keyboard.press("Escape");
    expect(await logOut.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Menu");
    // The menu's links navigate and the menu closes; focus lands on the new page's heading.
    await menu.click();
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Costs" })
      .click();
    await page.waitForURL(/\/costs/);
    await page.getByRole("heading", { name: "Cost breakdown" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === "H1");
    expect(await logOut.isVisible()).toBe(false);
  });

  it("desktop: a skip link leads to the content; navigation focuses the heading", async () => {
    const page = await newPage(desktop);
    await page.goto(`${server.baseUrl}/`);
    await settle(page);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    await page.getByRole("link", { name: "Website" }).click();
    await page.getByRole("heading", { level: 1, name: "Website" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === "Website");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
  });

  it("phone: the change-billing dialog fits, takes the focus and gives it back", async () => {
    const page = await newPage(phone);
    await page.goto(`${server.baseUrl}/projects/${ids.longId}`);
    await settle(page);
    const opener = page.getByRole("button", { name: "Change billing" });
    await opener.click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await page.waitForLoadState("networkidle").catch(() => {});
    const box = await dialog.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= phone.width).toBe(true);
    expect(await page.evaluate(() => !!document.activeElement?.closest("dialog"))).toBe(true);
    expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(shotsDir, "change-billing-390.png") });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Change billing");
  });

  it("wizard: steps live in the address; Back keeps the answers; the 6th bucket's price is explained", async () => {
    const page = await newPage(desktop);
    await page.goto(`${server.baseUrl}/resources/new?project=${ids.websiteId}`);
    await settle(page);
    await page.getByRole("button", { name: /Next: type/ }).click();
    await page.waitForURL(/step=2/);
    await page.getByLabel(/Storage bucket/).check();
    await page.getByLabel(/^standard/).check();
    await page.getByLabel("Resource name").fill("bucket-6");
    await page.getByRole("button", { name: /see the price/ }).click();
    await page.waitForURL(/step=3/);
    const note = page.getByTestId("preview-tier-note");
    await note.waitFor();
    expect(await page.getByTestId("preview-monthly").textContent()).toContain("-$10.00");
    expect(await note.textContent()).toContain(
      "adding this one moves all 6 to the $15.00 tier ($15.00 each instead of $20.00): your monthly bill goes down by $10.00",
    );
    await page.screenshot({ path: join(shotsDir, "wizard-price-1280.png"), fullPage: true });
    await page.goBack();
    await page.waitForURL(/step=2/);
    expect(await page.getByLabel("Resource name").inputValue()).toBe("bucket-6");
    expect(await page.getByLabel(/Storage bucket/).isChecked()).toBe(true);
    await page.goForward();
    await page.waitForURL(/step=3/);
    await page.getByTestId("preview-tier-note").waitFor();
    // The wizard's own Back goes one step back too, and the answers stay.
    await page.getByRole("button", { name: "Back" }).click();
    await page.waitForURL(/step=2/);
    expect(await page.getByLabel("Resource name").inputValue()).toBe("bucket-6");
  });

  it("costs: rows link, name their project, mark deleted resources; CSV cells cannot run formulas", async () => {
    const page = await newPage(desktop);
    // The resources' month, not the current one: a run past a month's end would find old-flow's
    // row in the month before.
    await page.goto(
      `${server.baseUrl}/organizations/${ids.orgId}/costs?month=${ids.month}&group_by=resource`,
    );
    await settle(page);
    const table = page.getByTestId("costs-table");
    const deletedRow = table.locator("tr", { hasText: "old-flow" });
    expect(await deletedRow.getByText("Deleted").count()).toBe(1);
    expect(await deletedRow.getByRole("link", { name: "old-flow" }).count()).toBe(0);
    const formulaRow = table.locator("tr", { hasText: "HYPERLINK" });
    expect(await formulaRow.getByRole("link", { name: "Website" }).getAttribute("href")).toBe(
      `/projects/${ids.websiteId}`,
    );
    expect(await formulaRow.getByRole("link", { name: formulaName }).getAttribute("href")).toBe(
      `/resources/${ids.formulaId}`,
    );
    expect(await page.getByTestId("costs-change").textContent()).toMatch(/\(new\)|%|no change/);
    expect(await page.getByTestId("trend-month").count()).toBe(12);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, "utf8");
    expect(csv.split("\r\n")[0]).toBe(
      "group_by,key,name,project_id,project_name,deleted,amount,projected_amount,currency",
    );
    expect(csv).toContain(`resource,${ids.formulaId},"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).toMatch(/old-flow,[^,]+,Website,yes,/);

    // A month still to come is not called closed.
    const next = new Date();
    const future = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1))
      .toISOString()
      .slice(0, 7);
    await page.goto(`${server.baseUrl}/organizations/${ids.orgId}/costs?month=${future}`);
    await settle(page);
    expect(await page.getByTestId("period-state").textContent()).toContain("Future period");
    await page.getByLabel("Period", { exact: true }).selectOption("last_3");
    await page.waitForURL(/range=last_3/);
    await page.getByTestId("costs-total").waitFor();
    expect(await page.getByTestId("period-state").textContent()).toBe("If nothing changes");
  });

  it("costs: pages through the groups, compares each with its own previous figure, exports every page", async () => {
    const page = await newPage(desktop);
    // The month after the resources' month: its previous period has costs to compare with.
    const lived = new Date(`${ids.month}-01T00:00:00Z`);
    const next = new Date(Date.UTC(lived.getUTCFullYear(), lived.getUTCMonth() + 1, 1));
    const month = next.toISOString().slice(0, 7);
    await page.goto(
      `${server.baseUrl}/organizations/${ids.orgId}/costs?month=${month}&group_by=resource`,
    );
    await settle(page);
    const table = page.getByTestId("costs-table");
    const rows = table.locator("tbody tr");
    // Read a row as the person sees it: name, amounts, change (once the comparison is known).
    const shown = async () => {
      await expect
        .poll(async () => (await table.locator("tbody").textContent())?.includes("…"))
        .toBe(false);
      return rows.evaluateAll((trs) => trs.map((tr) => tr.textContent));
    };
    const onePage = await shown();
    expect(onePage.length).toBeGreaterThan(3);
    expect(onePage.join(" ")).toMatch(/%|no change/);
    const totals = await table.locator("tfoot").textContent();

    // The real server, in small pages: 2 groups on screen at a time, and 1 per page for what the
    // console reads in large pages (the previous period, the export).
    await page.route(/\/v1\/organizations\/[^/]+\/costs\?/, (route) => {
      const url = new URL(route.request().url());
      const limit = url.searchParams.get("limit");
      url.searchParams.set("limit", limit === "100" ? "2" : "1");
      return route.continue({ url: url.toString() });
    });
    await page.reload();
    await settle(page);
    expect(await shown()).toEqual(onePage.slice(0, 2));
    expect(await page.getByTestId("costs-shown").textContent()).toContain(
      "the 2 largest resources",
    );
    expect(await table.locator("tfoot").textContent()).toBe(totals);
    // With 2 groups on screen, the export still reads every page.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, "utf8")
      .trimEnd()
      .split("\r\n");
    // Header, one line per group of every page, total.
    expect(csv).toHaveLength(onePage.length + 2);
    expect(await page.getByRole("button", { name: "Export CSV" }).isEnabled()).toBe(true);
    const more = page.getByRole("button", { name: "Show more resources" });
    for (let n = 4; (await more.count()) > 0; n += 2) {
      await more.click();
      await expect.poll(() => rows.count()).toBe(Math.min(n, onePage.length));
    }
    // Every page read, each group compared with its own previous figure: as on one page.
    expect(await shown()).toEqual(onePage);
    expect(await page.getByTestId("costs-shown").count()).toBe(0);
  });

  it("home: a failed load offers Retry and never says there are no projects", async () => {
    const page = await newPage(phone);
    let failing = true;
    // Paged: the list is asked for with its query string.
    await page.route(/\/v1\/organizations\/[^/]+\/projects(\?|$)/, (route) =>
      failing ? route.abort("connectionrefused") : route.continue(),
    );
    await page.goto(`${server.baseUrl}/`);
    const retry = page.getByRole("button", { name: "Retry" });
    await retry.waitFor();
    expect(await page.getByText("No projects yet").count()).toBe(0);
    expect(await page.getByRole("alert").textContent()).toContain("could not be loaded");
    await page.screenshot({ path: join(shotsDir, "landing-failed-390.png"), fullPage: true });
    failing = false;
    await retry.click();
    await page.getByRole("link", { name: "Website" }).waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
  });

  it("deleting a resource says so on the page that follows", async () => {
    const victim = await api<{ id: string }>(ids.token, "POST", "/v1/resources", {
      project_id: ids.websiteId,
      resource_type: "graph",
      sku: "free",
      name: "short-lived",
    });
    const page = await newPage(phone);
    await page.goto(`${server.baseUrl}/resources/${victim.id}`);
    await settle(page);
    await page.getByRole("button", { name: "Delete…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete resource" }).click();
    await page.waitForURL(`**/projects/${ids.websiteId}`);
    expect(await page.getByTestId("flash").textContent()).toContain(
      "Resource “short-lived” deleted.",
    );
  });
});
