import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCatalogFile } from "../../src/catalog/load-catalog.js";
import { defaultCatalogPath } from "../../src/config.js";
import { inviteAndAccept } from "../support/invite.js";
import {
  freePort,
  type NodeProcess,
  spawnNode,
  waitUntilHealthy,
} from "../support/node-process.js";
import type { OpenApiContract } from "../support/openapi-contract.js";
import { type StripeEmulator, startStripeEmulator } from "../support/stripe-emulator/index.js";
import { seededRandom } from "../support/stripe-emulator/random.js";
import {
  completeSetup,
  stripeQuantitiesByCatalogPrice,
  waitForSync,
  webhookSecret,
} from "../support/stripe-mode.js";
import { repeatedStripeWrites } from "../support/stripe-write-audit.js";
import {
  type ApiClient,
  type ApiResponse,
  createApiClient,
  lazyContract,
} from "../support/test-app.js";
import {
  createPostgresDatabase,
  testDatabaseAvailable,
  testDatabaseKind,
} from "../support/test-database.js";

/**
 * Scale-out as deployed: three API processes (`src/main.ts`, KTRLPLANE_WORKER=off) and two
 * reconciler processes (`src/worker/main.ts`) on one PostgreSQL database, billing through the
 * real Stripe SDK against the emulator served by this test. Clients spread every scenario over
 * the three API nodes; a worker is now and then SIGKILLed and replaced. Afterwards nothing is
 * lost or duplicated: each acknowledged create has exactly one open interval until its
 * acknowledged delete, no resource's intervals overlap, and Stripe holds the ledger's
 * quantities with one customer per account and no write repeated.
 */

const seed = 20261129;
/** What the clients create, free prices among them: those never reach Stripe. */
const skus = [
  "graph/standard",
  "graph/performance",
  "graph/free",
  "flow/standard",
  "flow/free",
  "storage/standard",
  "storage/archive",
];
const catalog = await loadCatalogFile(defaultCatalogPath);
const paidSkus = new Set(
  skus.filter((sku) => catalog.prices.get(sku)?.at(-1)?.price.billing_model !== "free"),
);

type Target = "inherit" | "primary" | "dept";

interface Org {
  id: string;
  /** The owner's and an editor's clients, one per API node. */
  members: ApiClient[][];
  accounts: { primary: string; dept: string };
  projects: { id: string }[];
  resources: { id: string; projectId: string }[];
}

interface Worker {
  process: NodeProcess;
  owner: string;
}

describe.skipIf(testDatabaseKind !== "postgres" || !testDatabaseAvailable)(
  // PGlite is an embedded database that belongs to one process: several processes need PostgreSQL.
  "several processes: 3 API nodes and 2 workers on one PostgreSQL",
  () => {
    let emulator: StripeEmulator;
    let database: { url: string; drop: () => Promise<void> };
    let sql: pg.Client;
    const nodes: { url: string; process: NodeProcess }[] = [];
    const workers: Worker[] = [];
    const handovers: Promise<void>[] = [];
    const contracts = new Map<string, () => Promise<OpenApiContract>>();
    const contractOf = (url: string) => {
      const contract = contracts.get(url) ?? lazyContract(url);
      contracts.set(url, contract);
      return contract;
    };
    let env: Record<string, string>;
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

    /** Every acknowledged create, and what was acknowledged as deleted. */
    const created = new Map<string, { projectId: string }>();
    const deletedResources = new Set<string>();
    const deletedProjects = new Set<string>();

    const clientsFor = (token?: string): ApiClient[] =>
      nodes.map(({ url }) =>
        createApiClient({ url, ...(token ? { token } : {}), contract: contractOf(url) }),
      );

    /** A new user: their clients (one per API node) and email. */
    async function signUp(name: string): Promise<{ clients: ApiClient[]; email: string }> {
      const email = `${name.toLowerCase().replace(/\W/g, "-")}-${random().toString(36).slice(2)}@example.com`;
      const response = await pick(clientsFor()).post("/v1/auth/signup", {
        email,
        password: "correct horse battery",
        name,
      });
      expect(response.status).toBe(201);
      return { clients: clientsFor(response.body.token), email };
    }

    async function startWorker(): Promise<Worker> {
      const process = spawnNode({
        script: "src/worker/main.ts",
        env: { ...env, LOG_LEVEL: "info" },
      });
      const started =
        /"owner":"(worker-[^"]+)"[^\n]*"reconciler started"|"msg":"reconciler started"[^\n]*"owner":"(worker-[^"]+)"/;
      await process.waitForOutput((output) => started.test(output), 120_000);
      const match = started.exec(process.output()) as RegExpExecArray;
      return { process, owner: (match[1] ?? match[2]) as string };
    }

    /** SIGKILL: the process ends wherever it is, Stripe request in flight or not; a new one replaces it. */
    function killWorker(slot: number): boolean {
      const dead = workers[slot];
      if (!dead) return false; // being replaced already
      workers[slot] = undefined as unknown as Worker;
      dead.process.kill("SIGKILL");
      handovers.push(
        (async () => {
          await dead.process.exited;
          // Its leases would run out after 30 s; let them run out now.
          await sql.query(
            `UPDATE ktrlplane.billing_account_sync SET lease_until = now() - interval '1 second'
             WHERE lease_owner = $1`,
            [dead.owner],
          );
          workers[slot] = await startWorker();
        })(),
      );
      return true;
    }

    async function newOrg(name: string): Promise<Org> {
      const { clients: owner } = await signUp(`${name} Owner`);
      const editor = await signUp(`${name} Editor`);
      const first = (await pick(owner).post("/v1/projects", { name: `${name} first` })).body;
      const organizationId = first.organization_id as string;
      const invited = await inviteAndAccept({
        by: pick(owner),
        path: `/v1/organizations/${organizationId}/members`,
        who: { api: pick(editor.clients), user: { email: editor.email } },
        role: "editor",
      });
      expect(invited.status).toBe(200);
      const dept = await pick(owner).post(`/v1/organizations/${organizationId}/billing-accounts`, {
        name: `${name} dept`,
      });
      expect(dept.status).toBe(201);
      const accounts = { primary: first.billing.billing_account_id as string, dept: dept.body.id };
      for (const id of Object.values(accounts))
        await completeSetup({ api: pick(owner), emulator, billingAccountId: id });
      return {
        id: organizationId,
        members: [owner, editor.clients],
        accounts,
        projects: [{ id: first.id }],
        resources: [],
      };
    }

    const billingBody = (o: Org, to: Target) =>
      to === "inherit"
        ? { mode: "inherit" }
        : { mode: "separate", billing_account_id: o.accounts[to] };

    function body(projectId: string, sku: string, name: string) {
      const [resourceType, skuName] = sku.split("/");
      return { project_id: projectId, resource_type: resourceType, sku: skuName, name };
    }

    function acknowledge(response: ApiResponse, projectId: string): void {
      if (response.status === 201) created.set(response.body.id, { projectId });
    }

    beforeAll(async () => {
      emulator = await startStripeEmulator({ seed });
      database = await createPostgresDatabase({ prefix: "ktrlplane_procs" });
      sql = new pg.Client({ connectionString: database.url });
      await sql.connect();
      env = {
        DATABASE_URL: database.url,
        HOST: "127.0.0.1",
        STRIPE_SECRET_KEY: "sk_test_emulator",
        STRIPE_API_BASE: emulator.url,
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        STRIPE_REQUESTS_PER_SECOND: "100",
        KTRLPLANE_SYNC_DEBOUNCE_MS: "30",
        KTRLPLANE_SYNC_POLL_MS: "20",
        KTRLPLANE_FULL_SYNC_INTERVAL_S: "10",
      };
      // All five at once: the migrations' advisory lock lets one of them migrate.
      const apiNodes = await Promise.all(
        [0, 1, 2].map(async () => {
          const port = await freePort();
          const url = `http://127.0.0.1:${port}`;
          const process = spawnNode({
            script: "src/main.ts",
            env: { ...env, PORT: String(port), LOG_LEVEL: "warn", KTRLPLANE_WORKER: "off" },
          });
          return { url, process };
        }),
      );
      nodes.push(...apiNodes);
      const [started] = await Promise.all([
        Promise.all([startWorker(), startWorker()]),
        ...nodes.map((node) => waitUntilHealthy({ ...node, timeoutMs: 120_000 })),
      ]);
      workers.push(...started);
    }, 180_000);

    afterAll(async () => {
      await Promise.allSettled(handovers);
      const all = [...nodes.map((n) => n.process), ...workers.map((w) => w?.process)];
      for (const process of all) process?.kill("SIGTERM");
      await Promise.all(all.map((p) => p?.exited));
      await sql?.end();
      await database?.drop();
      await emulator?.close();
    }, 60_000);

    it("the concurrency scenarios, spread over the three API nodes, lose nothing", async () => {
      const o = await newOrg("Busy");
      const owner = o.members[0] as ApiClient[];
      const node = (i: number) => owner[i % owner.length] as ApiClient;
      const newProject = async (name: string) => {
        const response = await node(0).post("/v1/projects", { name, organization_id: o.id });
        expect(response.status).toBe(201);
        o.projects.push({ id: response.body.id });
        return response.body.id as string;
      };

      // Parallel creates and deletes on one account.
      const busy = await newProject("Busy");
      const first = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          node(i).post("/v1/resources", body(busy, "graph/standard", `r${i}`)),
        ),
      );
      expect(first.map((r) => r.status)).toEqual(Array(30).fill(201));
      for (const r of first) acknowledge(r, busy);
      const mixed = await Promise.all([
        ...first.slice(0, 15).map((r, i) => node(i + 1).delete(`/v1/resources/${r.body.id}`)),
        ...Array.from({ length: 10 }, (_, i) =>
          node(i + 2).post("/v1/resources", body(busy, "graph/standard", `s${i}`)),
        ),
      ]);
      expect(mixed.map((r) => r.status).sort()).toEqual([
        ...Array(10).fill(201),
        ...Array(15).fill(204),
      ]);
      for (const r of first.slice(0, 15)) deletedResources.add(r.body.id);
      for (const r of mixed) acknowledge(r, busy);

      // Creates racing a billing switch, on other nodes than the switch.
      const racing = await newProject("Racing");
      const raced = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) =>
          node(i).post("/v1/resources", body(racing, "flow/standard", `a${i}`)),
        ),
        node(1).put(`/v1/projects/${racing}/billing`, billingBody(o, "dept")),
        ...Array.from({ length: 10 }, (_, i) =>
          node(i + 2).post("/v1/resources", body(racing, "flow/standard", `b${i}`)),
        ),
      ]);
      expect(raced.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      for (const r of raced) acknowledge(r, racing);

      // One Idempotency-Key retried by ten clients on the three nodes at once: one resource.
      const retried = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          node(i).post("/v1/resources", body(busy, "storage/standard", "cache"), {
            "Idempotency-Key": "several-processes-cache",
          }),
        ),
      );
      expect(new Set(retried.map((r) => r.body.id)).size).toBe(1);
      acknowledge(retried[0] as ApiResponse, busy);

      // Creates and deletes racing billing switches, each on its own node.
      const switching = await newProject("Switching");
      const wrong: string[] = [];
      for (let i = 0; i < 12; i++) {
        const existing = await node(i).post(
          "/v1/resources",
          body(switching, "graph/performance", `old${i}`),
        );
        acknowledge(existing, switching);
        const [switched, createdNow, deleted] = await Promise.all([
          node(i).put(
            `/v1/projects/${switching}/billing`,
            billingBody(o, i % 2 === 0 ? "dept" : "inherit"),
          ),
          node(i + 1).post("/v1/resources", body(switching, "graph/performance", `new${i}`)),
          node(i + 2).delete(`/v1/resources/${existing.body.id}`),
        ]);
        expect(switched.status).toBe(200);
        acknowledge(createdNow, switching);
        if (deleted.status === 204) deletedResources.add(existing.body.id);
        if (createdNow.status !== 201) wrong.push(`create → ${createdNow.status}`);
        if (deleted.status !== 204) wrong.push(`delete → ${deleted.status}`);
      }
      expect(wrong).toEqual([]);
      const quantities = async (id: string) => {
        const account = await node(2).get(`/v1/billing-accounts/${id}`);
        return Object.fromEntries(
          (account.body.items as { resource_type: string; sku: string; quantity: number }[]).map(
            (i) => [`${i.resource_type}/${i.sku}`, i.quantity],
          ),
        );
      };
      expect(await quantities(o.accounts.primary)).toEqual({
        "graph/standard": 25,
        "storage/standard": 1,
        "graph/performance": 12,
      });
      expect(await quantities(o.accounts.dept)).toEqual({ "flow/standard": 20 });
    }, 120_000);

    it("chaos: random concurrent commands on all nodes, Stripe faults and SIGKILLed workers", async () => {
      const orgs = [await newOrg("Ada"), await newOrg("Bob")];
      emulator.faults.seed(seed);
      emulator.faults.set({
        errorRate: 0.05,
        dropConnectionRate: 0.03,
        failAfterWriteRate: 0.05,
        rateLimitRate: 0.03,
        latencyMs: [0, 6],
      });
      const unexpected: string[] = [];
      const expectStatus = (what: string, response: ApiResponse, allowed: number[]) => {
        if (!allowed.includes(response.status))
          unexpected.push(`${what} → ${response.status} ${JSON.stringify(response.body)}`);
      };
      let commands = 0;
      let kills = 0;
      for (let round = 0; round < 30; round++) {
        // Besides the random kills, each worker is killed once for sure, in the middle of a batch.
        if ((round === 10 || round === 20) && killWorker(round === 10 ? 0 : 1)) kills += 1;
        const batch = Array.from({ length: 1 + Math.floor(random() * 4) }, () => random());
        await Promise.all(
          batch.map(async (roll) => {
            commands += 1;
            const o = pick(orgs);
            const member = pick(o.members);
            const api = pick(member);
            const ownerNodes = o.members[0] as ApiClient[];
            const owner = pick(ownerNodes);
            const project = pick(o.projects.filter((p) => !deletedProjects.has(p.id)));
            const live = o.resources.filter(
              (r) => !deletedResources.has(r.id) && !deletedProjects.has(r.projectId),
            );
            if (roll < 0.4 && project) {
              const response = await api.post(
                "/v1/resources",
                body(project.id, pick(skus), `r${commands}`),
              );
              expectStatus("create", response, [201, 404]);
              acknowledge(response, project.id);
              if (response.status === 201)
                o.resources.push({ id: response.body.id, projectId: project.id });
            } else if (roll < 0.47 && project) {
              // The same create with one key sent to two nodes at once: one resource.
              const sku = pick(skus);
              const both = await Promise.all(
                [0, 1].map((n) =>
                  (ownerNodes[n] as ApiClient).post(
                    "/v1/resources",
                    body(project.id, sku, `k${commands}`),
                    { "idempotency-key": `k${commands}` },
                  ),
                ),
              );
              for (const response of both) expectStatus("create twice", response, [201, 404]);
              const ids = new Set(both.filter((r) => r.status === 201).map((r) => r.body.id));
              expect(ids.size).toBeLessThanOrEqual(1);
              for (const response of both) acknowledge(response, project.id);
              for (const id of ids) o.resources.push({ id, projectId: project.id });
            } else if (roll < 0.7) {
              const resource = live.length > 0 ? pick(live) : undefined;
              if (!resource) return;
              const response = await api.delete(`/v1/resources/${resource.id}`);
              expectStatus("delete", response, [204, 404]);
              if (response.status === 204) deletedResources.add(resource.id);
            } else if (roll < 0.82 && project) {
              const to = pick<Target>(["inherit", "primary", "dept"]);
              const response = await owner.put(
                `/v1/projects/${project.id}/billing`,
                billingBody(o, to),
              );
              expectStatus("switch", response, [200, 404, 409]);
            } else if (roll < 0.88) {
              const to = pick<Target>(["inherit", "primary", "dept"]);
              const response = await owner.post("/v1/projects", {
                name: `p${commands}`,
                organization_id: o.id,
                ...(to === "inherit" ? {} : { billing: billingBody(o, to) }),
              });
              expectStatus("create project", response, [201]);
              if (response.status === 201) o.projects.push({ id: response.body.id });
            } else if (roll < 0.91 && project) {
              if (o.projects.filter((p) => !deletedProjects.has(p.id)).length < 2) return;
              const response = await api.delete(`/v1/projects/${project.id}`);
              expectStatus("delete project", response, [204, 404]);
              if (response.status === 204) deletedProjects.add(project.id);
            } else if (roll < 0.95) {
              const response = await owner.post(
                `/v1/billing-accounts/${o.accounts[pick<"primary" | "dept">(["primary", "dept"])]}/sync`,
              );
              expectStatus("sync", response, [200, 409, 503]);
            } else {
              if (killWorker(Math.floor(random() * 2))) kills += 1;
            }
          }),
        );
      }
      expect(unexpected).toEqual([]);

      // Calm: no faults; the killed workers are replaced; every account converges.
      emulator.faults.clear();
      await Promise.all(handovers);
      for (const o of orgs)
        for (const id of Object.values(o.accounts))
          await waitForSync({
            api: pick(o.members[0] as ApiClient[]),
            billingAccountId: id,
            timeoutMs: 30_000,
          });
      console.info(
        `several processes: ${commands} chaos commands, ${kills} workers killed, ` +
          `${created.size} resources created, ${emulator.requests.length} Stripe requests ` +
          `(${emulator.requests.filter((r) => r.fault).length} faulted)`,
      );
      expect(kills).toBeGreaterThan(0);
    }, 150_000);

    it("afterwards: one open interval per live resource, none overlapping, Stripe equal to the ledger", async () => {
      // Each acknowledged create: exactly one open interval, unless acknowledged deleted.
      const { rows: intervals } = await sql.query<{
        resource_id: string;
        billing_account_id: string;
        price: string;
        started_at: Date;
        ended_at: Date | null;
      }>(
        `SELECT resource_id, billing_account_id, resource_type || '/' || sku AS price, started_at,
                ended_at FROM ktrlplane.billing_intervals ORDER BY resource_id, started_at, id`,
      );
      const byResource = new Map<string, typeof intervals>();
      for (const row of intervals)
        byResource.set(row.resource_id, [...(byResource.get(row.resource_id) ?? []), row]);
      const wrong: string[] = [];
      for (const [id, { projectId }] of created) {
        const open = (byResource.get(id) ?? []).filter((i) => i.ended_at === null).length;
        const gone = deletedResources.has(id) || deletedProjects.has(projectId);
        if (open !== (gone ? 0 : 1)) wrong.push(`${id}: ${open} open, deleted: ${gone}`);
      }
      // Nothing billed that no client was told about (an idempotent retry creating twice).
      for (const id of byResource.keys())
        if (!created.has(id)) wrong.push(`${id}: not acknowledged`);
      // One resource's intervals follow each other: each ends where or before the next starts.
      for (const [id, list] of byResource)
        for (let i = 1; i < list.length; i++) {
          const previous = list[i - 1] as (typeof list)[number];
          const current = list[i] as (typeof list)[number];
          if (previous.ended_at === null || previous.ended_at > current.started_at)
            wrong.push(`${id}: intervals overlap at ${current.started_at.toISOString()}`);
        }
      expect(wrong).toEqual([]);

      // Stripe holds exactly the ledger's quantities, once per account.
      const { rows: accounts } = await sql.query<{ id: string }>(
        "SELECT id FROM ktrlplane.billing_accounts",
      );
      const ledger = new Map<string, Record<string, number>>();
      for (const row of intervals) {
        if (row.ended_at !== null || !paidSkus.has(row.price)) continue;
        const counts = ledger.get(row.billing_account_id) ?? {};
        counts[row.price] = (counts[row.price] ?? 0) + 1;
        ledger.set(row.billing_account_id, counts);
      }
      const customers = [...emulator.state.customers.values()];
      const live = [...emulator.state.subscriptions.values()].filter(
        (s) => s.status !== "canceled" && s.status !== "incomplete_expired",
      );
      for (const { id } of accounts) {
        expect(stripeQuantitiesByCatalogPrice(emulator, id), `Stripe for ${id}`).toEqual(
          ledger.get(id) ?? {},
        );
        const mine = customers.filter((c) => c.metadata?.ktrlplane_billing_account_id === id);
        expect(mine, `customers of ${id}`).toHaveLength(1);
        const slots = live
          .filter((s) => s.metadata?.ktrlplane_billing_account_id === id)
          .map((s) => s.metadata?.ktrlplane_slot);
        expect(new Set(slots).size, `one live subscription per slot for ${id}`).toBe(slots.length);
      }
      const known = new Set(accounts.map((a) => a.id));
      for (const c of customers)
        expect(known.has(c.metadata?.ktrlplane_billing_account_id ?? "")).toBe(true);
      expect(repeatedStripeWrites(emulator)).toEqual([]);
    }, 60_000);
  },
);
