import { createHash } from "node:crypto";
import { StripeApiError } from "./errors.js";
import type { FormObject } from "./form-encoding.js";

/** What Stripe stores for a key once the endpoint has begun executing. */
export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  fingerprint: string;
  storedAt: number;
  response: StoredResponse | null; // null while the first request is still executing
}

/** A stable fingerprint of method + path + parameters, insensitive to key order. */
function fingerprint(method: string, path: string, params: FormObject): string {
  const canonical = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    return Object.keys(record)
      .sort()
      .map((k) => [k, canonical(record[k])]);
  };
  return createHash("sha256")
    .update(JSON.stringify([method, path, canonical(params)]))
    .digest("hex");
}

export type IdempotencyOutcome =
  | { kind: "execute"; complete(response: StoredResponse): void; abandon(): void }
  | { kind: "replay"; response: StoredResponse };

/**
 * Stripe's v1 idempotency: keys are scoped to the API key, kept for `ttlMs` (24 h by default),
 * the same key with other parameters (or another endpoint) is a 400 `idempotency_error`, and a
 * key whose first request is still running is a 409 (which the SDK retries).
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {}

  begin(
    apiKey: string,
    key: string,
    method: string,
    path: string,
    params: FormObject,
  ): IdempotencyOutcome {
    if (key.length > 255) {
      throw new StripeApiError("Idempotency keys can be at most 255 characters long.", {
        param: "Idempotency-Key",
      });
    }
    const scoped = `${apiKey}\u0000${key}`;
    const print = fingerprint(method, path, params);
    const existing = this.entries.get(scoped);
    if (existing !== undefined && this.nowMs() - existing.storedAt > this.ttlMs) {
      this.entries.delete(scoped);
    } else if (existing !== undefined) {
      if (existing.fingerprint !== print) {
        throw new StripeApiError(
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          { type: "idempotency_error" },
        );
      }
      if (existing.response === null) {
        throw new StripeApiError(
          "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later.",
          { status: 409, code: "idempotency_key_in_use" },
        );
      }
      return { kind: "replay", response: existing.response };
    }
    const entry: Entry = { fingerprint: print, storedAt: this.nowMs(), response: null };
    this.entries.set(scoped, entry);
    return {
      kind: "execute",
      complete: (response) => {
        entry.response = response;
      },
      // Nothing executed (validation failed, or a fault hit before the endpoint ran): forget the
      // key so that a retry runs for real, as Stripe does.
      abandon: () => {
        if (this.entries.get(scoped) === entry) this.entries.delete(scoped);
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
