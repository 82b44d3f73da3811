import type { BillingAccountDescription } from "../billing/describe-billing-account.js";
import type { ProjectBilling } from "../billing/project-billing.js";
import type { BillingAccountRow } from "../db/billing-accounts.js";
import type { OrganizationRow } from "../db/organizations.js";
import type { ProjectRow } from "../db/projects.js";
import type { ResourceRow } from "../db/resources.js";
import type { UserRow } from "../db/users.js";
import { permissionsOf, type Role } from "../domain/roles.js";

// Rows become the API's JSON here and nowhere else.

export function presentUser(user: UserRow) {
  return { id: user.id, email: user.email, name: user.name };
}

export function presentOrganization(organization: OrganizationRow, role: Role | null) {
  return {
    id: organization.id,
    name: organization.name,
    currency: organization.currency,
    primary_billing_account_id: organization.primary_billing_account_id,
    role,
    permissions: permissionsOf(role === null ? [] : [role]),
    created_at: organization.created_at,
  };
}

export function presentMember(
  member: { user_id: string; email: string; name: string; role: Role },
  scope: "organization" | "project",
) {
  return {
    user_id: member.user_id,
    email: member.email,
    name: member.name,
    role: member.role,
    scope,
  };
}

export function presentAccountRef(account: BillingAccountRow) {
  return { id: account.id, name: account.name, scope: account.scope, status: account.status };
}

export function presentBilling(billing: ProjectBilling) {
  return {
    mode: billing.mode,
    billing_account_id: billing.billing_account_id,
    inherited: billing.inherited,
    billing_account: presentAccountRef(billing.account),
  };
}

/** `roles`: the caller's roles on the project, at both scopes. */
export function presentProject(project: ProjectRow, billing: ProjectBilling, roles: Role[]) {
  return {
    id: project.id,
    name: project.name,
    organization_id: project.organization_id,
    billing: presentBilling(billing),
    permissions: permissionsOf(roles),
    created_at: project.created_at,
  };
}

export function presentResource(resource: ResourceRow, billing: ProjectBilling) {
  return {
    id: resource.id,
    name: resource.name,
    project_id: resource.project_id,
    organization_id: resource.organization_id,
    resource_type: resource.resource_type,
    sku: resource.sku,
    created_at: resource.created_at,
    billing: presentBilling(billing),
  };
}

export function presentBillingAccount(description: BillingAccountDescription) {
  const { account } = description;
  return {
    id: account.id,
    organization_id: account.organization_id,
    name: account.name,
    scope: account.scope,
    currency: account.currency,
    status: account.status,
    primary: description.primary,
    closed_at: account.closed_at,
    current_period: description.current_period,
    items: description.items,
    projects: description.projects,
  };
}
