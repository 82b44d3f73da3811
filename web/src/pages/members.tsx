/**
 * Members of an organization or of one project: the list, invite by email (the link to send is
 * shown once), pending invitations with revoke, change role, remove, and a small table of what
 * each role may do. Only owners see the controls; others see the list.
 */
import { type FormEvent, useRef, useState } from "react";
import {
  type ApiError,
  api,
  type Invitation,
  type InvitationSent,
  type Member,
  type Role,
} from "../api";
import { ConfirmDialog } from "../components/confirm-dialog";
import { RenameButton } from "../components/rename-dialog";
import {
  Breadcrumbs,
  ErrorNotice,
  Field,
  Loading,
  Notice,
  PageHeader,
  ShowMore,
} from "../components/ui";
import { useSession } from "../session";
import { useApi, usePagedApi } from "../use-api";
import { roleWord } from "./landing";
import "../team.css";

const roleOptions: Role[] = ["owner", "billing_admin", "editor", "viewer"];

const matrix: [string, Record<Role, boolean>][] = [
  [
    "See projects, resources and costs",
    { owner: true, billing_admin: true, editor: true, viewer: true },
  ],
  [
    "Create, rename and delete projects and resources",
    { owner: true, billing_admin: false, editor: true, viewer: false },
  ],
  [
    "Change billing, add billing accounts, read the audit log",
    { owner: true, billing_admin: true, editor: false, viewer: false },
  ],
  [
    "Invite, change and remove members; rename the organization",
    { owner: true, billing_admin: false, editor: false, viewer: false },
  ],
];

export function RoleMatrix({ scope }: { scope: "organization" | "project" }) {
  return (
    <section className="panel" aria-labelledby="roles-heading">
      <h2 id="roles-heading">Who can do what</h2>
      <p className="muted small">
        {scope === "organization"
          ? "A role in the organization applies to every project in it."
          : "A role on this project applies to this project only; organization roles apply too."}
      </p>
      <div className="team-table-wrap">
        <table className="table team-matrix">
          <thead>
            <tr>
              <th scope="col">Action</th>
              {roleOptions.map((r) => (
                <th scope="col" key={r}>
                  {roleWord(r)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.map(([action, allowed]) => (
              <tr key={action}>
                <th scope="row">{action}</th>
                {roleOptions.map((r) => (
                  <td key={r}>
                    {allowed[r] ? (
                      <>
                        <span aria-hidden="true">✓</span>
                        <span className="visually-hidden">yes</span>
                      </>
                    ) : (
                      <>
                        <span aria-hidden="true">—</span>
                        <span className="visually-hidden">no</span>
                      </>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function MembersPage({ scope, id }: { scope: "organization" | "project"; id: string }) {
  const { me, refresh } = useSession();
  const isOrg = scope === "organization";
  const subject = useApi(async () => {
    const found = isOrg ? await api.organization(id) : await api.project(id);
    return {
      name: found.name,
      organizationId: "organization_id" in found ? found.organization_id : found.id,
      can: found.permissions,
    };
  }, [scope, id]);
  const members = usePagedApi(
    (cursor) => (isOrg ? api.organizationMembers(id, cursor) : api.projectMembers(id, cursor)),
    [scope, id],
  );
  // Pending invitations of both scopes are listed to organization owners, on the organization's page.
  const invitations = useApi(
    async () =>
      isOrg && (await api.organization(id)).permissions.manage_members
        ? api.pendingInvitations(id)
        : [],
    [scope, id],
  );
  const [sent, setSent] = useState<InvitationSent | null>(null);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [inviteError, setInviteError] = useState<ApiError | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  if (subject.loading && !subject.data) return <Loading what="Loading members" />;
  if (subject.error || !subject.data)
    return <ErrorNotice error={subject.error} title="Members could not be loaded." />;
  const s = subject.data;
  const canManage = s.can.manage_members;
  const org = me?.organizations.find((o) => o.id === s.organizationId);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setInviteError(null);
    setMessage(null);
    try {
      const body = { email: email.trim(), role };
      setSent(
        isOrg ? await api.addOrganizationMember(id, body) : await api.addProjectMember(id, body),
      );
      setEmail("");
      invitations.reload();
    } catch (e) {
      setInviteError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }
  async function revoke(invitation: Invitation) {
    setActionError(null);
    setMessage(null);
    try {
      await api.revokeInvitation(invitation.id);
      if (sent?.id === invitation.id) setSent(null);
      setMessage(`The invitation of ${invitation.email} was revoked; its link no longer works.`);
      invitations.reload();
    } catch (e) {
      setActionError(e as ApiError);
    }
  }
  async function change(member: Member, next: Role) {
    setActionError(null);
    setMessage(null);
    try {
      if (isOrg) await api.changeOrganizationMember(id, member.user_id, next);
      else await api.changeProjectMember(id, member.user_id, next);
      setMessage(`${member.name} is now ${roleWord(next)}.`);
      members.reload();
      if (member.user_id === me?.user.id) await refresh();
    } catch (e) {
      setActionError(e as ApiError);
      members.reload();
    }
  }
  async function remove(member: Member) {
    setActionError(null);
    setMessage(null);
    try {
      if (isOrg) await api.removeOrganizationMember(id, member.user_id);
      else await api.removeProjectMember(id, member.user_id);
      setRemoving(null);
      setMessage(`${member.name} was removed from the ${scope}.`);
      members.reload();
      heading.current?.focus();
      if (member.user_id === me?.user.id) await refresh();
    } catch (e) {
      setRemoving(null);
      setActionError(e as ApiError);
    }
  }

  return (
    <div>
      <Breadcrumbs
        items={[
          { label: "Home", to: "/" },
          isOrg ? { label: s.name } : { label: s.name, to: `/projects/${id}` },
          { label: "Members" },
        ]}
      />
      <PageHeader
        eyebrow={isOrg ? "Organization" : `Project · ${org?.name ?? ""}`}
        title={`Members of ${s.name}`}
        actions={
          isOrg && s.can.manage_organization ? (
            <RenameButton
              what="organization"
              current={s.name}
              onRename={(name) => api.renameOrganization(id, name)}
              onRenamed={(name) => {
                setMessage(`Organization renamed to “${name}”.`);
                subject.reload();
                void refresh();
              }}
            />
          ) : null
        }
      />
      {message ? <Notice kind="success">{message}</Notice> : null}
      <ErrorNotice error={actionError} title="The member was not changed." />
      {canManage ? (
        <section className="panel" aria-labelledby="invite-heading">
          <h2 id="invite-heading">Invite someone</h2>
          <form className="team-invite" onSubmit={invite} aria-label="Invite a member">
            <Field
              label="Email"
              error={inviteError?.field === "email" ? inviteError.message : undefined}
            >
              {(p) => (
                <input
                  {...p}
                  type="email"
                  name="invite-email"
                  required
                  maxLength={320}
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  placeholder="name@example.com"
                />
              )}
            </Field>
            <Field label="Role">
              {(p) => (
                <select
                  {...p}
                  name="invite-role"
                  value={role}
                  onChange={(e) => setRole(e.target.value as Role)}
                >
                  {roleOptions.map((r) => (
                    <option key={r} value={r}>
                      {roleWord(r)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <div className="form-actions">
              <button type="submit" className="button-primary" disabled={busy}>
                {busy ? "Inviting…" : "Invite"}
              </button>
            </div>
          </form>
          {inviteError && inviteError.field !== "email" ? (
            <ErrorNotice error={inviteError} title="The invitation was not sent." />
          ) : null}
          {sent ? <InvitationLink sent={sent} /> : null}
        </section>
      ) : (
        <Notice>
          Only owners can invite, change or remove members. Your role: {roleWord(org?.role)}.
        </Notice>
      )}
      <section className="panel" aria-labelledby="members-heading">
        <h2 id="members-heading" ref={heading} tabIndex={-1}>
          {isOrg ? "Organization members" : "Project members"}
        </h2>
        {!isOrg ? (
          <p className="muted small">
            Organization members also have their organization role here.
          </p>
        ) : null}
        {members.loading && !members.data ? <Loading what="Loading members" /> : null}
        <ErrorNotice error={members.error} title="Members could not be loaded." />
        {members.data && members.data.length === 0 ? (
          <Notice>No one has a role here yet.</Notice>
        ) : null}
        {members.data && members.data.length > 0 ? (
          <div className="team-table-wrap">
            <table className="table team-table" data-testid="members">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  {canManage ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {members.data.map((m) => (
                  <tr key={m.user_id} data-testid={`member-${m.email}`}>
                    <td data-label="Name">
                      {m.name}
                      {m.user_id === me?.user.id ? (
                        <span className="muted small"> (you)</span>
                      ) : null}
                    </td>
                    <td data-label="Email">{m.email}</td>
                    <td data-label="Role">
                      {canManage ? (
                        <select
                          className="team-role-select"
                          aria-label={`Role of ${m.name}`}
                          value={m.role}
                          onChange={(e) => void change(m, e.target.value as Role)}
                        >
                          {roleOptions.map((r) => (
                            <option key={r} value={r}>
                              {roleWord(r)}
                            </option>
                          ))}
                        </select>
                      ) : (
                        roleWord(m.role)
                      )}
                    </td>
                    {canManage ? (
                      <td>
                        <button
                          type="button"
                          className="button-link"
                          aria-label={`Remove ${m.name}`}
                          onClick={() => setRemoving(m)}
                        >
                          Remove
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <ShowMore list={members} what="members" />
      </section>
      {invitations.data && invitations.data.length > 0 ? (
        <PendingInvitations invitations={invitations.data} onRevoke={revoke} />
      ) : null}
      <RoleMatrix scope={scope} />
      {removing ? (
        <RemoveDialog
          member={removing}
          scope={scope}
          onCancel={() => setRemoving(null)}
          onConfirm={() => remove(removing)}
        />
      ) : null}
    </div>
  );
}

function RemoveDialog({
  member,
  scope,
  onCancel,
  onConfirm,
}: {
  member: Member;
  scope: string;
  onCancel(): void;
  /** Closes the dialog either way: a failure shows on the page. */
  onConfirm(): Promise<void>;
}) {
  return (
    <ConfirmDialog
      title={`Remove ${member.name}?`}
      onClose={onCancel}
      onConfirm={onConfirm}
      confirmLabel="Remove member"
      tone="danger"
      failedTitle="The member was not removed."
    >
      <p>
        {member.name} ({member.email}) loses the role {roleWord(member.role)} in this {scope}. Roles
        they hold elsewhere stay.
      </p>
    </ConfirmDialog>
  );
}

/** The link to send, shown once: the server keeps only a digest of its token. */
function InvitationLink({ sent }: { sent: InvitationSent }) {
  const [copied, setCopied] = useState(false);
  if (!sent.accept_url) return null;
  const url = sent.accept_url;
  return (
    <div className="team-invitation-link" data-testid="invitation-link">
      <Notice kind="success">
        {sent.email} is invited as {roleWord(sent.role)}. Send them this link: it is shown only now
        and works until {new Date(sent.expires_at).toLocaleDateString()}. Anyone invited joins only
        after logging in or signing up with that email and accepting.
      </Notice>
      <Field label="Invitation link">
        {(p) => (
          <input
            {...p}
            readOnly
            value={url}
            name="invitation-link"
            onFocus={(e) => e.target.select()}
          />
        )}
      </Field>
      <button
        type="button"
        className="button-secondary"
        onClick={() =>
          void navigator.clipboard?.writeText(url).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? "Copied" : "Copy link"}
      </button>
    </div>
  );
}

function PendingInvitations({
  invitations,
  onRevoke,
}: {
  invitations: Invitation[];
  onRevoke(invitation: Invitation): Promise<void>;
}) {
  return (
    <section className="panel" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Pending invitations</h2>
      <div className="team-table-wrap">
        <table className="table team-table" data-testid="invitations">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Where</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {invitations.map((i) => (
              <tr key={i.id} data-testid={`invitation-${i.email}`}>
                <td data-label="Email">{i.email}</td>
                <td data-label="Role">{roleWord(i.role)}</td>
                <td data-label="Where">{i.scope === "project" ? "One project" : "Organization"}</td>
                <td data-label="Expires">{new Date(i.expires_at).toLocaleDateString()}</td>
                <td>
                  <button
                    type="button"
                    className="button-link"
                    aria-label={`Revoke the invitation of ${i.email}`}
                    onClick={() => void onRevoke(i)}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
