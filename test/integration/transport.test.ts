import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriesValue } from "../support/metrics-text.js";
import { type RawResponse, rawRequest } from "../support/raw-http.js";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// The transport's own duties: security headers, problem+json even before routing, unstorable
// text refused, slow bodies cut, metrics, request ids. Everything over real sockets.

function expectRawProblem(response: RawResponse, status: number, code: string): void {
  expect({ status: response.status, type: response.headers["content-type"] }).toEqual({
    status,
    type: "application/problem+json; charset=utf-8",
  });
  const body = JSON.parse(response.body);
  expect(body).toMatchObject({ status, code });
  expect(body.detail.length).toBeGreaterThan(0);
}

describe.skipIf(!testDatabaseAvailable)("transport", () => {
  let app: TestApp;
  let api: ApiClient;
  let organization: { id: string; primary_billing_account_id: string };
  let project: { id: string };

  beforeAll(async () => {
    app = await startTestApp({ env: { KTRLPLANE_REQUEST_TIMEOUT_MS: "1000" } });
    ({ api } = await app.signUp());
    const created = await api.post("/v1/projects", { name: "transport" });
    expect(created.status).toBe(201);
    project = created.body;
    organization = (await api.get("/v1/organizations")).body.data[0];
  });

  afterAll(async () => {
    await app?.close();
  });

  describe("security headers", () => {
    it("API answers carry the CSP, nosniff and no-store, secrets included", async () => {
      const signUp = await app.client().post("/v1/auth/signup", {
        email: `headers-${Date.now()}@example.com`,
        password: "correct horse battery",
        name: "Hedda",
      });
      expect(signUp.status).toBe(201);
      const list = await api.get("/v1/organizations");
      const missing = await api.get("/v1/projects/nope");
      for (const response of [signUp, list, missing]) {
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("x-frame-options")).toBe("DENY");
        expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      }
    });
  });

  describe("errors before routing are problem+json", () => {
    it("headers too large: 431", async () => {
      const response = await rawRequest({
        url: app.url,
        write: (socket) =>
          socket.write(`GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
      });
      expectRawProblem(response, 431, "headers_too_large");
    });

    it("Content-Length together with Transfer-Encoding: 400", async () => {
      const response = await rawRequest({
        url: app.url,
        write: (socket) =>
          socket.write(
            "POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
              "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
          ),
      });
      expectRawProblem(response, 400, "bad_request");
    });

    it("a request line that is not HTTP: 400", async () => {
      const response = await rawRequest({
        url: app.url,
        write: (socket) => socket.write("HELLO THERE\r\n\r\n"),
      });
      expectRawProblem(response, 400, "bad_request");
    });

    it("a body shorter than its Content-Length: problem+json, nothing created", async () => {
      const before = (await api.get(`/v1/organizations/${organization.id}/projects`)).body.data;
      const response = await rawRequest({
        url: app.url,
        write: (socket) => {
          socket.write(
            "POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
              `Content-Length: 100\r\n\r\n{"name":"short"}`,
          );
          socket.end();
        },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
      const after = (await api.get(`/v1/organizations/${organization.id}/projects`)).body.data;
      expect(after).toEqual(before);
    });
  });

  describe("text PostgreSQL cannot store", () => {
    it("a lone surrogate in a billing account's name is 422 naming the field", async () => {
      const response = await api.send(
        "POST",
        `/v1/organizations/${organization.id}/billing-accounts`,
        '{"name":"Dept \\ud800"}',
      );
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.body).toMatchObject({ code: "validation_failed", field: "name" });
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    });

    it("a lone surrogate in a keyed resource create is 422 and creates nothing", async () => {
      const list = async () => (await api.get(`/v1/projects/${project.id}/resources`)).body.data;
      const before = await list();
      for (const name of ["\\udc00 low", "high \\udbff", "\\ud800\\ud800"]) {
        const response = await api.send(
          "POST",
          "/v1/resources",
          `{"project_id":"${project.id}","resource_type":"graph","sku":"standard","name":"${name}"}`,
          { "idempotency-key": `surrogate-${name.length}-${Date.now()}` },
        );
        expect(response.status, JSON.stringify(response.body)).toBe(422);
        expect(response.body).toMatchObject({ code: "validation_failed", field: "name" });
      }
      // A proper pair (an emoji) is fine.
      const emoji = await api.send(
        "POST",
        "/v1/resources",
        `{"project_id":"${project.id}","resource_type":"graph","sku":"free","name":"db \\ud83d\\ude80"}`,
      );
      expect(emoji.status, JSON.stringify(emoji.body)).toBe(201);
      expect(emoji.body.name).toBe("db \u{1F680}");
      expect(await list()).toHaveLength(before.length + 1);
    });

    it("a surrogate's bytes percent-encoded in the query never reach the database", async () => {
      const response = await api.get(
        `/v1/organizations/${organization.id}/audit?cursor=%ED%A0%80&limit=%ED%A0%80`,
      );
      // The bytes decode to U+FFFD, never to a lone surrogate: an answer, not a 500.
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
    });
  });

  describe("slow requests", () => {
    it("a body trickled a byte at a time is cut with a 408 once the request timeout passes", async () => {
      const response = await rawRequest({
        url: app.url,
        waitMs: 8000,
        write: async (socket) => {
          socket.write(
            "POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
              "Content-Length: 50\r\n\r\n",
          );
          for (let i = 0; i < 40 && !socket.destroyed; i += 1) {
            socket.write(" ");
            await sleep(200);
          }
        },
      });
      expectRawProblem(response, 408, "request_timeout");
      expect(response.elapsedMs).toBeLessThan(4000);
    });
  });

  describe("request ids", () => {
    it("an acceptable incoming X-Request-Id is echoed, anything else is replaced", async () => {
      const given = await fetch(`${app.url}/v1/me`, { headers: { "x-request-id": "trace-42.a" } });
      expect(given.headers.get("x-request-id")).toBe("trace-42.a");
      const hostile = await fetch(`${app.url}/v1/me`, {
        headers: { "x-request-id": `${"x".repeat(200)}` },
      });
      expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const none = await fetch(`${app.url}/healthz`);
      expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe("metrics", () => {
    it("a scrape shows requests by route pattern and status, and the reconciler's state", async () => {
      const created = await api.post("/v1/resources", {
        project_id: project.id,
        resource_type: "graph",
        sku: "standard",
        name: "metered",
      });
      expect(created.status).toBe(201);
      for (let i = 0; i < 3; i += 1) await api.get(`/v1/resources/${created.body.id}`);
      await api.get("/v1/resources/missing");
      // Creates write no change mark under the local provider (it keeps no copy of the ledger); a
      // rename still marks the account, and the worker is off in tests, so that mark stays pending.
      const renamed = await api.send(
        "PATCH",
        `/v1/billing-accounts/${organization.primary_billing_account_id}`,
        JSON.stringify({ name: "Transport" }),
        { "content-type": "application/json" },
      );
      expect(renamed.status).toBe(200);
      const scrape = await fetch(`${app.url}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get("content-type")).toMatch(/^text\/plain/);
      const text = await scrape.text();
      const value = (series: string) => seriesValue({ text, series });
      expect(
        value('ktrlplane_http_requests_total{method="GET",route="/v1/resources/:id",status="200"}'),
      ).toBeGreaterThanOrEqual(3);
      expect(
        value('ktrlplane_http_requests_total{method="GET",route="/v1/resources/:id",status="404"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain(created.body.id);
      expect(text).toMatch(
        /ktrlplane_http_request_duration_seconds_count\{method="POST",route="\/v1\/resources",status="201"\} \d+/,
      );
      expect(value("ktrlplane_reconciler_pending_accounts")).toBeGreaterThanOrEqual(1);
      expect(value("ktrlplane_reconciler_lag_seconds")).toBeGreaterThanOrEqual(0);
      expect(value("ktrlplane_provider_writes_this_hour")).toBe(0);
      expect(text).toContain("# TYPE ktrlplane_login_failures_total counter");
      expect(text).toContain("# TYPE ktrlplane_stripe_rate_limited_total counter");
    });
  });
});
