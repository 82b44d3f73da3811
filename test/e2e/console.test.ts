/**
 * The console end to end, in Debian's Chromium against the real server on an empty database:
 * sign-up and the landing page, the three flows, the price preview (payer and amount; a metered
 * SKU's usage price), the project billing page by role, switching billing, the organization
 * billing page and the cost breakdown adding up to the upcoming invoices. Each page is saved under
 * test-artifacts/screenshots/.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCaller } from "./support/api";
import { browserRequired, chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, type RunningServer, repoRoot, startServer } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/screenshots");

if (!chromiumPath && browserRequired) {
  describe("console e2e", () => {
    it("needs Chromium", () => {
      throw new Error(
        "e2e: Chromium not found (looked at CHROMIUM_PATH and /usr/bin/chromium) and KTRLPLANE_REQUIRE_BROWSER is set",
      );
    });
  });
}

/** The text a locator shows, trimmed (textContent: the tests only compare short runs of text). */
async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();
}

/** "$1,234.56" → 123456 (USD, the default catalog's currency). */
function minor(text: string): number {
  const negative = text.includes("-");
  const digits = text.replace(/[^0-9]/g, "");
  return (negative ? -1 : 1) * Number(digits);
}

describe.skipIf(!chromiumPath)("console e2e", () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  const state = {
    aliceToken: "",
    orgId: "",
    orgName: "Alice's organization",
    websiteId: "",
    clientXId: "",
  };

  const api = apiCaller({ baseUrl: () => server.baseUrl });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      acceptDownloads: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.waitForLoadState("networkidle").catch(() => {});
    await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
  }

  async function tokenOf(page: Page): Promise<string> {
    const token = await page.evaluate(() => localStorage.getItem("ktrlplane.token"));
    expect(token).toBeTruthy();
    return token as string;
  }

  /** No page shows raw JSON. */
  async function expectNoRawJson(page: Page): Promise<void> {
    const body = await text(page.locator("body"));
    expect(body).not.toMatch(/\{\s*"[a-z_]+"\s*:/);
  }

  /** Every form control on the page has a label (or an accessible name). */
  async function expectLabelledControls(page: Page): Promise<void> {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")]
        .filter((el) => {
          const control = el as HTMLInputElement;
          return !(
            control.labels?.length ||
            control.getAttribute("aria-label") ||
            control.getAttribute("aria-labelledby")
          );
        })
        .map((el) => el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
  }

  async function signUp(page: Page, name: string, email: string): Promise<void> {
    await page.goto(`${server.baseUrl}/signup`);
    await page.getByLabel("Your name").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.getByRole("link", { name: /Create project/ }).waitFor();
  }

  async function logIn(page: Page, email: string, next = "/"): Promise<void> {
    await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => url.pathname === next.split("?")[0]);
  }

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    ensureConsoleBuilt();
    server = await startServer();
    browser = await launchChromium(chromiumPath as string);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    expect(consoleErrors).toEqual([]);
  });

  it("signs up and lands on the landing page with two actions", async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/`);
    await page.waitForURL((url) => url.pathname === "/login");
    await shot(page, "login");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Your name").waitFor();
    await expectLabelledControls(page);
    await shot(page, "signup");

    await signUp(page, "Alice Smith", "alice@example.com");
    expect(await text(page.getByRole("heading", { level: 1 }))).toContain(
      "Welcome to ktrlplane, Alice",
    );
    await page.getByRole("link", { name: /Create resource/ }).waitFor();
    await page.getByText("No projects yet").waitFor();
    await shot(page, "landing");
    state.aliceToken = await tokenOf(page);
  });

  it("flow 1: the first project creates the organization; the confirmation says billed to it (inherited)", async () => {
    const page = await newPage();
    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole("link", { name: /Create project/ }).click();
    await page.waitForURL("**/projects/new");
    await page.getByText("we will also create your organization").waitFor();
    expect(await page.getByLabel(/Inherit from organization/).isChecked()).toBe(true);
    await expectLabelledControls(page);
    await shot(page, "project-new");

    // Keyboard only: type the name, Enter submits.
    await page.getByLabel("Project name").focus();
    await page.keyboard.type("Website");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/projects\/[^/]+\?created=1$/);
    const confirmation = page.getByTestId("created-billed-to");
    expect(await text(confirmation)).toBe(`${state.orgName} (inherited)`);
    expect(await text(page.getByTestId("billing-badge"))).toBe(
      `Billed to: ${state.orgName} (inherited)`,
    );
    await shot(page, "project-created");

    state.websiteId = new URL(page.url()).pathname.split("/")[2] as string;
    const me = await api<{ organizations: { id: string; name: string; role: string }[] }>(
      state.aliceToken,
      "GET",
      "/v1/me",
    );
    expect(me.organizations).toHaveLength(1);
    expect(me.organizations[0]?.role).toBe("owner");
    state.orgId = me.organizations[0]?.id as string;
  });

  it("flow 2: a user with no project creates a resource in the wizard; the preview shows payer and amount", async () => {
    const page = await newPage();
    await signUp(page, "Bob Jones", "bob@example.com");
    await page.getByRole("link", { name: /Create resource/ }).click();
    await page.waitForURL("**/resources/new");
    await page.getByText("You have no project yet").waitFor();
    await page.getByLabel("New project name").fill("Shop");
    expect(await page.getByLabel(/Inherit from organization/).isChecked()).toBe(true);
    await expectLabelledControls(page);
    await shot(page, "resource-wizard-project");
    await page.getByRole("button", { name: /Next: type/ }).click();

    await page.getByLabel(/Graph database/).check();
    await page.getByLabel(/^standard/).check();
    await page.getByLabel("Resource name").fill("orders-db");
    await expectLabelledControls(page);
    await shot(page, "resource-wizard-type");
    await page.getByRole("button", { name: /see the price/ }).click();

    await page.getByTestId("price-preview").waitFor();
    const bobToken = await tokenOf(page);
    expect(await text(page.getByTestId("preview-monthly"))).toBe("$99.00");
    expect(await text(page.getByTestId("preview-payer"))).toBe("Bob's organization (inherited)");
    const shown = minor(await text(page.getByTestId("preview-prorated")));
    const expected = await api<{ prorated_amount: number; period_end: string }>(
      bobToken,
      "POST",
      "/v1/pricing/preview",
      {
        resource_type: "graph",
        sku: "standard",
      },
    );
    expect(Math.abs(shown - expected.prorated_amount)).toBeLessThanOrEqual(1);
    // The charge for the rest of the period is the monthly price × the share of the month left.
    const end = Date.parse(expected.period_end);
    const now = Date.now();
    const start = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    expect(Math.abs(shown - Math.round((9900 * (end - now)) / (end - start)))).toBeLessThanOrEqual(
      2,
    );
    await shot(page, "resource-wizard-preview");

    await page.getByRole("button", { name: "Create resource" }).click();
    await page.waitForURL(/\/resources\/[^/]+\?created=1$/);
    expect(await text(page.getByTestId("billing-badge"))).toBe(
      "Billed to: Bob's organization (inherited)",
    );
    await shot(page, "resource");

    // The wizard never left; the project and organization exist now and the primary account pays.
    const me = await api<{ organizations: { id: string }[] }>(bobToken, "GET", "/v1/me");
    expect(me.organizations).toHaveLength(1);
    const org = await api<{ primary_billing_account_id: string }>(
      bobToken,
      "GET",
      `/v1/organizations/${me.organizations[0]?.id}`,
    );
    const resourceId = new URL(page.url()).pathname.split("/")[2] as string;
    const resource = await api<{ billing: { billing_account_id: string } }>(
      bobToken,
      "GET",
      `/v1/resources/${resourceId}`,
    );
    expect(resource.billing.billing_account_id).toBe(org.primary_billing_account_id);
    const invoice = await api<{ total: number }>(
      bobToken,
      "GET",
      `/v1/billing-accounts/${org.primary_billing_account_id}/upcoming-invoice`,
    );
    expect(Math.abs(invoice.total - shown)).toBeLessThanOrEqual(1);
  });

  it("flow 3: separate billing leads straight to the set-up page of the new account", async () => {
    const page = await newPage();
    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    await page.goto(`${server.baseUrl}/projects/new`);
    await page.getByLabel("Project name").fill("Client X");
    await page.getByLabel(/Separate billing/).check();
    expect(await page.getByLabel(/A new billing account for this project/).isChecked()).toBe(true);
    await shot(page, "project-new-separate");
    await page.getByRole("button", { name: "Create project" }).click();

    await page.waitForURL(/\/billing-accounts\/[^/]+\/setup\?/);
    const status = await text(page.getByTestId("account-status"));
    expect(["Active", "Set-up required"]).toContain(status);
    await page.getByText("created with separate billing").waitFor();
    await shot(page, "billing-setup");

    await page.getByRole("link", { name: /Continue to Client X/ }).click();
    await page.waitForURL(/\/projects\/[^/?]+$/);
    state.clientXId = new URL(page.url()).pathname.split("/")[2] as string;
    expect(await text(page.getByTestId("billing-badge"))).toBe("Billed to: Client X (separate)");

    // The wizard from the project: the preview names the project's own account.
    await page.getByRole("link", { name: "Add resource" }).click();
    await page.waitForURL(/\/resources\/new\?project=/);
    expect(await page.getByLabel("Existing project", { exact: true }).inputValue()).toBe(
      state.clientXId,
    );
    await page.getByRole("button", { name: /Next: type/ }).click();
    await page.getByLabel(/Graph database/).check();
    await page.getByLabel(/^performance/).check();
    await page.getByLabel("Resource name").fill("client-graph");
    await page.getByRole("button", { name: /see the price/ }).click();
    await page.getByTestId("price-preview").waitFor();
    expect(await text(page.getByTestId("preview-payer"))).toBe("Client X (separate)");
    expect(await text(page.getByTestId("preview-monthly"))).toBe("$299.00");
    await page.getByRole("button", { name: "Create resource" }).click();
    await page.waitForURL(/\/resources\/[^/]+\?created=1$/);
    expect(await text(page.getByTestId("billing-badge"))).toBe("Billed to: Client X (separate)");

    // A separate project's billing page shows its own account: items are price × quantity.
    await page.goto(`${server.baseUrl}/projects/${state.clientXId}/billing`);
    await page.getByText("$299.00 × 1").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/projects/${state.clientXId}/billing`);
    await page.getByTestId("upcoming-total").waitFor();
    await shot(page, "project-billing-separate");
  });

  it("a metered resource: the wizard shows its usage price, what is counted and who pays; its page says how to report usage", async () => {
    const { token } = await api<{ token: string }>("", "POST", "/v1/auth/signup", {
      email: "mia@example.com",
      password: "correct horse battery",
      name: "Mia",
    });
    const project = await api<{ id: string; billing: { billing_account: { name: string } } }>(
      token,
      "POST",
      "/v1/projects",
      { name: "Automations" },
    );
    const page = await newPage();
    await page.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), token);
    await page.goto(`${server.baseUrl}/resources/new?project=${project.id}`);
    await page.getByRole("button", { name: /Next: type/ }).click();
    await page.getByLabel(/^Flow/).check();
    // The catalog's meter names its unit: the size says what one costs.
    const runs = page.getByLabel(/^runs/);
    expect(await text(page.locator("label", { has: runs }))).toBe("runs$0.02 per run");
    await runs.check();
    await page.getByLabel("Resource name").fill("nightly-sync");
    await page.getByRole("button", { name: /see the price/ }).click();
    await page.getByTestId("price-preview").waitFor();
    // Never "$0.00 per month": the usage price, what is counted, and who pays.
    expect(await text(page.getByTestId("preview-usage-price"))).toBe("$0.02 per run");
    expect(await page.getByTestId("preview-monthly").count()).toBe(0);
    expect(await text(page.getByTestId("preview-meter"))).toContain(
      "Flow runs: the month's total of the values of its “flow_runs” events",
    );
    expect(await text(page.getByTestId("preview-payer"))).toBe(
      `${project.billing.billing_account.name} (inherited)`,
    );
    await shot(page, "resource-wizard-metered-preview");
    await page.getByRole("button", { name: "Create resource" }).click();
    await page.waitForURL(/\/resources\/[^/]+\?created=1$/);
    const resourceId = new URL(page.url()).pathname.split("/")[2] as string;
    // No usage yet: the page says where usage comes from, naming this resource and its meter.
    const howTo = await text(page.getByTestId("usage-how-to"));
    expect(howTo).toContain(`"resource_id": "${resourceId}"`);
    expect(howTo).toContain(`"event_name": "flow_runs"`);
    await shot(page, "resource-metered-empty");
  });

  it("project billing page: redirects an org billing manager, explains to anyone else", async () => {
    const carolToken = (
      await api<{ token: string }>("", "POST", "/v1/auth/signup", {
        email: "carol@example.com",
        password: "correct horse battery",
        name: "Carol Diaz",
      })
    ).token;
    const invited = await api<{ accept_url: string }>(
      state.aliceToken,
      "POST",
      `/v1/organizations/${state.orgId}/members`,
      { email: "carol@example.com", role: "editor" },
    );
    await api(carolToken, "POST", "/v1/invitations/accept", {
      token: new URLSearchParams(new URL(invited.accept_url).hash.slice(1)).get("token"),
    });

    const carol = await newPage();
    await logIn(carol, "carol@example.com", `/projects/${state.websiteId}/billing`);
    const explanation = carol.getByTestId("billing-explanation");
    await explanation.waitFor();
    const explained = await text(explanation);
    expect(explained).toContain(state.orgName);
    expect(explained).toContain("alice@example.com");
    expect(new URL(carol.url()).pathname).toBe(`/projects/${state.websiteId}/billing`);
    expect(await text(carol.getByTestId("billing-badge"))).toBe(
      `Billed to: ${state.orgName} (inherited)`,
    );
    await shot(carol, "project-billing-explanation");
    // An editor cannot switch billing either.
    await carol.goto(`${server.baseUrl}/projects/${state.websiteId}`);
    await carol.getByTestId("billing-badge").waitFor();
    expect(await carol.getByRole("button", { name: "Change billing" }).count()).toBe(0);

    const alice = await newPage();
    await alice.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    await alice.goto(`${server.baseUrl}/projects/${state.websiteId}/billing`);
    await alice.waitForURL(
      `**/organizations/${state.orgId}/billing?from_project=${state.websiteId}`,
    );
    await alice.getByTestId("from-project").waitFor();
    await alice.getByTestId("account-card").first().waitFor();
    await shot(alice, "org-billing-from-project");
    await alice.getByRole("link", { name: "← Back to Website" }).click();
    await alice.waitForURL(`**/projects/${state.websiteId}`);
  });

  it("switching a project's billing is one dialog showing what moves and from when", async () => {
    await api(state.aliceToken, "POST", "/v1/resources", {
      project_id: state.websiteId,
      resource_type: "graph",
      sku: "standard",
      name: "main-graph",
    });
    const page = await newPage();
    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    await page.goto(`${server.baseUrl}/projects/${state.websiteId}`);
    await page.getByRole("link", { name: "main-graph" }).waitFor();
    await shot(page, "project");
    await page.getByRole("button", { name: "Change billing" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.getByLabel(/Separate billing/).isChecked()).toBe(true);
    await dialog.getByRole("button", { name: "Review change" }).click();
    const plan = dialog.getByTestId("switch-plan");
    await plan.waitFor();
    const running = await api<{ data: unknown[]; next_cursor: string | null }>(
      state.aliceToken,
      "GET",
      `/v1/projects/${state.websiteId}/resources?limit=200`,
    );
    expect(running.next_cursor).toBeNull();
    const moving = `${running.data.length} resource${running.data.length === 1 ? "" : "s"}`;
    const planText = await text(plan);
    // A count, not a list: the plan reads the same for a hundred thousand resources.
    expect(planText).toContain(`${moving} will be billed to`);
    expect(planText).not.toContain("main-graph");
    expect(planText).toMatch(/From \w{3} \d+, \d{4}/);
    expect(planText).toContain(`instead of ${state.orgName}`);
    await shot(page, "switch-billing-dialog");
    await dialog.getByRole("button", { name: "Switch billing" }).click();
    await page.getByText("Billing changed").waitFor();
    expect(await text(page.getByText("Billing changed"))).toContain(`${moving} moved from`);
    await page.waitForFunction(() =>
      document.querySelector("[data-testid=billing-badge]")?.textContent?.endsWith("(separate)"),
    );
    expect(await text(page.getByTestId("billing-badge"))).toMatch(/^Billed to: .+ \(separate\)$/);
    await shot(page, "project-switched");

    const billing = await api<{ mode: string; inherited: boolean }>(
      state.aliceToken,
      "GET",
      `/v1/projects/${state.websiteId}/billing`,
    );
    expect(billing.mode).toBe("separate");
    expect(billing.inherited).toBe(false);
  });

  it("organization billing page lists accounts with items and adds a department account", async () => {
    const page = await newPage();
    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    await page.goto(`${server.baseUrl}/organizations/${state.orgId}/billing`);
    await page.getByTestId("account-card").first().waitFor();
    await page.getByText("× 1").first().waitFor();
    const before = await page.getByTestId("account-card").count();

    await page.getByRole("button", { name: "Add billing account" }).click();
    await page.getByLabel("Account name").fill("   ");
    await page.getByRole("button", { name: "Add account" }).click();
    await page.locator(".field-error").waitFor();
    expect(await text(page.locator(".field-error"))).toMatch(/blank|required|empty/i);
    await expectNoRawJson(page);

    await page.getByLabel("Account name").fill("Marketing");
    await page.getByRole("button", { name: "Add account" }).click();
    await page.getByRole("heading", { name: "Marketing" }).waitFor();
    expect(await page.getByTestId("account-card").count()).toBe(before + 1);
    await page.getByTestId("upcoming-total").nth(before).waitFor();
    await shot(page, "org-billing");
  });

  it("the cost breakdown adds up to the upcoming invoices and exports CSV", async () => {
    const page = await newPage();
    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    const accounts = await api<{ data: { id: string }[] }>(
      state.aliceToken,
      "GET",
      `/v1/organizations/${state.orgId}/billing-accounts`,
    );
    let invoices = 0;
    for (const a of accounts.data)
      invoices += (
        await api<{ total: number }>(
          state.aliceToken,
          "GET",
          `/v1/billing-accounts/${a.id}/upcoming-invoice`,
        )
      ).total;
    expect(invoices).toBeGreaterThan(0);

    for (const groupBy of ["project", "resource_type", "resource", "billing_account"]) {
      await page.goto(`${server.baseUrl}/organizations/${state.orgId}/costs?group_by=${groupBy}`);
      const table = page.getByTestId("costs-table");
      await table.waitFor();
      const rows = await table.locator("tbody tr").evaluateAll((trs) =>
        // The name, then the amounts (grouped by resource a project column sits between).
        trs.map((tr) =>
          [tr.querySelector("td"), ...tr.querySelectorAll("td.num")].map(
            (td) => td?.textContent ?? "",
          ),
        ),
      );
      const total = minor(await text(page.getByTestId("costs-total")));
      const projected = minor(await text(page.getByTestId("costs-projected")));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.reduce((sum, r) => sum + minor(r[1] ?? ""), 0)).toBe(total);
      expect(rows.reduce((sum, r) => sum + minor(r[2] ?? ""), 0)).toBe(projected);
      expect(Math.abs(projected - invoices)).toBeLessThanOrEqual(accounts.data.length);
      expect(await page.getByTestId("chart-bar").count()).toBe(rows.length);
      if (groupBy === "project") {
        expect(rows.map((r) => r[0]).sort()).toEqual(["Client X", "Website"]);
        await shot(page, "costs");
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Export CSV" }).click(),
        ]);
        const csv = readFileSync((await download.path()) as string, "utf8")
          .trim()
          .split(/\r?\n/);
        expect(csv[0]).toBe("group_by,key,name,amount,projected_amount,currency");
        expect(csv).toHaveLength(rows.length + 2);
        const last = (csv.at(-1) ?? "").split(",");
        expect(last[2]).toBe("Total");
        expect(Math.round(Number(last[4]) * 100)).toBe(projected);
      }
    }
  });

  it("the cost breakdown for a closed month with no usage is empty, not broken", async () => {
    const page = await newPage();
    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    // The month before the organization existed: the month before now would be the one of
    // Alice's resources had the run crossed a month's end since they were made.
    const org = await api<{ created_at: string }>(
      state.aliceToken,
      "GET",
      `/v1/organizations/${state.orgId}`,
    );
    const created = new Date(org.created_at);
    const previous = new Date(Date.UTC(created.getUTCFullYear(), created.getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    await page.goto(
      `${server.baseUrl}/organizations/${state.orgId}/costs?month=${previous}&group_by=resource`,
    );
    await page.getByText("No costs in this period.").waitFor();
    expect(await text(page.getByTestId("costs-total"))).toBe("$0.00");
    expect(await page.getByRole("alert").count()).toBe(0);
  });

  it("shows API errors in words where they happen, never raw JSON or a blank page", async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/signup`);
    await page.getByLabel("Your name").fill("Alice Again");
    await page.getByLabel("Email").fill("alice@example.com");
    // A taken email no longer answers with an error (it would tell who has an account): a
    // password from the common-passwords list is refused, naming the field.
    await page.getByLabel("Password").fill("password1234");
    await page.getByRole("button", { name: "Sign up" }).click();
    const problem = page.locator(".field-error, [role=alert]").first();
    await problem.waitFor();
    expect((await text(problem)).length).toBeGreaterThan(5);
    await expectNoRawJson(page);
    await shot(page, "signup-error");

    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel("Email").fill("alice@example.com");
    await page.getByLabel("Password").fill("wrong password!");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").waitFor();
    await expectNoRawJson(page);

    await page.addInitScript(
      (token) => localStorage.setItem("ktrlplane.token", token),
      state.aliceToken,
    );
    await page.goto(`${server.baseUrl}/projects/prj_doesnotexist`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await text(alert)).toMatch(/not found/i);
    await expectNoRawJson(page);
    await shot(page, "project-not-found");

    await page.goto(`${server.baseUrl}/no/such/page`);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
  });
});
