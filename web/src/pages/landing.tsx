import { allPages, api, type Project } from "../api";
import { BillingBadge, ErrorNotice, Loading, Notice } from "../components/ui";
import { FlashNotice } from "../flash";
import { Link, useLocation } from "../router";
import { useSession } from "../session";
import { useApi } from "../use-api";

export function LandingPage() {
  const { me } = useSession();
  const { query } = useLocation();
  const orgs = me?.organizations ?? [];
  const projects = useApi(async () => {
    const lists = await Promise.all(
      orgs.map(async (org) => {
        try {
          const all = await allPages((cursor) => api.organizationProjects(org.id, cursor));
          return { org, projects: all.items, error: null };
        } catch (error) {
          return { org, projects: [] as Project[], error: error as Error };
        }
      }),
    );
    return lists;
  }, [orgs.map((o) => o.id).join(",")]);

  const firstName = me?.user.name.split(" ")[0] ?? "";
  const total = projects.data?.reduce((n, l) => n + l.projects.length, 0) ?? 0;
  // Offer only what the caller's roles allow: someone with no organization yet creates one with
  // their first project; a viewer is offered an organization of their own instead.
  const canCreateProject = orgs.length === 0 || orgs.some((o) => o.permissions.write_projects);
  const canCreateResource =
    canCreateProject ||
    (projects.data ?? []).some((l) => l.projects.some((p) => p.permissions.write_resources));
  const failed = projects.data?.some((l) => l.error) ?? false;

  return (
    <div className="landing">
      <FlashNotice />
      <section className="hero">
        <h1>
          {query.get("welcome") ? `Welcome to ktrlplane, ${firstName}` : `Hello, ${firstName}`}
        </h1>
        <p className="muted">
          Resources live in projects; projects are billed to your organization unless you choose
          separate billing. You see the price before anything is created.
        </p>
      </section>
      {query.get("organization_created") ? (
        <Notice kind="success">
          <>Organization created. You are its owner: create a project in it to get started.</>
        </Notice>
      ) : null}
      <section className="action-cards" aria-label="Get started">
        {canCreateProject ? (
          <Link to="/projects/new" className="action-card">
            <span className="action-icon" aria-hidden="true">
              ▣
            </span>
            <span className="action-title">Create project</span>
            <span className="action-text">
              A home for related resources, billed to your organization or separately.
            </span>
          </Link>
        ) : null}
        {canCreateResource ? (
          <Link to="/resources/new" className="action-card">
            <span className="action-icon" aria-hidden="true">
              ◆
            </span>
            <span className="action-title">Create resource</span>
            <span className="action-text">
              Pick a type and size, see the price, launch. We set up a project if you need one.
            </span>
          </Link>
        ) : null}
        {!canCreateProject ? (
          <Link to="/organizations/new" className="action-card">
            <span className="action-icon" aria-hidden="true">
              ＋
            </span>
            <span className="action-title">Start your own organization</span>
            <span className="action-text">
              Your role where you were invited lets you look, not create. An organization of your
              own is yours to build in.
            </span>
          </Link>
        ) : null}
      </section>

      <section aria-labelledby="projects-heading" className="panel">
        <h2 id="projects-heading">Your projects</h2>
        {projects.loading ? <Loading what="Loading projects" /> : null}
        {projects.data?.map(({ org, projects: list, error }) => (
          <div key={org.id} className="org-group">
            <div className="org-group-head">
              <h3>{org.name}</h3>
              <span className="muted small">{roleWord(org.role)}</span>
              <span className="spacer" />
              {org.role ? (
                <>
                  <Link to={`/organizations/${org.id}/billing`}>Billing</Link>
                  <Link to={`/organizations/${org.id}/costs`}>Costs</Link>
                  <Link to={`/organizations/${org.id}/members`}>Members</Link>
                </>
              ) : null}
            </div>
            {error ? (
              <ErrorNotice
                error={error}
                title={`The projects of ${org.name} could not be loaded.`}
                onRetry={projects.reload}
              />
            ) : null}
            {!error && list.length === 0 ? (
              <p className="muted small">No projects in this organization yet.</p>
            ) : null}
            {list.length > 0 ? (
              <ul className="project-list">
                {list.map((p) => (
                  <li key={p.id}>
                    <Link to={`/projects/${p.id}`} className="project-link" title={p.name}>
                      {p.name}
                    </Link>
                    <BillingBadge billing={p.billing} />
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ))}
        <ErrorNotice
          error={projects.error}
          title="Your projects could not be loaded."
          onRetry={projects.reload}
        />
        {!projects.loading && !projects.error && !failed && total === 0 ? (
          <Notice>No projects yet. Create a project or go straight to a resource.</Notice>
        ) : null}
      </section>
    </div>
  );
}

export function roleWord(role: string | null | undefined): string {
  switch (role) {
    case "owner":
      return "Owner";
    case "billing_admin":
      return "Billing admin";
    case "editor":
      return "Editor";
    case "viewer":
      return "Viewer";
    default:
      return "Project member";
  }
}
