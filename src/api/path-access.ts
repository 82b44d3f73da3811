import {
  authorizeBillingAccount,
  authorizeOrganization,
  authorizeProject,
} from "../access/authorize.js";
import type { Action } from "../domain/roles.js";
import type { HandlerInput } from "./route.js";

// Every route checks the caller's role on the object its path names, through these.

type PathInput = Pick<HandlerInput<unknown, unknown>, "ctx" | "user" | "params">;

export function organizationInPath(input: PathInput, action: Action) {
  return authorizeOrganization({
    db: input.ctx.db,
    userId: input.user.id,
    organizationId: input.params.id ?? "",
    action,
  });
}

export function projectInPath(input: PathInput, action: Action) {
  return authorizeProject({
    db: input.ctx.db,
    userId: input.user.id,
    projectId: input.params.id ?? "",
    action,
  });
}

export function billingAccountInPath(input: PathInput, action: Action) {
  return authorizeBillingAccount({
    db: input.ctx.db,
    userId: input.user.id,
    billingAccountId: input.params.id ?? "",
    action,
  });
}
