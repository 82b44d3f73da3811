import { authorizeProject } from "../access/authorize.js";
import type { AppContext } from "../context.js";
import type { Transaction } from "../db/database.js";
import { newId } from "../db/ids.js";
import {
  insertResourceAndStartBilling,
  refuseQuantitiesOverLimit,
  writesChangeMarks,
} from "../db/ledger.js";
import type { ProjectRow } from "../db/projects.js";
import type { ResourceRow } from "../db/resources.js";
import { QUANTITY_LIMIT } from "../domain/pricing.js";
import type { DeferredSession } from "../identity/deferred-session.js";
import { checkQuota } from "../limits/check-quota.js";
import { type CreateProjectInput, createProject } from "../projects/create-project.js";
import { checkAccountAccepts } from "./check-account-accepts.js";
import { findPrice } from "./find-price.js";
import type { ProjectBilling } from "./project-billing.js";

export interface CreateResourceInput {
  project_id?: string;
  project?: CreateProjectInput;
  resource_type: string;
  sku: string;
  name: string;
}

/**
 * Creates the resource and opens its ledger interval on the account that pays for its project,
 * in the caller's transaction: a resource never exists unbilled, nor billed without existing.
 * Flow 2: with `project` instead of `project_id` the project (and a first organization) is
 * created in the same transaction.
 */
export async function createResource(options: {
  ctx: AppContext;
  tx: Transaction;
  userId: string;
  /** The caller's session when its read was left to this request's first statement. */
  session?: DeferredSession | undefined;
  input: CreateResourceInput;
}): Promise<{ resource: ResourceRow; project: ProjectRow; billing: ProjectBilling }> {
  const { ctx, tx, userId, input, session } = options;
  const price = findPrice({
    catalog: ctx.catalog,
    resourceType: input.resource_type,
    sku: input.sku,
  });
  // A share lock: resources may come and go side by side, but not during a billing switch.
  // An inline project is new and ours alone, but the creator may still lack rights over
  // resources in it. Its writes come first, so the session is read before them.
  if (input.project) await session?.readIn(tx);
  const projectId = input.project
    ? (await createProject({ ctx, tx, userId, input: input.project, fieldPrefix: "project." })).id
    : (input.project_id ?? "");
  const { project, billing } = await authorizeProject({
    db: tx,
    userId,
    projectId,
    action: "write_resources",
    lock: "share",
    session,
  });
  checkAccountAccepts({ account: billing.account, price });
  const at = ctx.clock();
  const resource: ResourceRow = {
    id: newId("res"),
    organization_id: project.organization_id,
    project_id: project.id,
    name: input.name,
    resource_type: price.resource_type,
    sku: price.sku,
    created_at: at,
    deleted_at: null,
  };
  // The count is sent right behind the insert, not after its answer (one round trip for both): it
  // still runs after it. Should the insert fail, the count fails with it (the transaction is
  // aborted), and the insert's error is the one answered.
  const inserted = insertResourceAndStartBilling({
    db: tx,
    resource,
    billingAccountId: billing.billing_account_id,
    marks: writesChangeMarks(ctx.provider),
  });
  const counted = checkQuota({
    tx,
    quotas: ctx.quotas,
    organizationId: project.organization_id,
    quota: "resources",
    // An account holds of one price at most what its organization holds in all (each open
    // interval is a live resource of one of its projects), which the quota's count has just
    // read: only past QUANTITY_LIMIT there is the account counted, which the hot path never is.
    refuseFirst: async (used) => {
      if (used <= QUANTITY_LIMIT) return;
      await refuseQuantitiesOverLimit({
        db: tx,
        accountIds: [billing.billing_account_id],
        price,
      });
    },
  });
  counted.catch(() => {});
  await inserted;
  await counted;
  return { resource, project, billing };
}
