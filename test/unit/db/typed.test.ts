import { describe, expect, it } from "vitest";
import type { Queryable } from "../../../src/db/database.js";
import { cached, execute, first, rows, sqlb, textArray } from "../../../src/db/typed.js";

/** A Queryable that records what it is sent and answers with canned rows. */
function recording(answer: unknown[] = []) {
  const sent: { sql: string; params: unknown[] | undefined }[] = [];
  const db: Queryable = {
    async query<Row>(sql: string, params?: unknown[]) {
      sent.push({ sql, params });
      return answer as Row[];
    },
  };
  return { db, sent };
}

describe("typed queries over Queryable", () => {
  it("sends the compiled SQL and its parameters through the connection, never its own driver", async () => {
    const { db, sent } = recording([{ id: "usr_1", email: "ada@example.com" }]);
    const user = await first(
      db,
      sqlb
        .selectFrom("ktrlplane.users")
        .select(["id", "email"])
        .where("email", "=", "ada@example.com"),
    );
    expect(user).toEqual({ id: "usr_1", email: "ada@example.com" });
    expect(sent).toEqual([
      {
        sql: 'select "id", "email" from "ktrlplane"."users" where "email" = $1',
        params: ["ada@example.com"],
      },
    ]);
  });

  it("compiles the same text for any number of ids, so a prepared statement is reused", async () => {
    const { db, sent } = recording();
    const byIds = (ids: string[]) =>
      sqlb
        .selectFrom("ktrlplane.projects")
        .select(["id", "name"])
        .where((eb) => eb("id", "=", eb.fn.any(textArray(ids))));
    await rows(db, byIds(["prj_1"]));
    await rows(db, byIds(["prj_1", "prj_2", "prj_3"]));
    expect(sent[0]?.sql).toBe(sent[1]?.sql);
    expect(sent[0]?.sql).toContain("= any($1::text[])");
    expect(sent[1]?.params).toEqual([["prj_1", "prj_2", "prj_3"]]);
  });

  it("rejects a column the migrations do not define, at compile time", () => {
    // @ts-expect-error: `emial` is not a column of ktrlplane.users (schema.ts is generated).
    const query = sqlb.selectFrom("ktrlplane.users").select("emial");
    expect(query.compile().sql).toContain('"emial"');
  });

  it("keeps row locks in the compiled text", async () => {
    const { db, sent } = recording();
    await execute(
      db,
      sqlb.selectFrom("ktrlplane.billing_accounts as a").select("a.id").forUpdate().skipLocked(),
    );
    expect(sent[0]?.sql).toBe(
      'select "a"."id" from "ktrlplane"."billing_accounts" as "a" for update skip locked',
    );
  });

  it("compiles a cached statement once and gives it each call's parameters", async () => {
    const { db, sent } = recording();
    const build = (p: { orgId: string; ids: string[]; at: Date }) =>
      sqlb
        .updateTable("ktrlplane.projects")
        .set({ deleted_at: p.at })
        .where("organization_id", "=", p.orgId)
        .where((eb) => eb("id", "=", eb.fn.any(textArray(p.ids))))
        .where("deleted_at", "is", null)
        .returning("id");
    const query = cached(build);
    const at = new Date("2026-11-01T00:00:00Z");
    await rows(db, query({ orgId: "org_1", ids: ["prj_1"], at }));
    await rows(db, query({ orgId: "org_2", ids: ["prj_2", "prj_3"], at }));
    const direct = build({ orgId: "org_2", ids: ["prj_2", "prj_3"], at }).compile();
    expect(sent[0]?.sql).toBe(direct.sql);
    expect(sent[1]).toEqual({ sql: direct.sql, params: [at, "org_2", ["prj_2", "prj_3"]] });
    expect(sent[0]?.params).toEqual([at, "org_1", ["prj_1"]]);
  });
});
