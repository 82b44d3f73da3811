/**
 * The team half of the console in Chromium: members (invite with a link shown once, accept as
 * a signed-in member or after signing up, revoke, change role, remove), the audit
 * log, renames with focus and success messages, the organization switcher and "new
 * organization", and role-aware screens (a viewer is offered no create, rename or delete; a
 * project-only member no Billing or Costs links) — at desktop size and on a 390×844 phone.
 * Screenshots go to test-artifacts/screenshots/team-*.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCaller } from "./support/api";
import { chromiumOrSkip, launchChromium } from "./support/browser";
import { ensureConsoleBuilt, type RunningServer, repoRoot, startServer } from "./support/server";

const chromiumPath = chromiumOrSkip();
const shotsDir = join(repoRoot, "test-artifacts/screenshots");
const phone = { width: 390, height: 844 };
const desktop = { width: 1280, height: 860 };

describe.skipIf(!chromiumPath)("console e2e: team", () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const s = {
    owner: "",
    viewer: "",
    editor: "",
    projectOnly: "",
    orgId: "",
    projectId: "",
  };

  const api = apiCaller({ baseUrl: () => server.baseUrl });
  const invitationToken = (acceptUrl: string) =>
    new URLSearchParams(new URL(acceptUrl).hash.slice(1)).get("token") ?? "";
  async function inviteAndAccept(path: string, invitee: string, email: string, role: string) {
    const sent = await api<{ accept_url: string }>(s.owner, "POST", path, { email, role });
    await api(invitee, "POST", "/v1/invitations/accept", {
      token: invitationToken(sent.accept_url),
    });
  }
  const signUp = async (name: string, email: string) =>
    (
      await api<{ token: string }>("", "POST", "/v1/auth/signup", {
        name,
        email,
        password: "correct horse battery",
      })
    ).token;

  async function pageAs(token: string, viewport = desktop): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    await page.addInitScript((t) => localStorage.setItem("ktrlplane.token", t), token);
    return page;
  }
  async function shot(page: Page, name: string): Promise<void> {
    await page.waitForLoadState("networkidle").catch(() => {});
    await page.screenshot({ path: join(shotsDir, `team-${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    ensureConsoleBuilt();
    server = await startServer();
    browser = await launchChromium(chromiumPath as string);
    s.owner = await signUp("Olga Owner", "olga@example.com");
    s.viewer = await signUp("Vic Viewer", "vic@example.com");
    s.editor = await signUp("Eddie Editor", "eddie@example.com");
    s.projectOnly = await signUp("Pia Project", "pia@example.com");
    const org = await api<{ id: string }>(s.owner, "POST", "/v1/organizations", { name: "Acme" });
    s.orgId = org.id;
    const project = await api<{ id: string }>(s.owner, "POST", "/v1/projects", {
      name: "Web",
      organization_id: org.id,
    });
    s.projectId = project.id;
    await api(s.owner, "POST", "/v1/resources", {
      project_id: project.id,
      resource_type: "graph",
      sku: "free",
      name: "db",
    });
    await inviteAndAccept(
      `/v1/projects/${project.id}/members`,
      s.projectOnly,
      "pia@example.com",
      "viewer",
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    expect(pageErrors).toEqual([]);
  });

  it("an owner invites, changes a role and removes a member; the roles table explains who can do what", async () => {
    const page = await pageAs(s.owner);
    await page.goto(`${server.baseUrl}/`);
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Members" })
      .click();
    await page.waitForURL(`**/organizations/${s.orgId}/members`);
    await page.getByRole("heading", { name: "Who can do what" }).waitFor();

    const links: Record<string, string> = {};
    for (const [email, role] of [
      ["vic@example.com", "Viewer"],
      ["eddie@example.com", "Editor"],
      ["nora@example.com", "Editor"],
      ["stray@example.com", "Viewer"],
    ] as const) {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Role", { exact: true }).selectOption({ label: role });
      await page.getByRole("button", { name: "Invite" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `${email} is invited as ${role}` })
        .waitFor();
      links[email] = await page.getByLabel("Invitation link").inputValue();
      await page.getByTestId(`invitation-${email}`).waitFor();
    }
    expect(links["nora@example.com"]).toMatch(/\/invitations\/accept#token=kp_inv_/);
    await shot(page, "invitations");
    await page.getByRole("button", { name: "Revoke the invitation of stray@example.com" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "invitation of stray@example.com was revoked" })
      .waitFor();
    await page.getByTestId("invitation-stray@example.com").waitFor({ state: "detached" });

    // Vic has an account: signed in, he opens the link and accepts.
    const vic = await pageAs(s.viewer);
    await vic.goto(links["vic@example.com"] as string);
    await vic.getByRole("button", { name: "Accept invitation" }).click();
    await vic.getByRole("status").filter({ hasText: "You joined as Viewer" }).waitFor();
    expect(new URL(vic.url()).hash).toBe("");
    await api(s.editor, "POST", "/v1/invitations/accept", {
      token: invitationToken(links["eddie@example.com"] as string),
    });
    // Nora has none: the link asks her to sign up, then brings her back to accept.
    const noraContext = await browser.newContext({ viewport: desktop });
    contexts.push(noraContext);
    const nora = await noraContext.newPage();
    nora.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    await nora.goto(links["nora@example.com"] as string);
    await nora.getByRole("heading", { name: "You are invited" }).waitFor();
    await shot(nora, "accept-signed-out");
    await nora.getByRole("link", { name: "Create an account" }).click();
    await nora.getByLabel("Your name").fill("Nora Newcomer");
    await nora.getByLabel("Email").fill("nora@example.com");
    await nora.getByLabel("Password").fill("correct horse battery");
    await nora.getByRole("button", { name: "Sign up" }).click();
    await nora.getByRole("button", { name: "Accept invitation" }).click();
    await nora.getByRole("status").filter({ hasText: "You joined as Editor" }).waitFor();
    await nora.getByRole("button", { name: "Continue" }).click();
    await nora.waitForURL(`**/organizations/${s.orgId}/members`);
    // The revoked link no longer works.
    const stray = await pageAs(s.viewer);
    await stray.goto(links["stray@example.com"] as string);
    await stray.getByRole("button", { name: "Accept invitation" }).click();
    await stray
      .getByText(/was revoked/)
      .first()
      .waitFor();

    await page.reload();
    await page.getByTestId("member-nora@example.com").waitFor();
    expect(await page.getByTestId("invitations").count()).toBe(0);
    await page.getByTestId("member-eddie@example.com").waitFor();
    await page.getByLabel("Role of Eddie Editor").selectOption({ label: "Billing admin" });
    await page
      .getByRole("status")
      .filter({ hasText: "Eddie Editor is now Billing admin" })
      .waitFor();
    await shot(page, "members");

    const remove = page.getByRole("button", { name: "Remove Eddie Editor" });
    await remove.click();
    const dialog = page.getByRole("dialog", { name: "Remove Eddie Editor?" });
    await dialog.getByRole("button", { name: "Remove member" }).click();
    await page.getByRole("status").filter({ hasText: "Eddie Editor was removed" }).waitFor();
    await page.getByTestId("member-eddie@example.com").waitFor({ state: "detached" });
    // The owner cannot demote the last owner: the API says why, the page shows it.
    await page.getByLabel("Role of Olga Owner").selectOption({ label: "Editor" });
    await page.getByText(/at least one owner/).waitFor();
    expect(await page.getByLabel("Role of Olga Owner").inputValue()).toBe("owner");

    const phonePage = await pageAs(s.owner, phone);
    await phonePage.goto(`${server.baseUrl}/organizations/${s.orgId}/members`);
    await phonePage.getByTestId("member-vic@example.com").waitFor();
    await shot(phonePage, "members-phone");
  });

  it("renames the project and the organization in a dialog: focus goes in and comes back, a message confirms", async () => {
    const page = await pageAs(s.owner);
    await page.goto(`${server.baseUrl}/projects/${s.projectId}`);
    const opener = page.getByRole("button", { name: "Rename project…" });
    await opener.click();
    const input = page.getByRole("dialog", { name: "Rename project" }).getByLabel("New name");
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await input.fill("Website");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("status").filter({ hasText: "Project renamed to “Website”" }).waitFor();
    await page.getByRole("heading", { level: 1, name: "Website" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === "Rename project…");
    await shot(page, "project-renamed");

    await page.getByRole("link", { name: "db" }).click();
    await page.getByRole("button", { name: "Rename resource…" }).click();
    await page.getByRole("dialog", { name: "Rename resource" }).getByLabel("New name").fill("  ");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText("The name must not be blank.").waitFor();
    await page
      .getByRole("dialog", { name: "Rename resource" })
      .getByLabel("New name")
      .fill("main-db");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText("Resource renamed to “main-db”").waitFor();
    await shot(page, "resource-renamed");
    await page.getByRole("button", { name: "Delete…" }).click();
    await page.getByRole("button", { name: "Delete resource" }).click();
    await page.getByText("Resource “main-db” deleted.").waitFor();

    await page.goto(`${server.baseUrl}/organizations/${s.orgId}/members`);
    await page.getByRole("button", { name: "Rename organization…" }).click();
    await page
      .getByRole("dialog", { name: "Rename organization" })
      .getByLabel("New name")
      .fill("Acme Inc");
    await page.getByRole("button", { name: "Save name" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "Organization renamed to “Acme Inc”" })
      .waitFor();
  });

  it("the audit log lists the changes newest first and filters by action", async () => {
    const page = await pageAs(s.owner);
    await page.goto(`${server.baseUrl}/organizations/${s.orgId}/audit`);
    const table = page.getByTestId("audit");
    await table.waitFor();
    const firstRow = table.locator("tbody tr").first();
    expect(await firstRow.textContent()).toContain("organization.renamed");
    await page.getByLabel("Action").selectOption("member.removed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForFunction(
      () => document.querySelectorAll("[data-testid=audit] tbody tr").length === 1,
    );
    expect(await table.locator("tbody tr").first().textContent()).toContain("eddie@example.com");
    await shot(page, "audit");
    const phonePage = await pageAs(s.owner, phone);
    await phonePage.goto(`${server.baseUrl}/organizations/${s.orgId}/audit`);
    await phonePage.getByTestId("audit").waitFor();
    await shot(phonePage, "audit-phone");
  });

  for (const [label, viewport] of [
    ["desktop", desktop],
    ["phone", phone],
  ] as const) {
    it(`a viewer is offered nothing they cannot do (${label})`, async () => {
      const page = await pageAs(s.viewer, viewport);
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole("link", { name: /Start your own organization/ }).waitFor();
      expect(await page.getByRole("link", { name: /Create project/ }).count()).toBe(0);
      expect(await page.getByRole("link", { name: /Create resource/ }).count()).toBe(0);
      await shot(page, `viewer-landing-${label}`);

      await page.goto(`${server.baseUrl}/projects/${s.projectId}`);
      await page.getByTestId("read-only-note").waitFor();
      expect(await page.getByRole("link", { name: "Add resource" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /Delete project/ }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /Rename/ }).count()).toBe(0);
      await shot(page, `viewer-project-${label}`);

      await page.goto(`${server.baseUrl}/resources/new`);
      await page.getByTestId("wizard-not-allowed").waitFor();
      expect(await page.getByRole("button", { name: /Continue|Next/ }).count()).toBe(0);
    });
  }

  it("a project-only member sees no organization Billing or Costs links, and their project's billing page no error", async () => {
    const page = await pageAs(s.projectOnly);
    await page.goto(`${server.baseUrl}/projects/${s.projectId}/billing`);
    await page.getByTestId("billing-explanation").waitFor();
    expect(await page.locator(".error, [role=alert]").count()).toBe(0);
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Billing" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Costs" }).count()).toBe(0);
    await shot(page, "project-member-billing");
  });

  it("an invited viewer starts an organization of their own from the switcher; its name is asked, prefilled", async () => {
    const page = await pageAs(s.viewer);
    await page.goto(`${server.baseUrl}/`);
    await page.getByLabel("Organization").selectOption({ label: "+ New organization…" });
    await page.waitForURL("**/organizations/new");
    const name = page.getByLabel("Organization name");
    expect(await name.inputValue()).toBe("Vic's organization");
    await shot(page, "new-organization");
    await name.fill("Vic Labs");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("status").filter({ hasText: "Organization created" }).waitFor();
    await page.getByRole("link", { name: /Create project/ }).waitFor();
    expect(await page.getByLabel("Organization").inputValue()).not.toBe(s.orgId);
    await shot(page, "new-organization-created");
  });
});
