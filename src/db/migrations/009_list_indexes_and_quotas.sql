-- Lists are paged by keyset on (created_at, id): each page is an index range scan of its size.
DROP INDEX ktrlplane.billing_accounts_organization;
CREATE INDEX billing_accounts_organization_page
  ON ktrlplane.billing_accounts (organization_id, created_at, id);
DROP INDEX ktrlplane.projects_organization;
CREATE INDEX projects_organization_page
  ON ktrlplane.projects (organization_id, created_at, id) WHERE deleted_at IS NULL;
DROP INDEX ktrlplane.resources_project;
CREATE INDEX resources_project_page
  ON ktrlplane.resources (project_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX memberships_organization_page
  ON ktrlplane.memberships (organization_id, created_at, user_id) WHERE project_id IS NULL;
CREATE INDEX memberships_project_page
  ON ktrlplane.memberships (project_id, created_at, user_id) WHERE project_id IS NOT NULL;
-- The organizations a user belongs to, whatever the scope of the role.
CREATE INDEX memberships_user ON ktrlplane.memberships (user_id, organization_id);

-- What each organization holds against its quotas, kept by the triggers below in the same
-- transaction as the rows themselves, so a create reads its organization's count in O(1). The
-- row is locked by the write that changes it until that transaction ends: two creates in one
-- organization cannot both take the last unit of a quota.
CREATE TABLE ktrlplane.organization_usage (
  organization_id  text PRIMARY KEY REFERENCES ktrlplane.organizations(id),
  projects         integer NOT NULL DEFAULT 0,
  resources        integer NOT NULL DEFAULT 0,
  billing_accounts integer NOT NULL DEFAULT 0,
  members          integer NOT NULL DEFAULT 0
);

CREATE FUNCTION ktrlplane.add_usage(organization text, quota text, delta integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO ktrlplane.organization_usage AS u
    (organization_id, projects, resources, billing_accounts, members)
  VALUES (
    organization,
    CASE WHEN quota = 'projects' THEN delta ELSE 0 END,
    CASE WHEN quota = 'resources' THEN delta ELSE 0 END,
    CASE WHEN quota = 'billing_accounts' THEN delta ELSE 0 END,
    CASE WHEN quota = 'members' THEN delta ELSE 0 END)
  ON CONFLICT (organization_id) DO UPDATE SET
    projects = u.projects + EXCLUDED.projects,
    resources = u.resources + EXCLUDED.resources,
    billing_accounts = u.billing_accounts + EXCLUDED.billing_accounts,
    members = u.members + EXCLUDED.members
$$;

-- Projects and resources count while not deleted (deleting is an UPDATE of deleted_at).
CREATE FUNCTION ktrlplane.count_live_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was integer := 0;
  now_live integer := 0;
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN was := 1; END IF;
  IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN now_live := 1; END IF;
  IF now_live <> was THEN
    PERFORM ktrlplane.add_usage(COALESCE(NEW.organization_id, OLD.organization_id), TG_ARGV[0], now_live - was);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER projects_usage AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON ktrlplane.projects
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.count_live_rows('projects');
CREATE TRIGGER resources_usage AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON ktrlplane.resources
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.count_live_rows('resources');

CREATE FUNCTION ktrlplane.count_billing_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ktrlplane.add_usage(NEW.organization_id, 'billing_accounts', 1);
  ELSE
    PERFORM ktrlplane.add_usage(OLD.organization_id, 'billing_accounts', -1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER billing_accounts_usage AFTER INSERT OR DELETE ON ktrlplane.billing_accounts
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.count_billing_accounts();

-- Members are role grants held by people, at organization or project scope; a machine token's
-- user (its row in machine_tokens exists before its grant and outlives it) is not one.
CREATE FUNCTION ktrlplane.count_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  grant_row ktrlplane.memberships;
BEGIN
  IF TG_OP = 'INSERT' THEN grant_row := NEW; ELSE grant_row := OLD; END IF;
  IF NOT EXISTS (SELECT 1 FROM ktrlplane.machine_tokens WHERE id = grant_row.user_id) THEN
    PERFORM ktrlplane.add_usage(grant_row.organization_id, 'members', CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER memberships_usage AFTER INSERT OR DELETE ON ktrlplane.memberships
  FOR EACH ROW EXECUTE FUNCTION ktrlplane.count_members();

INSERT INTO ktrlplane.organization_usage (organization_id, projects, resources, billing_accounts, members)
SELECT o.id,
  (SELECT count(*) FROM ktrlplane.projects p WHERE p.organization_id = o.id AND p.deleted_at IS NULL),
  (SELECT count(*) FROM ktrlplane.resources r WHERE r.organization_id = o.id AND r.deleted_at IS NULL),
  (SELECT count(*) FROM ktrlplane.billing_accounts a WHERE a.organization_id = o.id),
  (SELECT count(*) FROM ktrlplane.memberships m WHERE m.organization_id = o.id
     AND NOT EXISTS (SELECT 1 FROM ktrlplane.machine_tokens t WHERE t.id = m.user_id))
FROM ktrlplane.organizations o;
