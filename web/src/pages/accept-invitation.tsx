/**
 * Where an invitation link lands: `/invitations/accept#token=…`. The token travels in the
 * fragment, which browsers never send to a server (no access log, no Referer holds it); it is
 * kept in this tab's sessionStorage while the person logs in or signs up, then accepted.
 */
import { type ReactNode, useState } from "react";
import { type ApiError, api, type Invitation } from "../api";
import { ErrorNotice, Loading, Notice } from "../components/ui";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { roleWord } from "./landing";

const INVITATION_KEY = "ktrlplane.invitation";
const here = encodeURIComponent("/invitations/accept");

/** Takes the token out of the address bar (history keeps no copy) into this tab's storage. */
function takeToken(): string | null {
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem(INVITATION_KEY, fromLink);
    window.history.replaceState(null, "", window.location.pathname);
  }
  return sessionStorage.getItem(INVITATION_KEY);
}

export function AcceptInvitationPage() {
  const { token: session, me, loading, refresh } = useSession();
  const [invitation] = useState(takeToken);
  const [accepted, setAccepted] = useState<Invitation | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function accept() {
    if (!invitation) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.acceptInvitation(invitation);
      sessionStorage.removeItem(INVITATION_KEY);
      setAccepted(result);
      await refresh();
    } catch (e) {
      const problem = e as ApiError;
      // A link that can never work again is forgotten; a wrong account may sign out and retry.
      if (problem.status === 404 || problem.status === 409 || problem.status === 410) {
        sessionStorage.removeItem(INVITATION_KEY);
      }
      setError(problem);
    } finally {
      setBusy(false);
    }
  }

  let body: ReactNode;
  if (accepted) {
    const to =
      accepted.project_id === null
        ? `/organizations/${accepted.organization_id}/members`
        : `/projects/${accepted.project_id}`;
    body = (
      <>
        <Notice kind="success">
          You joined as {roleWord(accepted.role)}
          {accepted.scope === "project" ? " on a project" : ""}.
        </Notice>
        <button type="button" className="button-primary button-block" onClick={() => navigate(to)}>
          Continue
        </button>
      </>
    );
  } else if (!invitation) {
    body = (
      <Notice kind="warning">
        This page needs the link from your invitation. Open the link you were sent again, or ask for
        a new one.
      </Notice>
    );
  } else if (!session) {
    body = (
      <>
        <p>
          Log in, or create an account, with the email address the invitation was sent to. You come
          back here afterwards to accept it.
        </p>
        <Link className="button-primary button-block" to={`/login?next=${here}`}>
          Log in
        </Link>
        <p className="auth-switch">
          New here? <Link to={`/signup?next=${here}`}>Create an account</Link>
        </p>
      </>
    );
  } else if (loading || !me) {
    body = <Loading what="Signing you in" />;
  } else {
    body = (
      <>
        <p>
          You are signed in as <strong>{me.user.email}</strong>. Accepting gives this account the
          role the invitation offers.
        </p>
        <ErrorNotice error={error} title="The invitation could not be accepted." />
        <button
          type="button"
          className="button-primary button-block"
          disabled={busy}
          onClick={() => void accept()}
        >
          {busy ? "Accepting…" : "Accept invitation"}
        </button>
      </>
    );
  }
  return (
    <div className="auth-card">
      <h1>You are invited</h1>
      {body}
    </div>
  );
}
