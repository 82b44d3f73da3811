import type { RecordedRequest, StripeEmulator } from "./stripe-emulator/index.js";

function canonical(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(canonical);
  const record = value as Record<string, unknown>;
  return Object.keys(record)
    .sort()
    .map((k) => [k, canonical(record[k])]);
}

/**
 * Applied writes, per Stripe customer they concern (prices and products: one "catalog" group):
 * a write identical (method, path, parameters) to the previous applied write of its group but
 * under another idempotency key repeats it; an idempotency key applied twice, or a POST without
 * one, is also wrong. Checkout Sessions are the only writes allowed the SDK's random key.
 */
export function repeatedStripeWrites(emulator: StripeEmulator): string[] {
  const itemSubscription = new Map<string, string>();
  for (const event of emulator.events()) {
    if (!event.type.startsWith("customer.subscription.")) continue;
    const sub = event.data.object as { id: string; items: { data: { id: string }[] } };
    for (const item of sub.items.data) itemSubscription.set(item.id, sub.id);
  }
  const customerOfSubscription = (id: string | undefined) =>
    id === undefined ? undefined : emulator.state.subscriptions.get(id)?.customer;
  const customerOfAccount = (accountId: unknown) =>
    [...emulator.state.customers.values()].find(
      (c) => c.metadata?.ktrlplane_billing_account_id === accountId,
    )?.id;
  const groupOf = (r: RecordedRequest): string => {
    const params = r.params as Record<string, any>;
    const [, , kind, id] = r.path.split("/");
    if (kind === "customers")
      return id ?? customerOfAccount(params.metadata?.ktrlplane_billing_account_id) ?? "?";
    if (kind === "subscriptions") return id ? (customerOfSubscription(id) ?? id) : params.customer;
    if (kind === "subscription_items")
      return (
        customerOfSubscription(id ? itemSubscription.get(id) : params.subscription) ?? `item:${id}`
      );
    if (kind === "checkout") return params.customer;
    return "catalog";
  };

  const violations: string[] = [];
  const last = new Map<string, { signature: string; key: string | null }>();
  const appliedKeys = new Set<string>();
  for (const r of emulator.requests) {
    if (!(r.write && !r.replayed && r.status >= 200 && r.status < 300)) continue;
    const signature = JSON.stringify([r.method, r.path, canonical(r.params)]);
    // Stripe takes idempotency keys on POST only; a DELETE is idempotent by itself (a repeat
    // answers 404), so the emulator records none for it.
    if (r.method !== "POST") {
      // fall through to the repeat check
    } else if (r.idempotencyKey === null) violations.push(`no idempotency key: ${signature}`);
    else if (!r.idempotencyKey.startsWith("ktrlplane:") && !r.path.startsWith("/v1/checkout/"))
      violations.push(`not a deterministic key (${r.idempotencyKey}): ${signature}`);
    if (r.idempotencyKey !== null) {
      if (appliedKeys.has(r.idempotencyKey))
        violations.push(`applied twice under ${r.idempotencyKey}`);
      appliedKeys.add(r.idempotencyKey);
    }
    const group = groupOf(r);
    const previous = last.get(group);
    if (previous && previous.signature === signature && previous.key !== r.idempotencyKey)
      violations.push(
        `repeated under a new key (${previous.key} → ${r.idempotencyKey}): ${signature}`,
      );
    last.set(group, { signature, key: r.idempotencyKey });
  }
  return violations;
}
