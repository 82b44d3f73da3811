-- Sessions end after 14 days without use (sliding) or at log-out. Tokens issued before this
-- migration start their 14 days now, rather than expiring at once.
ALTER TABLE ktrlplane.api_tokens
  ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX api_tokens_user ON ktrlplane.api_tokens (user_id);

-- Failed log-ins per account (a digest of the email, known or not) and per client address; every
-- API process reads and writes the same rows, so throttling holds across processes.
CREATE TABLE ktrlplane.login_throttle (
  key             text PRIMARY KEY,
  failures        integer NOT NULL,
  last_failure_at timestamptz NOT NULL,
  locked_until    timestamptz
);

-- Machine tokens (CI, Terraform): scoped to one organization and a set of actions. Each has a
-- user row of its own (same id, no usable password) so that memberships, audit and idempotency
-- keys refer to it like to a person; only the SHA-256 digest of the secret is kept.
CREATE TABLE ktrlplane.machine_tokens (
  id              text PRIMARY KEY REFERENCES ktrlplane.users(id),
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  name            text NOT NULL,
  token_hash      text NOT NULL UNIQUE,
  scopes          jsonb NOT NULL,
  created_by      text NOT NULL REFERENCES ktrlplane.users(id),
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz,
  last_used_at    timestamptz,
  revoked_at      timestamptz
);
CREATE INDEX machine_tokens_organization ON ktrlplane.machine_tokens (organization_id, created_at, id);
