-- The control-plane core: identity, tenancy, catalog, resources and the billing ledger.
CREATE SCHEMA IF NOT EXISTS ktrlplane;

CREATE TABLE ktrlplane.users (
  id            text PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL
);

-- Bearer tokens are stored as SHA-256 digests: a leaked table grants nothing.
CREATE TABLE ktrlplane.api_tokens (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES ktrlplane.users(id),
  created_at timestamptz NOT NULL
);

CREATE TABLE ktrlplane.organizations (
  id                         text PRIMARY KEY,
  name                       text NOT NULL,
  currency                   text NOT NULL,
  primary_billing_account_id text,
  created_at                 timestamptz NOT NULL
);

CREATE TABLE ktrlplane.billing_accounts (
  id               text PRIMARY KEY,
  organization_id  text NOT NULL REFERENCES ktrlplane.organizations(id),
  name             text NOT NULL,
  currency         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('active', 'setup_required', 'past_due', 'unpaid', 'canceled')),
  -- 'organization': the primary account or a department's; 'project': a project's own account.
  scope            text NOT NULL CHECK (scope IN ('organization', 'project')),
  owner_project_id text,
  created_at       timestamptz NOT NULL
);
CREATE INDEX billing_accounts_organization ON ktrlplane.billing_accounts (organization_id);

ALTER TABLE ktrlplane.organizations
  ADD CONSTRAINT organizations_primary_billing_account
  FOREIGN KEY (primary_billing_account_id) REFERENCES ktrlplane.billing_accounts(id)
  DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE ktrlplane.projects (
  id                 text PRIMARY KEY,
  organization_id    text NOT NULL REFERENCES ktrlplane.organizations(id),
  name               text NOT NULL,
  billing_mode       text NOT NULL CHECK (billing_mode IN ('inherit', 'separate')),
  -- NULL while inheriting: the organization's primary account is resolved at use, never copied.
  billing_account_id text REFERENCES ktrlplane.billing_accounts(id),
  created_at         timestamptz NOT NULL,
  deleted_at         timestamptz,
  CHECK ((billing_mode = 'inherit') = (billing_account_id IS NULL))
);
CREATE INDEX projects_organization ON ktrlplane.projects (organization_id) WHERE deleted_at IS NULL;

ALTER TABLE ktrlplane.billing_accounts
  ADD CONSTRAINT billing_accounts_owner_project
  FOREIGN KEY (owner_project_id) REFERENCES ktrlplane.projects(id) DEFERRABLE INITIALLY DEFERRED;

-- A role granted at organization scope (project_id NULL) or at one project's scope.
CREATE TABLE ktrlplane.memberships (
  user_id         text NOT NULL REFERENCES ktrlplane.users(id),
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  project_id      text REFERENCES ktrlplane.projects(id),
  role            text NOT NULL CHECK (role IN ('owner', 'billing_admin', 'editor', 'viewer')),
  created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX memberships_organization_scope
  ON ktrlplane.memberships (user_id, organization_id) WHERE project_id IS NULL;
CREATE UNIQUE INDEX memberships_project_scope
  ON ktrlplane.memberships (user_id, project_id) WHERE project_id IS NOT NULL;
CREATE INDEX memberships_organization ON ktrlplane.memberships (organization_id);

-- Loaded from the catalog file at start. Prices that leave the catalog are archived, not deleted,
-- so that the ledger can still price what they billed.
CREATE TABLE ktrlplane.resource_pricing (
  resource_type   text NOT NULL,
  sku             text NOT NULL,
  billing_model   text NOT NULL CHECK (billing_model IN ('free', 'per_unit', 'tiered', 'metered')),
  unit_amount     bigint,
  currency        text NOT NULL,
  stripe_price_id text,
  definition      jsonb NOT NULL,
  archived        boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (resource_type, sku)
);

CREATE TABLE ktrlplane.resources (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  project_id      text NOT NULL REFERENCES ktrlplane.projects(id),
  name            text NOT NULL,
  resource_type   text NOT NULL,
  sku             text NOT NULL,
  created_at      timestamptz NOT NULL,
  deleted_at      timestamptz,
  FOREIGN KEY (resource_type, sku) REFERENCES ktrlplane.resource_pricing(resource_type, sku)
);
CREATE INDEX resources_project ON ktrlplane.resources (project_id) WHERE deleted_at IS NULL;

-- The ledger: who paid for which resource, at which price, from when to when.
-- [started_at, ended_at) — a switch closes one interval and opens the next at the same instant.
CREATE TABLE ktrlplane.billing_intervals (
  id                 bigserial PRIMARY KEY,
  resource_id        text NOT NULL REFERENCES ktrlplane.resources(id),
  project_id         text NOT NULL REFERENCES ktrlplane.projects(id),
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  resource_type      text NOT NULL,
  sku                text NOT NULL,
  started_at         timestamptz NOT NULL,
  ended_at           timestamptz,
  CHECK (ended_at IS NULL OR ended_at >= started_at),
  FOREIGN KEY (resource_type, sku) REFERENCES ktrlplane.resource_pricing(resource_type, sku)
);
-- A resource is billed to at most one account at any time.
CREATE UNIQUE INDEX billing_intervals_one_open_per_resource
  ON ktrlplane.billing_intervals (resource_id) WHERE ended_at IS NULL;
CREATE INDEX billing_intervals_open_by_account
  ON ktrlplane.billing_intervals (billing_account_id) WHERE ended_at IS NULL;
CREATE INDEX billing_intervals_by_account_time
  ON ktrlplane.billing_intervals (billing_account_id, started_at);

-- Dirty marks: every ledger change appends one, in the same transaction. Insert-only, so that
-- concurrent writers on one account never contend on a row. The provider's worker consumes them.
CREATE TABLE ktrlplane.billing_account_changes (
  id                 bigserial PRIMARY KEY,
  billing_account_id text NOT NULL REFERENCES ktrlplane.billing_accounts(id),
  changed_at         timestamptz NOT NULL
);
CREATE INDEX billing_account_changes_account ON ktrlplane.billing_account_changes (billing_account_id, id);

CREATE TABLE ktrlplane.audit_events (
  id              bigserial PRIMARY KEY,
  organization_id text NOT NULL REFERENCES ktrlplane.organizations(id),
  actor_user_id   text NOT NULL REFERENCES ktrlplane.users(id),
  action          text NOT NULL,
  subject_type    text NOT NULL,
  subject_id      text NOT NULL,
  before          jsonb,
  after           jsonb,
  at              timestamptz NOT NULL
);
CREATE INDEX audit_events_organization ON ktrlplane.audit_events (organization_id, id);

CREATE TABLE ktrlplane.idempotency_keys (
  user_id         text NOT NULL REFERENCES ktrlplane.users(id),
  key             text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (user_id, key)
);
