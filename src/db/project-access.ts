import type { Role } from "../domain/roles.js";
import type { BillingAccountRow } from "./billing-accounts.js";
import type { Queryable } from "./database.js";
import type { ProjectRow } from "./projects.js";
import { liveSessionQuery } from "./sessions.js";
import { cached, first, sqlb } from "./typed.js";

export interface ProjectAccess {
  project: ProjectRow;
  organizationRole: Role | null;
  projectRole: Role | null;
  /** The account paying for the project now (the organization's primary one when inheriting). */
  account: BillingAccountRow;
  /** With `session`: its `last_used_at` if it lives, else null. */
  sessionLastUsed?: Date | null;
}

/** The caller's session, to read in the same statement (see `DeferredSession`). */
export type SessionRead = { tokenHash: string; idleSince: Date };

/**
 * Everything a request inside a project needs, in one round trip: the project (optionally
 * locked), the caller's roles at both scopes, the account that pays, and with `session` whether
 * the caller's session lives. This is the hot path of every resource create and delete.
 */
export async function loadProjectAccess(
  options: {
    db: Queryable;
    userId: string;
    lock?: "share" | "update";
    session?: SessionRead;
  } & ProjectRef,
): Promise<ProjectAccess | undefined> {
  // Blocked behind a billing switch (or a change of the primary account), PostgreSQL re-checks
  // the locked project row alone against the account row it had already joined, finds they no
  // longer match and returns nothing. A fresh statement sees the switch committed, so a locked
  // read that comes back empty is retried.
  const attempts = options.lock ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const access = await readProjectAccess(options);
    if (access || attempt >= attempts) return access;
  }
}

/**
 * The project by its id, or the project of a live resource: a delete reads its resource's
 * project in the same statement instead of one round trip before it.
 */
export type ProjectRef = { projectId: string } | { resourceId: string };

type AccessParams = { projectId: string; userId: string };
type ResourceAccessParams = { resourceId: string; userId: string };

// `params` are `cached` placeholders: they are placed, never inspected (hence no `in` on them).
function projectAccessQuery(
  params: { userId: string; projectId?: string; resourceId?: string } & Partial<SessionRead>,
  by: "project" | "resource",
  session: "with session" | "without",
) {
  const { userId } = params;
  return sqlb
    .selectFrom("ktrlplane.projects as p")
    .innerJoin("ktrlplane.organizations as o", "o.id", "p.organization_id")
    .innerJoin("ktrlplane.billing_accounts as a", (join) =>
      join.on((eb) =>
        eb("a.id", "=", eb.fn.coalesce("p.billing_account_id", "o.primary_billing_account_id")),
      ),
    )
    .leftJoin("ktrlplane.memberships as om", (join) =>
      join
        .on("om.user_id", "=", userId)
        .onRef("om.organization_id", "=", "p.organization_id")
        .on("om.project_id", "is", null),
    )
    .leftJoin("ktrlplane.memberships as pm", (join) =>
      join.on("pm.user_id", "=", userId).onRef("pm.project_id", "=", "p.id"),
    )
    .select([
      "p.id",
      "p.organization_id",
      "p.name",
      "p.billing_mode",
      "p.billing_account_id",
      "p.created_at",
      "p.deleted_at",
      "om.role as organization_role",
      "pm.role as project_role",
      "a.id as a_id",
      "a.organization_id as a_organization_id",
      "a.name as a_name",
      "a.currency as a_currency",
      "a.status as a_status",
      "a.scope as a_scope",
      "a.owner_project_id as a_owner_project_id",
      "a.created_at as a_created_at",
      "a.closed_at as a_closed_at",
    ])
    .where("p.id", "=", (eb) =>
      by === "project"
        ? eb.val(params.projectId as string)
        : eb
            .selectFrom("ktrlplane.resources as r")
            .select("r.project_id")
            .where("r.id", "=", params.resourceId as string)
            .where("r.deleted_at", "is", null),
    )
    .where("p.deleted_at", "is", null)
    .$if(session === "with session", (q) =>
      q.select(
        liveSessionQuery({
          userId,
          tokenHash: params.tokenHash as string,
          idleSince: params.idleSince as Date,
        }).as("session_last_used_at"),
      ),
    );
}

// Compiled once each: this is the hot path of every create and delete. The organization row is
// taken FOR KEY SHARE too (the foreign keys of the rows we insert take it anyway): a change of the
// primary account locks it FOR UPDATE, so an inheriting project's request waits for it, then
// finds the account it had joined is no longer the primary and reads again (see above).
function lockVariants<P extends Record<string, unknown>>(
  build: (params: P) => ReturnType<typeof projectAccessQuery>,
) {
  return {
    none: cached(build),
    update: cached((p: P) => build(p).forUpdate("p").forKeyShare("o")),
    // The weakest lock that still excludes FOR UPDATE (switch, deletion): the same one the
    // foreign keys of the rows we insert take anyway, so concurrent creates add no lock work.
    share: cached((p: P) => build(p).forKeyShare(["p", "o"])),
  };
}
const projectAccess = lockVariants((p: AccessParams) =>
  projectAccessQuery(p, "project", "without"),
);
const resourceAccess = lockVariants((p: ResourceAccessParams) =>
  projectAccessQuery(p, "resource", "without"),
);
// The session's `last_used_at` as one more column: null when it has ended.
const projectAccessWithSession = lockVariants((p: AccessParams & SessionRead) =>
  projectAccessQuery(p, "project", "with session"),
);
const resourceAccessWithSession = lockVariants((p: ResourceAccessParams & SessionRead) =>
  projectAccessQuery(p, "resource", "with session"),
);

async function readProjectAccess(
  options: {
    db: Queryable;
    userId: string;
    lock?: "share" | "update";
    session?: SessionRead;
  } & ProjectRef,
): Promise<ProjectAccess | undefined> {
  const { userId, session } = options;
  const lock = options.lock ?? "none";
  const row = await first(
    options.db,
    "projectId" in options
      ? session
        ? projectAccessWithSession[lock]({ projectId: options.projectId, userId, ...session })
        : projectAccess[lock]({ projectId: options.projectId, userId })
      : session
        ? resourceAccessWithSession[lock]({ resourceId: options.resourceId, userId, ...session })
        : resourceAccess[lock]({ resourceId: options.resourceId, userId }),
  );
  if (!row) return undefined;
  return {
    ...(session ? { sessionLastUsed: row.session_last_used_at ?? null } : {}),
    project: {
      id: row.id,
      organization_id: row.organization_id,
      name: row.name,
      billing_mode: row.billing_mode,
      billing_account_id: row.billing_account_id,
      created_at: row.created_at,
      deleted_at: row.deleted_at,
    },
    organizationRole: row.organization_role,
    projectRole: row.project_role,
    account: {
      id: row.a_id,
      organization_id: row.a_organization_id,
      name: row.a_name,
      currency: row.a_currency,
      status: row.a_status,
      scope: row.a_scope,
      owner_project_id: row.a_owner_project_id,
      created_at: row.a_created_at,
      closed_at: row.a_closed_at,
    },
  };
}
