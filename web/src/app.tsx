import { Component, type ErrorInfo, type ReactNode, useEffect, useRef, useState } from "react";
import { ErrorNotice, Loading } from "./components/ui";
import { ORG_KEY } from "./org-choice";
import { AcceptInvitationPage } from "./pages/accept-invitation";
import { AccountPage, AccountSetupPage } from "./pages/account-setup";
import { AuditPage } from "./pages/audit";
import { LoginPage, SignupPage } from "./pages/auth";
import { CostsPage } from "./pages/costs";
import { InvoicePage } from "./pages/invoice";
import { LandingPage } from "./pages/landing";
import { MembersPage } from "./pages/members";
import { NewOrganizationPage } from "./pages/new-organization";
import { NewProjectPage } from "./pages/new-project";
import { OrgBillingPage } from "./pages/org-billing";
import { ProjectPage } from "./pages/project";
import { ProjectBillingPage } from "./pages/project-billing";
import { ResourcePage } from "./pages/resource";
import { ResourceWizardPage } from "./pages/resource-wizard";
import { Link, matchPath, navigate, useLocation } from "./router";
import { SessionProvider, useSession } from "./session";

const INVITATION_PATH = "/invitations/accept";

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode];
const routes: Route[] = [
  ["/", () => <LandingPage />],
  ["/projects/new", () => <NewProjectPage />],
  ["/projects/:id", (p) => <ProjectPage id={p.id as string} />],
  ["/projects/:id/billing", (p) => <ProjectBillingPage id={p.id as string} />],
  ["/projects/:id/members", (p) => <MembersPage scope="project" id={p.id as string} />],
  ["/resources/new", () => <ResourceWizardPage />],
  ["/resources/:id", (p) => <ResourcePage id={p.id as string} />],
  ["/billing-accounts/:id", (p) => <AccountPage id={p.id as string} />],
  ["/billing-accounts/:id/setup", (p) => <AccountSetupPage id={p.id as string} />],
  ["/invoices/:id", (p) => <InvoicePage id={p.id as string} />],
  ["/organizations/new", () => <NewOrganizationPage />],
  ["/organizations/:id/members", (p) => <MembersPage scope="organization" id={p.id as string} />],
  ["/organizations/:id/audit", (p) => <AuditPage id={p.id as string} />],
  ["/organizations/:id/billing", (p) => <OrgBillingPage id={p.id as string} />],
  ["/organizations/:id/costs", (p) => <CostsPage id={p.id as string} />],
];

function resolve(path: string): ReactNode {
  for (const [pattern, render] of routes) {
    const params = matchPath(pattern, path);
    if (params) return render(params);
  }
  return (
    <div className="panel">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Go to the start page</Link>.
      </p>
    </div>
  );
}

function TopBar() {
  const { me, signOut } = useSession();
  const { path } = useLocation();
  const orgs = me?.organizations ?? [];
  const [orgId, setOrgId] = useState(() => localStorage.getItem(ORG_KEY) ?? "");
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const routeOrg = matchPath("/organizations/:id/:page", path)?.id;
  const NEW_ORG = "+new";
  const current = orgs.find((o) => o.id === (routeOrg ?? orgId)) ?? orgs[0];
  const currentId = current?.id;
  useEffect(() => {
    if (currentId) localStorage.setItem(ORG_KEY, currentId);
  }, [currentId]);
  // Pages may choose the organization (a new one, just created): follow them on navigation.
  useEffect(() => {
    if (path) setOrgId(localStorage.getItem(ORG_KEY) ?? "");
  }, [path]);
  // The menu (narrow screens) closes when the page changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: path is the trigger
  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [menuOpen]);
  const active = (prefix: string) => (path.startsWith(prefix) ? "nav-active" : undefined);
  const current_ = (prefix: string) => (path.startsWith(prefix) ? ("page" as const) : undefined);
  const orgLink = (page: string, label: string) =>
    current ? (
      <Link
        to={`/organizations/${current.id}/${page}`}
        className={active(`/organizations/${current.id}/${page}`)}
        aria-current={current_(`/organizations/${current.id}/${page}`)}
      >
        {label}
      </Link>
    ) : null;

  return (
    <header className="topbar">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Link to="/" className="brand">
        <span className="brand-mark" aria-hidden="true" />
        ktrlplane
      </Link>
      {me ? (
        <button
          ref={menuButton}
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="topbar-menu"
          onClick={() => setMenuOpen((v) => !v)}
        >
          <span className="menu-icon" aria-hidden="true" />
          Menu
        </button>
      ) : null}
      {me ? (
        <div id="topbar-menu" className={`topbar-menu ${menuOpen ? "topbar-menu-open" : ""}`}>
          <nav aria-label="Main" className="mainnav">
            <Link
              to="/"
              className={path === "/" ? "nav-active" : undefined}
              aria-current={path === "/" ? "page" : undefined}
            >
              Home
            </Link>
            {/* Only organization-scope roles may open these pages: project-only members get none. */}
            {current?.role ? (
              <>
                {orgLink("billing", "Billing")}
                {orgLink("costs", "Costs")}
                {orgLink("members", "Members")}
                {current.permissions.read_audit ? orgLink("audit", "Audit") : null}
              </>
            ) : null}
          </nav>
          <span className="spacer" />
          {orgs.length > 0 ? (
            <label className="org-switch">
              <span className="muted-on-dark">Organization</span>
              <select
                value={current?.id ?? ""}
                onChange={(e) => {
                  if (e.target.value === NEW_ORG) return navigate("/organizations/new");
                  setOrgId(e.target.value);
                  localStorage.setItem(ORG_KEY, e.target.value);
                  if (routeOrg) navigate(path.replace(routeOrg, e.target.value));
                }}
              >
                {orgs.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
                <option value={NEW_ORG}>+ New organization…</option>
              </select>
            </label>
          ) : (
            <Link to="/organizations/new" className="org-name">
              New organization
            </Link>
          )}
          <span className="user" title={`${me.user.name} (${me.user.email})`}>
            <span className="avatar" aria-hidden="true">
              {me.user.name.slice(0, 1).toUpperCase()}
            </span>
            <span className="truncate">{me.user.name}</span>
          </span>
          <button type="button" className="button-ghost" onClick={signOut}>
            Log out
          </button>
        </div>
      ) : null}
    </header>
  );
}

/**
 * After a navigation (not the first load), focus moves to the new page's heading so that a
 * screen reader announces it and the keyboard starts from the top of the content. The page may
 * still be loading: we wait briefly for its <h1> and fall back to <main>.
 */
function useFocusOnNavigation(path: string) {
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new path is the trigger
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    let frame = 0;
    const deadline = Date.now() + 3000;
    const tryFocus = () => {
      const main = document.getElementById("main");
      if (!main) return;
      if (main.contains(document.activeElement) && document.activeElement !== main) return;
      const heading = main.querySelector<HTMLElement>("h1");
      if (heading) {
        if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
        return;
      }
      if (Date.now() > deadline) {
        main.focus({ preventScroll: true });
        return;
      }
      frame = requestAnimationFrame(tryFocus);
    };
    frame = requestAnimationFrame(tryFocus);
    return () => cancelAnimationFrame(frame);
  }, [path]);
}

function Pages() {
  const { token, me, loading, error } = useSession();
  const { path, query } = useLocation();
  // The invitation page serves both the signed-in and those who must log in or sign up first.
  const publicPage = path === "/login" || path === "/signup" || path === INVITATION_PATH;

  useEffect(() => {
    if (!token && !publicPage) {
      const next =
        path === "/" ? "" : `?next=${encodeURIComponent(path + (query.size ? `?${query}` : ""))}`;
      navigate(`/login${next}`, { replace: true });
    }
  }, [token, publicPage, path, query]);

  if (path === "/signup") return <SignupPage />;
  if (path === "/login") return <LoginPage />;
  if (path === INVITATION_PATH) return <AcceptInvitationPage />;
  if (!token) return null;
  if (loading && !me) return <Loading what="Signing you in" />;
  if (!me)
    return (
      <div className="panel">
        <ErrorNotice error={error} title="Your account could not be loaded." />
        <button type="button" className="button-secondary" onClick={() => window.location.reload()}>
          Try again
        </button>
      </div>
    );
  return <>{resolve(path)}</>;
}

class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }
  override render() {
    if (this.state.error)
      return (
        <div className="panel">
          <h1>Something went wrong on this page</h1>
          <p>The console hit an unexpected problem. Your data is safe.</p>
          <button
            type="button"
            className="button-primary"
            onClick={() => window.location.assign("/")}
          >
            Back to the start page
          </button>
        </div>
      );
    return this.props.children;
  }
}

export function App() {
  const { path } = useLocation();
  useFocusOnNavigation(path);
  return (
    <SessionProvider>
      <TopBar />
      <main className="main" id="main" tabIndex={-1}>
        <ErrorBoundary key={path}>
          <Pages />
        </ErrorBoundary>
      </main>
    </SessionProvider>
  );
}
