import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.js";
import { openPostgres } from "../../src/db/postgres.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import {
  openTestDatabase,
  testDatabaseAvailable,
  testDatabaseKind,
} from "../support/test-database.js";
import { writeCountingRelay } from "../support/write-counting-relay.js";

// Round trips are PostgreSQL's wire protocol: PGlite runs in this process and has none.
describe.skipIf(testDatabaseKind !== "postgres" || !testDatabaseAvailable)(
  "round trips to PostgreSQL",
  () => {
    let app: TestApp;
    let relay: Awaited<ReturnType<typeof writeCountingRelay>>;
    let relayed: Database;

    beforeAll(async () => {
      const db = await openTestDatabase();
      relay = await writeCountingRelay({ url: db.url as string });
      relayed = openPostgres({ url: relay.url });
      app = await startTestApp({ db, wrapDatabase: () => relayed });
    });
    afterAll(async () => {
      await relayed?.close();
      await relay?.close();
      await app?.close();
    });

    const roundTripsOf = async (request: () => Promise<void>) => {
      const before = relay.writes();
      await request();
      return relay.writes() - before;
    };

    it("a resource create takes 3 round trips and a delete 2: statements sent together leave together", async () => {
      const owner = await app.signUp();
      const project = (await owner.api.post("/v1/projects", { name: "P" })).body.id;
      const graph = { project_id: project, resource_type: "graph", sku: "standard" };
      // A first create and delete: the token is known to the process from now on (its session is
      // read by the project's read), and the pool holds an open connection.
      const first = await owner.api.post("/v1/resources", { ...graph, name: "warm" });
      expect((await owner.api.delete(`/v1/resources/${first.body.id}`)).status).toBe(204);

      let id = "";
      const create = await roundTripsOf(async () => {
        const made = await owner.api.post("/v1/resources", { ...graph, name: "counted" });
        expect(made.status).toBe(201);
        id = made.body.id;
      });
      const remove = await roundTripsOf(async () => {
        expect((await owner.api.delete(`/v1/resources/${id}`)).status).toBe(204);
      });
      expect({ create, remove }).toEqual({ create: 3, remove: 2 });
    });
  },
);
