/** Who may do what. A role held at organization scope applies to every project of it. */
export const roles = ["owner", "billing_admin", "editor", "viewer"] as const;
export type Role = (typeof roles)[number];

export type Action =
  | "read"
  | "manage_billing"
  | "write_resources"
  | "write_projects"
  | "manage_members"
  | "manage_organization"
  | "read_audit";

const allowed: Record<Role, readonly Action[]> = {
  owner: [
    "read",
    "manage_billing",
    "write_resources",
    "write_projects",
    "manage_members",
    "manage_organization",
    "read_audit",
  ],
  billing_admin: ["read", "manage_billing", "read_audit"],
  editor: ["read", "write_resources", "write_projects"],
  viewer: ["read"],
};

/** Grants add up: an organization billing admin who is also a project editor may do both. */
export function rolesAllow(options: { roles: readonly Role[]; action: Action }): boolean {
  return options.roles.some((role) => allowed[role].includes(options.action));
}

/** What the caller may do where they stand, for screens that hide what a role cannot do. */
export type Permissions = Record<Exclude<Action, "read">, boolean>;

export function permissionsOf(held: readonly Role[]): Permissions {
  const can = (action: Action) => rolesAllow({ roles: held, action });
  return {
    manage_billing: can("manage_billing"),
    write_resources: can("write_resources"),
    write_projects: can("write_projects"),
    manage_members: can("manage_members"),
    manage_organization: can("manage_organization"),
    read_audit: can("read_audit"),
  };
}
