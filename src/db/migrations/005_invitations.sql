-- Invitations to join an organization, or one of its projects, with a role. Inviting answers the
-- same whether or not the email has an account, and nobody becomes a member without accepting.
-- Only the SHA-256 digest of the token is kept: the inviter sees the token once.
CREATE TABLE ktrlplane.invitations (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  project_id      text REFERENCES ktrlplane.projects(id),
  email           text NOT NULL,
  role            text NOT NULL CHECK (role IN ('owner', 'billing_admin', 'editor', 'viewer')),
  token_hash      text NOT NULL UNIQUE,
  invited_by      text NOT NULL REFERENCES ktrlplane.users(id),
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  accepted_at     timestamptz,
  accepted_by     text REFERENCES ktrlplane.users(id),
  revoked_at      timestamptz
);
CREATE INDEX invitations_organization ON ktrlplane.invitations (organization_id, created_at, id);
