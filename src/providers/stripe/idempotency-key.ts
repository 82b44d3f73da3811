import { createHash } from "node:crypto";

/**
 * Deterministic keys: the same write for the same desired-state version always carries the same
 * key, so a retry after a crash or a lost response is answered from Stripe's idempotency cache
 * instead of writing twice. The parameters are in the hash, so a key is never reused for another
 * request.
 */
export function idempotencyKey(options: {
  scope: string;
  version?: number;
  params: unknown;
}): string {
  const digest = createHash("sha256")
    .update(JSON.stringify(options.params))
    .digest("hex")
    .slice(0, 32);
  return `ktrlplane:${options.scope}:${options.version ?? 0}:${digest}`;
}
