import type { Queryable } from "./database.js";
import { cached, first, sqlb } from "./typed.js";

export type UsageKind = "projects" | "resources" | "billing_accounts" | "members";

/**
 * What the organization holds of one kind, as kept by the triggers of migration 009. Read after
 * the creating write in the same transaction, it counts that write, and the row stays locked
 * until the transaction ends, so concurrent creates are counted one after the other.
 */
export async function usageOf(options: {
  db: Queryable;
  organizationId: string;
  kind: UsageKind;
}): Promise<number> {
  const row = await first(options.db, usageQuery({ organizationId: options.organizationId }));
  return row?.[options.kind] ?? 0;
}

const usageQuery = cached(({ organizationId }: { organizationId: string }) =>
  sqlb
    .selectFrom("ktrlplane.organization_usage")
    .select(["projects", "resources", "billing_accounts", "members"])
    .where("organization_id", "=", organizationId),
);
