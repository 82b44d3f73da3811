import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";

/** A logger at debug whose lines land in an array. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const log = createLogger({ level: "debug", destination });
  return { log, lines, output: () => lines.join("\n") };
}

const stripeKey = "sk_test_51NxKtrlplaneSecretKey0123456789";
const webhookSecret = "whsec_KtrlplaneWebhookSecret42";

describe("the logger", () => {
  it("redacts the authorization header, cookies and the Stripe signature of a request", () => {
    const { log, lines, output } = capturingLogger();
    log.info(
      {
        req: {
          method: "POST",
          headers: {
            authorization: "Bearer kp_session_token_abcdef",
            cookie: "session=abcdef",
            "stripe-signature": "t=1,v1=deadbeef",
            "content-type": "application/json",
          },
        },
      },
      "incoming request",
    );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "");
    expect(line.req.headers).toEqual({
      authorization: "[redacted]",
      cookie: "[redacted]",
      "stripe-signature": "[redacted]",
      "content-type": "application/json",
    });
    expect(output()).not.toContain("kp_session_token_abcdef");
    expect(output()).not.toContain("deadbeef");
  });

  it("never writes a Stripe secret key or webhook secret, wherever it appears", () => {
    const { log, output } = capturingLogger();
    log.info(
      {
        config: { STRIPE_SECRET_KEY: stripeKey, STRIPE_WEBHOOK_SECRET: webhookSecret, PORT: 8080 },
      },
      "configuration",
    );
    log.warn({ stripe: { apiKey: stripeKey, nested: [{ password: "hunter2" }] } }, "nested");
    log.error(
      { err: new Error(`Invalid API Key provided: ${stripeKey}`) },
      `stripe call failed with ${stripeKey} and ${webhookSecret}`,
    );
    log.child({ billing_account_id: "ba_1" }).warn({ token: "kp_abc" }, "from a child logger");
    log.info("postgresql://ktrlplane:hunter2@db.internal:5432/ktrlplane");

    const text = output();
    expect(text).not.toContain(stripeKey);
    expect(text).not.toContain(webhookSecret);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("kp_abc");
    // What is not secret survives, so the lines stay useful.
    expect(text).toContain('"PORT":8080');
    expect(text).toContain('"billing_account_id":"ba_1"');
    expect(text).toContain("Invalid API Key provided: sk_test_[redacted]");
    expect(text).toContain("db.internal:5432");
  });

  it("logs nothing below its level", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "silent",
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    log.error("hidden");
    expect(lines).toEqual([]);
  });
});
