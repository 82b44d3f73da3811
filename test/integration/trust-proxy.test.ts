import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// Behind a load balancer every request arrives from the balancer's address. With
// KTRLPLANE_TRUST_PROXY naming it, the client's address comes from X-Forwarded-For, so log-in
// throttling counts each client apart; without it, X-Forwarded-For is only a header anyone can send.

/** A failed log-in (an unknown email), from `forwardedFor` as the balancer tells it. */
function failLogIn(app: TestApp, options: { email: string; forwardedFor: string }) {
  return app
    .client()
    .post(
      "/v1/auth/login",
      { email: options.email, password: "not the password at all" },
      { "x-forwarded-for": options.forwardedFor },
    );
}

async function failUntilLocked(app: TestApp, forwardedFor: string): Promise<number> {
  for (let attempt = 1; attempt <= 30; attempt++) {
    const response = await failLogIn(app, { email: `nobody-${attempt}@example.com`, forwardedFor });
    if (response.status === 429) return attempt;
    expect(response.status).toBe(401);
  }
  throw new Error(`${forwardedFor} was never locked`);
}

describe.skipIf(!testDatabaseAvailable)("KTRLPLANE_TRUST_PROXY", () => {
  let behindProxy: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    behindProxy = await startTestApp({ env: { KTRLPLANE_TRUST_PROXY: "loopback" } });
    direct = await startTestApp();
  }, 180_000);
  afterAll(async () => {
    await Promise.all([behindProxy?.close(), direct?.close()]);
  });

  it("from a trusted proxy, X-Forwarded-For is the address that log-in failures count against", async () => {
    expect(await failUntilLocked(behindProxy, "203.0.113.7")).toBeGreaterThan(20);
    const other = await failLogIn(behindProxy, {
      email: "someone@example.com",
      forwardedFor: "203.0.113.8",
    });
    expect(other.status).toBe(401);
  });

  it("by default X-Forwarded-For is ignored: a new value does not escape the lock", async () => {
    await failUntilLocked(direct, "203.0.113.7");
    const spoofed = await failLogIn(direct, {
      email: "someone@example.com",
      forwardedFor: "203.0.113.8",
    });
    expect(spoofed.status).toBe(429);
    expect(spoofed.headers.get("retry-after")).not.toBeNull();
  });
});
