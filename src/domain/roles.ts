/** Who may do what. A role held at organization scope applies to every project of it. */
export const roles = ["owner", "billing_admin", "editor", "viewer"] as const;
export type Role = (typeof roles)[number];

export type Action =
  | "read"
  | "manage_billing"
  | "write_resources"
  | "write_projects"
  | "manage_members"
  | "read_audit";

const allowed: Record<Role, readonly Action[]> = {
  owner: [
    "read",
    "manage_billing",
    "write_resources",
    "write_projects",
    "manage_members",
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
