import type { ProjectBilling } from "../billing/project-billing.js";
import { type BillingAccountRow, getBillingAccount } from "../db/billing-accounts.js";
import type { Queryable } from "../db/database.js";
import { rolesOf } from "../db/memberships.js";
import { getOrganization, type OrganizationRow } from "../db/organizations.js";
import { loadProjectAccess, type ProjectRef } from "../db/project-access.js";
import type { ProjectRow } from "../db/projects.js";
import { getResource, type ResourceRow } from "../db/resources.js";
import { AppError, notFound } from "../domain/errors.js";
import { type Action, type Role, rolesAllow } from "../domain/roles.js";
import type { DeferredSession } from "../identity/deferred-session.js";
import { assertMachineAllows } from "./machine-scopes.js";

function forbidden(action: Action): AppError {
  return new AppError({
    code: "forbidden",
    message: `Your role does not allow ${action.replaceAll("_", " ")} here`,
  });
}

/**
 * Organization-wide actions need a role held at organization scope. Someone with no role at all
 * in the organization is told it does not exist: ids of other tenants are never confirmed.
 */
export async function authorizeOrganization(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  action: Action;
}): Promise<{ organization: OrganizationRow; role: Role | null }> {
  const { db, userId, organizationId, action } = options;
  const organization = await getOrganization({ db, id: organizationId });
  if (!organization) throw notFound("Organization");
  const { organizationRole, projectRoles } = await rolesOf({ db, userId, organizationId });
  if (organizationRole === null && projectRoles.size === 0) throw notFound("Organization");
  await assertMachineAllows({ db, userId, organizationId, action, notFoundAs: "Organization" });
  if (organizationRole === null || !rolesAllow({ roles: [organizationRole], action })) {
    throw forbidden(action);
  }
  return { organization, role: organizationRole };
}

/** Whether the user holds, at organization scope, a role that allows `action`. */
export async function holdsOrganizationRole(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
  action: Action;
}): Promise<boolean> {
  const { organizationRole } = await rolesOf(options);
  const machineAllows = await assertMachineAllows({ ...options, notFoundAs: "Organization" }).then(
    () => true,
    () => false,
  );
  return (
    machineAllows &&
    organizationRole !== null &&
    rolesAllow({ roles: [organizationRole], action: options.action })
  );
}

/** Any role in the organization, at either scope, may see the organization itself. */
export async function authorizeOrganizationMember(options: {
  db: Queryable;
  userId: string;
  organizationId: string;
}): Promise<{
  organization: OrganizationRow;
  role: Role | null;
  projectIds: string[];
  projectRoles: Map<string, Role>;
}> {
  const organization = await getOrganization({ db: options.db, id: options.organizationId });
  if (!organization) throw notFound("Organization");
  const { organizationRole, projectRoles } = await rolesOf(options);
  if (organizationRole === null && projectRoles.size === 0) throw notFound("Organization");
  await assertMachineAllows({ ...options, action: "read", notFoundAs: "Organization" });
  return {
    organization,
    role: organizationRole,
    projectIds: [...projectRoles.keys()],
    projectRoles,
  };
}

/**
 * The project (by id, or a live resource's), for the caller's roles at either scope. With a
 * `session` left to this read, the read carries it: a caller whose session has ended gets 401
 * before anything else is told (when no project is found, the route reads it afterwards).
 */
export async function authorizeProject(
  options: {
    db: Queryable;
    userId: string;
    action: Action;
    lock?: "share" | "update";
    session?: DeferredSession | undefined;
  } & ProjectRef,
): Promise<{ project: ProjectRow; roles: Role[]; billing: ProjectBilling }> {
  const { db, userId, action } = options;
  const session = options.session?.read === false ? options.session : undefined;
  const access = await loadProjectAccess({ ...options, session: session?.params });
  if (!access) throw notFound("Project");
  session?.record(access.sessionLastUsed ?? null);
  const roles = [access.organizationRole, access.projectRole].filter((r): r is Role => r !== null);
  if (roles.length === 0) throw notFound("Project");
  await assertMachineAllows({
    db,
    userId,
    organizationId: access.project.organization_id,
    action,
    notFoundAs: "Project",
  });
  if (!rolesAllow({ roles, action })) throw forbidden(action);
  const { project, account } = access;
  return {
    project,
    roles,
    billing: {
      mode: project.billing_mode,
      billing_account_id: account.id,
      inherited: project.billing_mode === "inherit",
      account,
    },
  };
}

/** A billing account, for organization-scope roles; other tenants' accounts do not exist. */
export async function authorizeBillingAccount(options: {
  db: Queryable;
  userId: string;
  billingAccountId: string;
  action: Action;
}): Promise<BillingAccountRow> {
  const { db, userId, billingAccountId, action } = options;
  const account = await getBillingAccount({ db, id: billingAccountId });
  if (!account) throw notFound("Billing account");
  await authorizeOrganization({
    db,
    userId,
    organizationId: account.organization_id,
    action,
  }).catch((error) => {
    throw error instanceof AppError && error.code === "not_found"
      ? notFound("Billing account")
      : error;
  });
  return account;
}

/**
 * A resource, for the roles of its project; a resource of another tenant is answered exactly like
 * one that does not exist (404 Resource, never 404 Project or 403 of a project one cannot see).
 */
export async function authorizeResource(options: {
  db: Queryable;
  userId: string;
  resourceId: string;
  action: Action;
}): Promise<{ resource: ResourceRow; project: ProjectRow; billing: ProjectBilling }> {
  const { db, userId, action } = options;
  const resource = await getResource({ db, id: options.resourceId });
  if (!resource) throw notFound("Resource");
  const { project, billing } = await authorizeProject({
    db,
    userId,
    projectId: resource.project_id,
    action,
  }).catch((error) => {
    throw error instanceof AppError && error.code === "not_found" ? notFound("Resource") : error;
  });
  return { resource, project, billing };
}
