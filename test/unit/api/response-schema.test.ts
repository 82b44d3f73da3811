import { Writable } from "node:stream";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Respond, route } from "../../../src/api/route.js";
import { openApiDocument, registerApi } from "../../../src/api/server.js";
import type { AppContext } from "../../../src/context.js";

// Responses are serialized through their schemas: a handler whose result does not match answers
// 500 problem+json and the mismatch is logged; nothing off-contract reaches the caller.

const thing = z.object({ id: z.string(), count: z.number().int() });

const testRoutes = [
  route({
    method: "GET",
    url: "/test/good",
    summary: "matches",
    tag: "test",
    auth: false,
    response: thing,
    handler: async () => ({ id: "t_1", count: 2 }),
  }),
  route({
    method: "GET",
    url: "/test/missing-field",
    summary: "lacks count",
    tag: "test",
    auth: false,
    response: thing,
    // The compiler would refuse this; a cast stands for a bug that slips past the types.
    handler: async () => ({ id: "t_1" }) as unknown as z.output<typeof thing>,
  }),
  route({
    method: "GET",
    url: "/test/wrong-type",
    summary: "count is text",
    tag: "test",
    auth: false,
    response: thing,
    handler: async () => ({ id: "t_1", count: "two" }) as unknown as z.output<typeof thing>,
  }),
  route({
    method: "GET",
    url: "/test/undeclared-status",
    summary: "answers a status it does not declare",
    tag: "test",
    auth: false,
    response: thing,
    handler: async () => new Respond(202, { id: "t_1", count: 1 }),
  }),
  route({
    method: "POST",
    url: "/test/idempotent-mismatch",
    summary: "an idempotent create whose result does not match",
    tag: "test",
    idempotent: true,
    status: 201,
    response: thing,
    handler: async () => ({ id: "t_1", count: 1.5 }),
  }),
];

/** Just enough database for the route layer: every query finds one row (a user, a fresh claim). */
const stubContext = {
  clock: () => new Date("2026-11-10T00:00:00Z"),
  db: {
    kind: "pglite",
    query: async () => [{ id: "usr_1", email: "a@example.com", name: "A", key: "k" }],
    transaction: (work: (tx: unknown) => Promise<unknown>) =>
      work({ query: async () => [{ key: "k" }] }),
  },
} as unknown as AppContext;

async function testServer() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const app = Fastify({ logger: { level: "error", stream } });
  await registerApi({ app, ctx: stubContext, routes: testRoutes });
  await app.ready();
  return { app, lines };
}

describe("response schemas", () => {
  it("a body that matches is sent", async () => {
    const { app } = await testServer();
    const response = await app.inject({ method: "GET", url: "/test/good" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: "t_1", count: 2 });
    await app.close();
  });

  it.each([
    ["/test/missing-field", "response does not match its schema"],
    ["/test/wrong-type", "response does not match its schema"],
    ["/test/undeclared-status", "does not declare"],
  ])("%s answers 500 problem+json and is logged", async (url, logged) => {
    const { app, lines } = await testServer();
    const response = await app.inject({ method: "GET", url });
    expect(response.statusCode).toBe(500);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 500, code: "internal" });
    expect(response.body).not.toContain("t_1");
    expect(lines.join("")).toContain(logged);
    await app.close();
  });

  it("an idempotent route's mismatch is a 500 too, not the caller's 422", async () => {
    const { app, lines } = await testServer();
    const response = await app.inject({
      method: "POST",
      url: "/test/idempotent-mismatch",
      headers: {
        authorization: "Bearer t",
        "idempotency-key": "k1",
        "content-type": "application/json",
      },
      payload: "{}",
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ status: 500, code: "internal" });
    expect(lines.join("")).toContain("response does not match its schema");
    await app.close();
  });

  it("the OpenAPI document is built without a database", async () => {
    const document = await openApiDocument();
    expect(document.openapi).toBe("3.1.0");
    const create = document.paths?.["/v1/resources"]?.post;
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(["201", "401", "402", "422", "500"]),
    );
    expect(create?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: "header", name: "idempotency-key" })]),
    );
  });
});
